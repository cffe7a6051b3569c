// The Runs page: every run (check all, n8n triggers, CRM syncs …), paginated and sortable by start time,
// kind, status and duration; a run's detail shows progress, log lines and error, live.
import { useState } from "react";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { createColumnHelper } from "@tanstack/react-table";
import { api } from "../api";
import type { Run } from "../bindings/Run";
import type { RunKind } from "../bindings/RunKind";
import type { RunQuery } from "../bindings/RunQuery";
import type { RunSort } from "../bindings/RunSort";
import type { RunStatus } from "../bindings/RunStatus";
import { DataTable, useServerTable } from "../shared/DataTable";
import { Dialog } from "../shared/Dialog";
import { relativeTime } from "../shared/format";
import { LocalTime } from "../shared/LocalTime";
import { Pager } from "../shared/Pager";
import { usePersistentState } from "../shared/usePersistentState";

export const KIND_LABEL: Record<RunKind, string> = {
  health_check_all: "Check all",
  n8n_trigger: "n8n trigger",
  crm_sync: "CRM sync",
  bridge_transfer: "Bridge transfer",
  test_email: "Test e-mail",
};

interface RunListState {
  page: number;
  perPage: number;
  sort: RunSort;
  desc: boolean;
  kind: "" | RunKind;
  status: "" | RunStatus;
}

