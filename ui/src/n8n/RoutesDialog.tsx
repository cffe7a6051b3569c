// n8n routes of one integration: the route table with inline validation, a route's editor, a trigger panel
// (payload editor, follow the execution, batch), and the instance's workflows with activation and
// one-click routes from their Webhook nodes.
import { useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, type Integration } from "../api";
import type { Route } from "../bindings/Route";
import type { TriggerOutcome } from "../bindings/TriggerOutcome";
import { ConfirmDialog, Dialog } from "../shared/Dialog";
import { useToast } from "../shared/toasts";
import { errorText, shownFieldError } from "../shared/format";
import { ACTION_KEY, ACTION_KEY_HINT, METHODS, ROUTE_LABELS, RouteEditor } from "./RouteEditor";

/** The fields of the new-route row that show their own error; a refusal about any other goes in a toast. */
const ADD_ROW_LABELS = { action_key: ROUTE_LABELS.action_key, webhook_path: ROUTE_LABELS.webhook_path };

function TriggerPanel({ integration, route }: { integration: Integration; route: Route }) {
  const toast = useToast();
  const [payload, setPayload] = useState(route.default_payload ?? "{}");
  const [follow, setFollow] = useState(integration.secrets_set.includes("api_key"));
  const [batch, setBatch] = useState(false);
  const [outcome, setOutcome] = useState<TriggerOutcome | null>(null);
  const run = useMutation({
    mutationFn: async () => {
      if (batch) {
        const result = await api.triggerBatch(integration.id, route.action_key, payload, 4);
        toast({ kind: result.run.status === "succeeded" ? "success" : "error", title: `Batch ${route.action_key}`, message: result.run.summary ?? "" });
        return null;
      }
      return api.triggerRoute(integration.id, route.action_key, payload, follow);
    },
    onSuccess: (result) => {
      if (!result) return;
      setOutcome(result);
      toast({ kind: result.run.status === "succeeded" ? "success" : "error", title: `${route.action_key}: ${result.run.status}`, message: result.message });
    },
    onError: (error) => toast({ kind: "error", title: "Trigger failed", message: errorText(error) }),
  });
  return (
    <div className="form" aria-label={`Trigger ${route.action_key}`}>
      <h3 style={{ margin: "8px 0 0", fontSize: 14 }}>Trigger <code>{route.action_key}</code></h3>
      <label htmlFor="trigger-payload">{batch ? "Payloads (JSON array or one JSON object per line)" : "Payload (JSON)"}</label>
      <textarea id="trigger-payload" className="input code" rows={5} value={payload} onChange={(e) => setPayload(e.target.value)} />
      <div className="toolbar">
        <label>
          <input type="checkbox" checked={batch} onChange={(e) => setBatch(e.target.checked)} /> Batch
        </label>
        <label title={integration.secrets_set.includes("api_key") ? "" : "Needs the integration's API key"}>
          <input type="checkbox" checked={follow} disabled={batch || !integration.secrets_set.includes("api_key")} onChange={(e) => setFollow(e.target.checked)} /> Follow the execution
        </label>
        <span className="spacer" />
        <button className="btn primary" onClick={() => run.mutate()} disabled={run.isPending}>
          {run.isPending ? (follow && !batch ? "Waiting for n8n…" : "Triggering…") : batch ? "Trigger batch" : "Trigger"}
        </button>
      </div>
      {outcome && (
        <div className="facts-box">
          <div>
            <span className={`badge status-${outcome.run.status}`}>{outcome.run.status}</span> HTTP {outcome.http_status ?? "—"} · {outcome.message}
          </div>
          {outcome.execution && (
            <div>
              Execution {outcome.execution.id}: {outcome.execution.status}, last node {outcome.execution.last_node ?? "—"}
              {outcome.execution.error && <> — {outcome.execution.error}</>} · <code>{outcome.execution.url}</code>
            </div>
          )}
          {outcome.response && <pre className="log">{outcome.response}</pre>}
        </div>
      )}
    </div>
  );
}

