// Templates: a paginated list (sortable by name and update time, searched by name and subject) and the editor with a live, offline,
// sandboxed preview.
import { useState } from "react";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { createColumnHelper } from "@tanstack/react-table";
import { api } from "../api";
import type { Template } from "../bindings/Template";
import type { TemplateSort } from "../bindings/TemplateSort";
import { DataTable, useServerTable } from "../shared/DataTable";
import { relativeTime } from "../shared/format";
import { LocalTime } from "../shared/LocalTime";
import { Pager } from "../shared/Pager";
import { usePersistentState } from "../shared/usePersistentState";
import { useSearchText } from "../shared/useSearchText";
import { TemplateEditor } from "./TemplateEditor";

const column = createColumnHelper<Template>();

export function TemplatesPage({ projectId }: { projectId: number | null }) {
  const [state, setState] = usePersistentState("patchbay.templates.list", { page: 1, perPage: 10, sort: "name" as TemplateSort, desc: false, search: "" });
  const [searchText, setSearchText] = useSearchText(state.search, (search) => setState((s) => ({ ...s, search, page: 1 })));
  const [editing, setEditing] = useState<Template | "new" | null>(null);
  const search = state.search.trim();
  const query = {
    page: state.page,
    per_page: state.perPage,
    sort: state.sort,
    desc: state.desc,
    ...(projectId !== null && { project_id: projectId }),
    ...(search && { search }),
  };
  const list = useQuery({ queryKey: ["templates", query], queryFn: () => api.listTemplates(query), placeholderData: keepPreviousData });
  const columns = [
    column.accessor("name", {
      id: "name",
      header: "Name",
      cell: (info) => (
        <button className="btn small row-title" onClick={() => setEditing(info.row.original)}>
          {info.getValue()}
        </button>
      ),
    }),
    column.accessor("subject", { id: "subject", header: "Subject", enableSorting: false }),
    column.accessor("format", { id: "format", header: "Format", enableSorting: false, cell: (info) => <span className="badge">{info.getValue().toUpperCase()}</span> }),
    column.accessor("updated_at", { id: "updated", header: "Updated", cell: (info) => <LocalTime at={info.getValue()}>{relativeTime(info.getValue())}</LocalTime> }),
  ];
  const table = useServerTable({ data: list.data?.items, columns, state, setState });
  if (editing) {
    return <TemplateEditor template={editing === "new" ? null : editing} projectId={projectId} onClose={() => setEditing(null)} onSaved={(saved) => setEditing(saved)} />;
  }
  const total = list.data ? Number(list.data.total) : 0;
  return (
    <>
      <div className="toolbar">
        <input
          className="input"
          type="search"
          placeholder="Search name or subject"
          aria-label="Search templates"
          value={searchText}
          onChange={(e) => setSearchText(e.target.value)}
        />
        <span className="spacer" />
        <button className="btn primary" onClick={() => setEditing("new")}>
          New template
        </button>
      </div>
      {list.error && <div className="banner">{(list.error as Error).message}</div>}
      {list.data && total === 0 && search ? (
        <div className="empty">
          <h2>No templates match “{search}”</h2>
          <p className="muted">The search looks at names and subjects.</p>
          <button className="btn" onClick={() => (setSearchText(""), setState((s) => ({ ...s, search: "", page: 1 })))}>
            Clear the search
          </button>
        </div>
      ) : list.data && total === 0 ? (
        <div className="empty">
          <h2>No templates yet</h2>
          <p className="muted">Write HTML or MJML with {"{{ variables }}"}, preview it offline, and send a test through an SMTP integration.</p>
          <button className="btn primary" onClick={() => setEditing("new")}>
            Write your first template
          </button>
        </div>
      ) : (
        <DataTable table={table} label="Templates" busy={list.isPlaceholderData} />
      )}
      {total > 0 && (
        <Pager
          page={state.page}
          perPage={state.perPage}
          shown={list.data?.items.length ?? 0}
          total={total}
          onPage={(page) => setState((s) => ({ ...s, page }))}
          onPerPage={(perPage) => setState((s) => ({ ...s, perPage, page: 1 }))}
        />
      )}
    </>
  );
}
