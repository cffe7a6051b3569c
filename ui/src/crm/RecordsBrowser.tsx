// The records browser of one CRM integration: synced pipelines, stages, deals and contacts, paginated on
// the server, sortable by title / stage / amount / updated, filtered by type, pipeline and stage, searched.
import { useMemo, useState } from "react";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { createColumnHelper } from "@tanstack/react-table";
import { api } from "../api";
import { syncedOptions } from "./options";
import type { CrmRecord } from "../bindings/CrmRecord";
import type { RecordQuery } from "../bindings/RecordQuery";
import { DataTable, useServerTable } from "../shared/DataTable";
import { relativeTime } from "../shared/format";
import { LocalTime } from "../shared/LocalTime";
import { Pager } from "../shared/Pager";
import { usePersistentState } from "../shared/usePersistentState";
import { useSearchText } from "../shared/useSearchText";

const column = createColumnHelper<CrmRecord>();
/** The amount format, made on first use: an `Intl` object loads the engine's locale data (ICU), which
 * the app's start need not pay for while this module is only loaded (docs/performance.md, session 11). */
let amountFormat: Intl.NumberFormat | undefined;
const amount = (value: number) => (amountFormat ??= new Intl.NumberFormat(undefined, { maximumFractionDigits: 2 })).format(value);

const columns = [
  column.accessor("name", { id: "title", header: "Title", cell: (c) => c.getValue() || <span className="muted">(no name)</span> }),
  column.accessor("entity_type", { header: "Type", enableSorting: false }),
  column.accessor("stage_name", {
    id: "stage",
    header: "Stage",
    cell: (c) => c.getValue() ?? (c.row.original.stage ? <code>{c.row.original.stage}</code> : "—"),
  }),
  column.accessor("pipeline_name", { header: "Pipeline", enableSorting: false, cell: (c) => c.getValue() ?? c.row.original.pipeline ?? "—" }),
  column.accessor("amount", {
    header: "Amount",
    meta: { kind: "number" },
    cell: (c) => {
      const value = c.getValue();
      if (value == null) return "—";
      const currency = c.row.original.currency;
      return currency ? `${amount(value)} ${currency}` : amount(value);
    },
  }),
  column.accessor("remote_updated_at", {
    id: "updated",
    header: "Updated in CRM",
    cell: (c) => {
      const value = c.getValue();
      return value == null ? "—" : <LocalTime at={value * 1000}>{relativeTime(value * 1000)}</LocalTime>;
    },
  }),
  column.accessor("external_id", { header: "CRM id", enableSorting: false, cell: (c) => <code>{c.getValue()}</code> }),
];

type Filters = Pick<RecordQuery, "entity_type" | "pipeline" | "stage" | "sort" | "desc" | "page" | "per_page">;

export function RecordsBrowser({ integrationId, refreshKey, syncing = false }: { integrationId: number; refreshKey?: unknown; syncing?: boolean }) {
  const [state, setState] = usePersistentState<Filters>(`records:${integrationId}`, {
    entity_type: "deal",
    pipeline: null,
    stage: null,
    sort: "updated",
    desc: true,
    page: 1,
    per_page: 25,
  });
  const [debounced, setDebounced] = useState("");
  // A new search starts at page 1 (page 5 of the old results may not exist in the new ones).
  const [search, setSearch] = useSearchText(debounced, (text) => {
    setDebounced(text);
    setState((s) => ({ ...s, page: 1 }));
  });
  const query: RecordQuery = { integration_id: integrationId, search: debounced || null, ...state };
  const list = useQuery({
    queryKey: ["records", query, refreshKey],
    queryFn: () => api.listRecords(query),
    placeholderData: keepPreviousData,
  });
  // Each progress of a sync refetches the options; the ones shown stay until the new ones arrive, so the
  // menus never empty under the pointer.
  const pipelines = useQuery({
    queryKey: ["records-options", integrationId, "pipeline", refreshKey],
    queryFn: () => syncedOptions(integrationId, "pipeline"),
    placeholderData: keepPreviousData,
  });
  const stages = useQuery({
    queryKey: ["records-options", integrationId, "stage", refreshKey],
    queryFn: () => syncedOptions(integrationId, "stage"),
    placeholderData: keepPreviousData,
  });
  const stageOptions = useMemo(
    () => (stages.data ?? []).filter((s) => !state.pipeline || s.pipeline === state.pipeline),
    [stages.data, state.pipeline],
  );
  const table = useServerTable({ data: list.data?.items, columns, state, setState });
  const set = (patch: Partial<Filters>) => setState((s) => ({ ...s, ...patch, page: 1 }));
  const total = list.data ? Number(list.data.total) : 0;
  const filtered = Boolean(state.pipeline || state.stage || debounced);
  return (
    <section aria-label="Synced records">
      <div className="toolbar">
        <strong>Synced records</strong>
        <select className="input" aria-label="Record type" value={state.entity_type ?? ""} onChange={(e) => set({ entity_type: e.target.value || null })}>
          <option value="">All types</option>
          <option value="deal">Deals</option>
          <option value="contact">Contacts</option>
          <option value="pipeline">Pipelines</option>
          <option value="stage">Stages</option>
        </select>
        <select className="input" aria-label="Pipeline" value={state.pipeline ?? ""} onChange={(e) => set({ pipeline: e.target.value || null, stage: null })}>
          <option value="">All pipelines</option>
          {(pipelines.data ?? []).map((p) => (
            <option key={p.id} value={p.external_id}>
              {p.name}
            </option>
          ))}
        </select>
        <select className="input" aria-label="Stage" value={state.stage ?? ""} onChange={(e) => set({ stage: e.target.value || null })}>
          <option value="">All stages</option>
          {stageOptions.map((s) => (
            <option key={s.id} value={s.external_id}>
              {s.pipeline_name ? `${s.pipeline_name} · ${s.name}` : s.name}
            </option>
          ))}
        </select>
        <input
          className="input"
          type="search"
          aria-label="Search records"
          placeholder="Search title or CRM id"
          value={search}
          onChange={(e) => setSearch(e.target.value)}
        />
      </div>
      {list.isError ? (
        <p className="error">Cannot load the records: {(list.error as Error).message}</p>
      ) : list.data && total === 0 ? (
        <p className="muted">
          {filtered
            ? "No record matches these filters."
            : syncing
              ? "Nothing stored yet — the sync above saves its records page by page."
              : "Nothing synced yet — start a sync above."}
        </p>
      ) : (
        <DataTable table={table} label="Synced records" busy={list.isPlaceholderData} />
      )}
      {total > 0 && (
        <Pager
          page={state.page}
          perPage={state.per_page}
          shown={list.data?.items.length ?? 0}
          total={total}
          onPage={(page) => setState((s) => ({ ...s, page }))}
          onPerPage={(per_page) => setState((s) => ({ ...s, per_page, page: 1 }))}
        />
      )}
    </section>
  );
}
