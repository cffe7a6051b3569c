// CRM sync for one Kommo or Bitrix24 integration: start a sync run (entities, full or incremental), see
// its progress live, cancel it, and browse the synced records page by page.
import { useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, type Integration } from "../api";
import type { Entity } from "../bindings/Entity";
import { Dialog } from "../shared/Dialog";
import { relativeTime, errorText } from "../shared/format";
import { BridgesDialog } from "./BridgesDialog";
import { RecordsBrowser } from "./RecordsBrowser";
import { useToast } from "../shared/toasts";

const ENTITIES: { id: Entity; label: string }[] = [
  { id: "pipelines", label: "Pipelines and stages" },
  { id: "deals", label: "Deals (leads)" },
  { id: "contacts", label: "Contacts" },
];

export function SyncDialog({ integration, onClose }: { integration: Integration; onClose: () => void }) {
  const toast = useToast();
  const queryClient = useQueryClient();
  const [entities, setEntities] = useState<Entity[]>(["pipelines", "deals", "contacts"]);
  const [full, setFull] = useState(false);
  const runs = useQuery({
    queryKey: ["runs", { kind: "crm_sync", integration: integration.id }],
    // The integration's newest sync, however many runs of other integrations came after it.
    queryFn: () => api.listRuns({ page: 1, per_page: 1, sort: "started", desc: true, kind: "crm_sync", integration_id: integration.id }),
    // This window's runs report progress as events; a run of another window or of the CLI only in the database.
    refetchInterval: (query) => (query.state.data?.items[0]?.status === "running" ? 2_000 : false),
  });
  const latest = runs.data?.items[0];
  const start = useMutation({
    mutationFn: () => api.startSync(integration.id, entities, full),
    onSuccess: () => {
      toast({ kind: "info", title: `Sync of ${integration.name} started`, message: "Progress shows here and on the Runs page." });
      void queryClient.invalidateQueries({ queryKey: ["runs"] });
    },
    onError: (error) => {
      toast({ kind: "error", title: "Cannot start the sync", message: errorText(error) });
      // It may run in another window or command: show that run.
      void queryClient.invalidateQueries({ queryKey: ["runs"] });
    },
  });
  const running = latest?.status === "running";
  const [bridgesOpen, setBridgesOpen] = useState(false);
  const portals = useQuery({
    queryKey: ["integrations", "bitrix24-portals"],
    enabled: integration.provider === "bitrix24",
    queryFn: () => api.listIntegrations({ provider: "bitrix24", page: 1, per_page: 100, sort: "name", desc: false }),
  });
  return (
    <Dialog title={`CRM sync — ${integration.name}`} onClose={onClose} wide>
      <div className="toolbar">
        {ENTITIES.map((entity) => (
          <label key={entity.id}>
            <input
              type="checkbox"
              checked={entities.includes(entity.id)}
              onChange={(e) => setEntities((list) => (e.target.checked ? [...list, entity.id] : list.filter((x) => x !== entity.id)))}
            />{" "}
            {entity.label}
          </label>
        ))}
        <label title="Resync everything instead of what changed since the last successful sync">
          <input type="checkbox" checked={full} onChange={(e) => setFull(e.target.checked)} /> Full resync
        </label>
        <span className="spacer" />
        {running && latest ? (
          <button
            className="btn"
            onClick={() =>
              api.cancelSync(latest.id).then(
                () => toast({ kind: "info", title: "Cancelling after the current page" }),
                (error) => toast({ kind: "error", title: "Cannot cancel the sync", message: errorText(error) }),
              )
            }
          >
            Cancel sync
          </button>
        ) : (
          <button className="btn primary" disabled={entities.length === 0 || start.isPending} onClick={() => start.mutate()}>
            {latest && (latest.status === "failed" || latest.status === "interrupted") && !full ? "Resume sync" : "Start sync"}
          </button>
        )}
      </div>
      {latest && (
        <div className="facts-box" aria-live="polite">
          <div>
            <span className={`badge status-${latest.status}`}>{latest.status}</span> {latest.title} · started {latest.started_at ? relativeTime(latest.started_at) : "—"}
          </div>
          <div>{latest.summary ?? "…"}</div>
          {latest.error && <div className="error">{latest.error}</div>}
        </div>
      )}
      <ScheduleEditor integration={integration} entities={entities} />
      <RecordsBrowser integrationId={integration.id} refreshKey={latest?.progress_done} syncing={running} />
      {bridgesOpen && <BridgesDialog source={integration} portals={portals.data?.items ?? []} onClose={() => setBridgesOpen(false)} />}
      <div className="buttons">
        {integration.provider === "bitrix24" && (
          <button className="btn" onClick={() => setBridgesOpen(true)}>
            Bridges to other portals…
          </button>
        )}
        <button className="btn" onClick={onClose}>
          Close
        </button>
      </div>
    </Dialog>
  );
}

/** The optional periodic sync of this integration (incremental runs of the entities ticked above). */
function ScheduleEditor({ integration, entities }: { integration: Integration; entities: Entity[] }) {
  const toast = useToast();
  const queryClient = useQueryClient();
  const schedule = useQuery({ queryKey: ["sync-schedule", integration.id], queryFn: () => api.getSyncSchedule(integration.id) });
  const [minutes, setMinutes] = useState<string>("");
  const current = schedule.data;
  const save = useMutation({
    mutationFn: (interval: number | null) =>
      api.setSyncSchedule(integration.id, interval === null ? null : { interval_minutes: interval, entities, next_run_at: 0 }),
    onSuccess: (saved) => {
      queryClient.setQueryData(["sync-schedule", integration.id], saved);
      setMinutes("");
      toast({ kind: "success", title: saved ? `Syncing every ${saved.interval_minutes} minutes` : "Periodic sync off" });
    },
    onError: (error) => toast({ kind: "error", title: "Cannot save the schedule", message: errorText(error, { interval_minutes: "The interval" }) }),
  });
  return (
    <div className="toolbar" aria-label="Periodic sync">
      <span>
        {current
          ? `Syncs ${current.entities.join(", ")} every ${current.interval_minutes} min · next ${relativeTime(current.next_run_at)}`
          : "No periodic sync."}
      </span>
      <input
        className="input"
        type="number"
        min={5}
        max={10080}
        aria-label="Sync every (minutes)"
        placeholder={current ? String(current.interval_minutes) : "minutes, e.g. 60"}
        value={minutes}
        onChange={(e) => setMinutes(e.target.value)}
        style={{ width: "11em" }}
      />
      <button className="btn" disabled={!minutes || save.isPending} onClick={() => save.mutate(Number(minutes))}>
        {current ? "Change interval" : "Sync periodically"}
      </button>
      {current && (
        <button className="btn" disabled={save.isPending} onClick={() => save.mutate(null)}>
          Turn off
        </button>
      )}
    </div>
  );
}
