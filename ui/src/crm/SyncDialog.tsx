// CRM sync for one Kommo or Bitrix24 integration: start a sync run (entities, full or incremental), see
// its progress live, cancel it, and browse the synced records page by page.
import { useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, type Integration } from "../api";
import type { Entity } from "../bindings/Entity";
import { Dialog } from "../shared/Dialog";
import { relativeTime } from "../shared/format";
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
    queryFn: () => api.listRuns({ page: 1, per_page: 100, sort: "started", desc: true, kind: "crm_sync" }),
  });
  const latest = runs.data?.items.find((run) => run.integration_id === integration.id);
  const start = useMutation({
    mutationFn: () => api.startSync(integration.id, entities, full),
    onSuccess: () => {
      toast({ kind: "info", title: `Sync of ${integration.name} started`, message: "Progress shows here and on the Runs page." });
      void queryClient.invalidateQueries({ queryKey: ["runs"] });
    },
    onError: (error) => toast({ kind: "error", title: "Cannot start the sync", message: (error as Error).message }),
  });
  const running = latest?.status === "running";
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
          <button className="btn" onClick={() => api.cancelSync(latest.id).then(() => toast({ kind: "info", title: "Cancelling after the current page" }))}>
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
      <RecordsBrowser integrationId={integration.id} refreshKey={latest?.progress_done} />
      <div className="buttons">
        <button className="btn" onClick={onClose}>
          Close
        </button>
      </div>
    </Dialog>
  );
}