export function formatDuration(ms: number | null): string {
  if (ms === null) return "—";
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

/** A run's duration for display. An interrupted run's is the time to its last heartbeat, so it ran at least
 * that long ("≥ 40.0 s"), or is unknown ("—") when it stopped before its first heartbeat. */
export function runDuration(run: Pick<Run, "status" | "duration_ms">): string {
  if (run.status !== "interrupted" || run.duration_ms === null) return formatDuration(run.duration_ms);
  return run.duration_ms > 0 ? `≥ ${formatDuration(run.duration_ms)}` : "—";
}

/** A run's progress: a bar with "done/total" when the total is known, else the count done so far (a CRM sync
 * learns its total only as it pages). */
export function Progress({ run }: { run: Run }) {
  if (run.progress_total === null || run.progress_total === 0) return <span className="muted">{run.progress_done} done</span>;
  const percent = Math.round((run.progress_done / run.progress_total) * 100);
  return (
    <span title={`${run.progress_done} of ${run.progress_total}`}>
      <progress max={run.progress_total} value={run.progress_done} aria-label={`${percent}% done`} /> {run.progress_done}/{run.progress_total}
    </span>
  );
}

/** The integration a run is about, under its title: as it is named now, "(deleted integration)" once it is
 * gone (every kind but "Check all" is about one; its id is cleared on delete), nothing for "Check all". */
function IntegrationLine({ run }: { run: Run }) {
  if (run.kind === "health_check_all") return null;
  return <div className="muted small-text">{run.integration_name ?? "(deleted integration)"}</div>;
}

function RunDetailDialog({ id, onClose }: { id: number; onClose: () => void }) {
  const detail = useQuery({ queryKey: ["run", id], queryFn: () => api.runDetail(id) });
  const run = detail.data?.run;
  return (
    <Dialog title={run ? `Run ${run.id} — ${run.title}` : `Run ${id}`} onClose={onClose} wide>
      {detail.error && <div className="banner">{(detail.error as Error).message}</div>}
      {run && (
        <div className="form">
          <div>
            <span className={`badge status-${run.status}`}>{run.status}</span> {KIND_LABEL[run.kind]}
            {run.kind !== "health_check_all" && ` · ${run.integration_name ?? "(deleted integration)"}`} · started{" "}
            {run.started_at ? new Date(run.started_at).toLocaleString() : "—"} · {runDuration(run)}
          </div>
          <Progress run={run} />
          {run.summary && <div>{run.summary}</div>}
          {run.error && (
            <div className="banner" role="alert">
              {run.error}
            </div>
          )}
          <h3 style={{ margin: 0, fontSize: 14 }}>Log</h3>
          {detail.data!.logs.length === 0 ? (
            <p className="muted">No log lines.</p>
          ) : (
            <pre className="log" aria-label="Run log">
              {detail.data!.logs.map((line) => `${new Date(line.at).toLocaleTimeString()}  ${line.level.toUpperCase().padEnd(5)}  ${line.message}`).join("\n")}
            </pre>
          )}
        </div>
      )}
      <div className="buttons">
        <button className="btn" onClick={onClose}>
          Close
        </button>
      </div>
    </Dialog>
  );
}

const column = createColumnHelper<Run>();

export function RunsPage({ projectId }: { projectId: number | null }) {
  const [state, setState] = usePersistentState<RunListState>("patchbay.runs.list", {
    page: 1, perPage: 10, sort: "started", desc: true, kind: "", status: "",
  });
  const [openRun, setOpenRun] = useState<number | null>(null);
  const query: RunQuery = {
    page: state.page, per_page: state.perPage, sort: state.sort, desc: state.desc,
    ...(projectId !== null && { project_id: projectId }),
    ...(state.kind && { kind: state.kind }),
    ...(state.status && { status: state.status }),
  };
  const list = useQuery({ queryKey: ["runs", query], queryFn: () => api.listRuns(query), placeholderData: keepPreviousData });
  const columns = [
    column.accessor("started_at", {
      id: "started",
      header: "Started",
      cell: (info) => {
        const value = info.getValue();
        return value === null ? "—" : <LocalTime at={value}>{relativeTime(value)}</LocalTime>;
      },
    }),
    column.accessor("kind", { id: "kind", header: "Kind", cell: (info) => KIND_LABEL[info.getValue()] }),
    column.accessor("title", {
      id: "title",
      header: "Run",
      enableSorting: false,
      cell: (info) => (
        <>
          <button className="btn small row-title" onClick={() => setOpenRun(info.row.original.id)}>
            {info.getValue()}
          </button>
          <IntegrationLine run={info.row.original} />
        </>
      ),
    }),
    column.accessor("status", { id: "status", header: "Status", cell: (info) => <span className={`badge status-${info.getValue()}`}>{info.getValue()}</span> }),
    column.display({ id: "progress", header: "Progress", cell: (info) => <Progress run={info.row.original} /> }),
    column.accessor("duration_ms", { id: "duration", header: "Duration", meta: { kind: "number" }, cell: (info) => runDuration(info.row.original) }),
    column.accessor((run) => run.error ?? run.summary ?? "", { id: "detail", header: "Result", enableSorting: false, meta: { kind: "wrap" } }),
  ];
  const table = useServerTable({ data: list.data?.items, columns, state, setState });
  const total = list.data ? Number(list.data.total) : 0;
  const filtered = Boolean(state.kind || state.status);
  return (
    <>
      <div className="toolbar">
        <select className="input" aria-label="Filter by kind" value={state.kind} onChange={(e) => setState((s) => ({ ...s, kind: e.target.value as RunListState["kind"], page: 1 }))}>
          <option value="">All kinds</option>
          {Object.entries(KIND_LABEL).map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </select>
        <select className="input" aria-label="Filter by status" value={state.status} onChange={(e) => setState((s) => ({ ...s, status: e.target.value as RunListState["status"], page: 1 }))}>
          <option value="">Any status</option>
          {["running", "succeeded", "failed", "cancelled", "interrupted", "queued"].map((status) => (
            <option key={status} value={status}>
              {status}
            </option>
          ))}
        </select>
      </div>
      {list.error && <div className="banner">{(list.error as Error).message}</div>}
      {list.data && total === 0 ? (
        <div className="empty">
          <h2>{filtered ? "No runs match these filters" : "No runs yet"}</h2>
          <p className="muted">“Check all”, n8n triggers and CRM syncs appear here with their progress and logs.</p>
        </div>
      ) : (
        <DataTable table={table} label="Runs" busy={list.isPlaceholderData} />
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
      {openRun !== null && <RunDetailDialog id={openRun} onClose={() => setOpenRun(null)} />}
    </>
  );
}