export function RoutesDialog({ integration, onClose }: { integration: Integration; onClose: () => void }) {
  const toast = useToast();
  const queryClient = useQueryClient();
  const routes = useQuery({ queryKey: ["routes", integration.id], queryFn: () => api.listRoutes(integration.id) });
  const [selected, setSelected] = useState<Route | null>(null);
  const [deleting, setDeleting] = useState<Route | null>(null);
  const [editing, setEditing] = useState<Route | null>(null);
  const [unsavedEdit, setUnsavedEdit] = useState(false);
  // What the user asked for while a route edit was unsaved: done once they confirm the discard.
  const [afterDiscard, setAfterDiscard] = useState<(() => void) | null>(null);
  const unlessUnsaved = (action: () => void) => (editing && unsavedEdit ? setAfterDiscard(() => action) : action());
  const close = () => unlessUnsaved(onClose);
  const edit = (route: Route) => editing?.id !== route.id && unlessUnsaved(() => (setSelected(null), setEditing(route)));
  const [draft, setDraft] = useState({ action_key: "", webhook_path: "", method: "POST", description: "" });
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [showWorkflows, setShowWorkflows] = useState(false);
  const workflows = useQuery({ queryKey: ["workflows", integration.id], queryFn: () => api.listWorkflows(integration.id, null), enabled: showWorkflows });
  const refresh = () => void queryClient.invalidateQueries({ queryKey: ["routes", integration.id] });
  const add = useMutation({
    mutationFn: (input: typeof draft & { workflow_id?: string }) => api.addRoute(integration.id, input),
    onSuccess: (route) => {
      setErrors({});
      setDraft({ action_key: "", webhook_path: "", method: "POST", description: "" });
      toast({ kind: "success", title: `Route ${route.action_key} added` });
      refresh();
    },
    onError: (error) => {
      const shown = shownFieldError(error, ADD_ROW_LABELS);
      if (shown) setErrors({ [shown.field]: shown.text });
      else toast({ kind: "error", title: "Could not add the route", message: errorText(error, ROUTE_LABELS) });
    },
  });
  const remove = useMutation({
    mutationFn: (route: Route) => api.deleteRoute(route.id),
    onSuccess: (_, route) => {
      setDeleting(null);
      if (selected?.id === route.id) setSelected(null);
      if (editing?.id === route.id) setEditing(null);
      toast({ kind: "success", title: `Route ${route.action_key} deleted` });
      refresh();
    },
    onError: (error) => toast({ kind: "error", title: "Could not delete the route", message: errorText(error) }),
  });
  const toggle = useMutation({
    mutationFn: ({ id, active }: { id: string; active: boolean }) => api.setWorkflowActive(integration.id, id, active),
    onSuccess: (workflow) => {
      toast({ kind: "success", title: `${workflow.name} ${workflow.active ? "activated" : "deactivated"}` });
      void queryClient.invalidateQueries({ queryKey: ["workflows", integration.id] });
    },
    onError: (error) => toast({ kind: "error", title: "n8n refused", message: errorText(error) }),
  });
  const keyProblem = draft.action_key && !ACTION_KEY.test(draft.action_key) ? ACTION_KEY_HINT : errors.action_key;
  return (
    <Dialog title={`n8n routes — ${integration.name}`} onClose={close} wide>
      {routes.error && <div className="banner">{(routes.error as Error).message}</div>}
      <table className="grid" aria-label="Routes">
        <thead>
          <tr>
            <th>Action key</th>
            <th>Webhook</th>
            <th>Description</th>
            <th>
              <span className="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {(routes.data ?? []).map((route) => (
            <tr key={route.id} aria-selected={selected?.id === route.id}>
              <td>
                <code>{route.action_key}</code>
              </td>
              <td>
                {route.method} /webhook/{route.webhook_path}
              </td>
              <td className="wrap">{route.description}</td>
              <td className="actions">
                <button className="btn small" onClick={() => unlessUnsaved(() => (setEditing(null), setSelected(route)))}>
                  Trigger…
                </button>{" "}
                <button className="btn small" aria-label={`Edit route ${route.action_key}…`} onClick={() => edit(route)}>
                  Edit…
                </button>{" "}
                <button className="btn small" aria-label={`Delete route ${route.action_key}…`} onClick={() => setDeleting(route)}>
                  Delete…
                </button>
              </td>
            </tr>
          ))}
          <tr>
            <td>
              <input className="input" aria-label="Action key" placeholder="order.created" value={draft.action_key} aria-invalid={Boolean(keyProblem)} onChange={(e) => setDraft({ ...draft, action_key: e.target.value })} />
              {keyProblem && <div className="error">{keyProblem}</div>}
            </td>
            <td>
              <select className="input" aria-label="Method" value={draft.method} onChange={(e) => setDraft({ ...draft, method: e.target.value })}>
                {METHODS.map((m) => (
                  <option key={m}>{m}</option>
                ))}
              </select>{" "}
              <input className="input" aria-label="Webhook path" placeholder="orders/new" value={draft.webhook_path} aria-invalid={Boolean(errors.webhook_path)} onChange={(e) => setDraft({ ...draft, webhook_path: e.target.value })} />
              {errors.webhook_path && <div className="error">{errors.webhook_path}</div>}
            </td>
            <td>
              <input className="input" aria-label="Description" value={draft.description} onChange={(e) => setDraft({ ...draft, description: e.target.value })} />
            </td>
            <td className="actions">
              <button className="btn small primary" disabled={!draft.action_key || !draft.webhook_path || Boolean(keyProblem && !errors.action_key)} onClick={() => add.mutate(draft)}>
                Add route
              </button>
            </td>
          </tr>
        </tbody>
      </table>
      {editing && <RouteEditor key={editing.id} route={editing} onDone={() => setEditing(null)} onDirty={setUnsavedEdit} />}
      {selected && <TriggerPanel key={selected.id} integration={integration} route={selected} />}
      <details open={showWorkflows} onToggle={(e) => setShowWorkflows((e.target as HTMLDetailsElement).open)}>
        <summary>Workflows on this n8n</summary>
        {!integration.secrets_set.includes("api_key") && <p className="muted">Set the integration's API key to list workflows.</p>}
        {workflows.error && <div className="banner">{(workflows.error as Error).message}</div>}
        {workflows.data && (
          <table className="grid" aria-label="Workflows">
            <tbody>
              {workflows.data.items.map((workflow) => (
                <tr key={workflow.id}>
                  <td>{workflow.name}</td>
                  <td>{workflow.webhooks.map((hook) => `${hook.method} /webhook/${hook.path}`).join(", ") || <span className="muted">no webhook</span>}</td>
                  <td className="actions">
                    {workflow.webhooks.map((hook) => (
                      <button
                        key={hook.path}
                        className="btn small"
                        onClick={() => add.mutate({ action_key: hook.path.replace(/[^a-zA-Z0-9._-]/g, "."), webhook_path: hook.path, method: hook.method, description: workflow.name, workflow_id: workflow.id })}
                      >
                        Create route
                      </button>
                    ))}{" "}
                    <button className="btn small" onClick={() => toggle.mutate({ id: workflow.id, active: !workflow.active })}>
                      {workflow.active ? "Deactivate" : "Activate"}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </details>
      <div className="buttons">
        <button className="btn" onClick={close}>
          Close
        </button>
      </div>
      {afterDiscard && (
        <ConfirmDialog
          title="Discard changes?"
          message={`Your edits to route ${editing?.action_key ?? ""} have not been saved.`}
          confirmLabel="Discard"
          onConfirm={() => (setAfterDiscard(null), setUnsavedEdit(false), afterDiscard())}
          onCancel={() => setAfterDiscard(null)}
        />
      )}
      {deleting && (
        <ConfirmDialog
          title={`Delete route ${deleting.action_key}?`}
          message={`Triggering ${deleting.action_key} fails until a route with that key is added again. The workflow in n8n is not changed.`}
          confirmLabel="Delete route"
          busy={remove.isPending}
          onConfirm={() => remove.mutate(deleting)}
          onCancel={() => setDeleting(null)}
        />
      )}
    </Dialog>
  );
}
