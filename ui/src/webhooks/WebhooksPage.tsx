// Audit webhooks: the endpoints events are delivered to (signed with HMAC-SHA256 when they have a
// secret), and the delivery log — paginated and sorted on the server, filtered by status, with
// redelivery of delivered or dead events.
import { useMemo, useState } from "react";
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { createColumnHelper } from "@tanstack/react-table";
import { api } from "../api";
import type { Delivery } from "../bindings/Delivery";
import type { DeliverySort } from "../bindings/DeliverySort";
import type { Endpoint } from "../bindings/Endpoint";
import { DataTable, useServerTable } from "../shared/DataTable";
import { ConfirmDialog, Dialog } from "../shared/Dialog";
import { errorText, relativeTime, shownFieldError } from "../shared/format";
import { Pager } from "../shared/Pager";
import { useToast } from "../shared/toasts";
import { usePersistentState } from "../shared/usePersistentState";

const EVENTS = ["integration_created", "integration_updated", "integration_deleted", "integration_health_changed", "run_finished"];

export function WebhooksPage() {
  const toast = useToast();
  const queryClient = useQueryClient();
  const endpoints = useQuery({ queryKey: ["endpoints"], queryFn: api.listEndpoints });
  // The endpoint dialog: adding one, or editing the endpoint given.
  const [editing, setEditing] = useState<{ endpoint?: Endpoint } | null>(null);
  const [deleting, setDeleting] = useState<Endpoint | null>(null);
  const refresh = () => {
    void queryClient.invalidateQueries({ queryKey: ["endpoints"] });
    void queryClient.invalidateQueries({ queryKey: ["deliveries"] });
  };
  const toggle = useMutation({
    mutationFn: (endpoint: Endpoint) => api.setEndpointActive(endpoint.id, !endpoint.active),
    onSuccess: refresh,
    onError: (error) => toast({ kind: "error", title: "Cannot change the endpoint", message: errorText(error) }),
  });
  const remove = useMutation({
    mutationFn: (endpoint: Endpoint) => api.deleteEndpoint(endpoint.id),
    onSuccess: () => (setDeleting(null), refresh()),
    onError: (error) => toast({ kind: "error", title: "Cannot delete the endpoint", message: errorText(error) }),
  });
  return (
    <>
      <div className="toolbar">
        <h2 className="section">Endpoints</h2>
        <span className="spacer" />
        <button className="btn primary" onClick={() => setEditing({})}>
          Add endpoint
        </button>
      </div>
      {endpoints.error && <div className="banner">{(endpoints.error as Error).message}</div>}
      {endpoints.data && endpoints.data.length === 0 ? (
        <div className="empty">
          <h2>No webhook endpoints</h2>
          <p className="muted">
            Add a URL to receive integration changes, health changes and finished runs as signed JSON (see the README for verifying the
            signature).
          </p>
        </div>
      ) : (
        <table className="grid" aria-label="Endpoints">
          <thead>
            <tr>
              <th>Name</th>
              <th>URL</th>
              <th>Events</th>
              <th>Signed</th>
              <th>Active</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {(endpoints.data ?? []).map((endpoint) => (
              <tr key={endpoint.id}>
                <td>{endpoint.name}</td>
                <td className="wrap">
                  <code>{endpoint.url}</code>
                </td>
                <td className="wrap">{endpoint.events.length === 0 ? "all" : endpoint.events.join(", ")}</td>
                <td>{endpoint.has_secret ? "HMAC-SHA256" : "no"}</td>
                <td>
                  <input type="checkbox" aria-label={`Active: ${endpoint.name}`} checked={endpoint.active} onChange={() => toggle.mutate(endpoint)} />
                </td>
                <td className="actions">
                  <button className="btn small" aria-label={`Edit ${endpoint.name}…`} onClick={() => setEditing({ endpoint })}>
                    Edit…
                  </button>{" "}
                  <button className="btn small" aria-label={`Delete ${endpoint.name}…`} onClick={() => setDeleting(endpoint)}>
                    Delete…
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h2 className="section">Delivery log</h2>
      <DeliveryLog endpoints={endpoints.data ?? []} />
      {editing && <EndpointDialog endpoint={editing.endpoint} onClose={() => setEditing(null)} onSaved={() => (setEditing(null), refresh())} />}
      {deleting && (
        <ConfirmDialog
          title={`Delete ${deleting.name}?`}
          message="Its delivery log and signing secret are deleted too; pending events are not sent."
          confirmLabel="Delete endpoint"
          busy={remove.isPending}
          onConfirm={() => remove.mutate(deleting)}
          onCancel={() => setDeleting(null)}
        />
      )}
    </>
  );
}

const column = createColumnHelper<Delivery>();

function DeliveryLog({ endpoints }: { endpoints: Endpoint[] }) {
  const toast = useToast();
  const queryClient = useQueryClient();
  const [state, setState] = usePersistentState("deliveries", {
    page: 1,
    perPage: 25,
    sort: "created" as DeliverySort,
    desc: true,
    status: "",
  });
  const list = useQuery({
    queryKey: ["deliveries", state],
    queryFn: () =>
      api.listDeliveries({ page: state.page, per_page: state.perPage, sort: state.sort, desc: state.desc, status: state.status || null, endpoint_id: null }),
    placeholderData: keepPreviousData,
    refetchInterval: 5_000,
  });
  const redeliver = useMutation({
    mutationFn: (delivery: Delivery) => api.redeliver(delivery.id),
    onSuccess: () => (toast({ kind: "info", title: "Queued for delivery again" }), void queryClient.invalidateQueries({ queryKey: ["deliveries"] })),
    onError: (error) => toast({ kind: "error", title: "Cannot redeliver", message: errorText(error) }),
  });
  const columns = [
    column.accessor("created_at", { id: "created", header: "Event time", cell: (c) => relativeTime(c.getValue()) }),
    column.accessor("event_type", { id: "event", header: "Event" }),
    column.accessor("endpoint_name", { id: "endpoint", header: "Endpoint" }),
    column.accessor("status", { header: "Status", cell: (c) => <span className={`badge delivery-${c.getValue()}`}>{c.getValue()}</span> }),
    column.accessor("attempts", { header: "Attempts", meta: { kind: "number" } }),
    column.display({
      id: "detail",
      meta: { kind: "wrap" },
      header: "Last answer",
      cell: (c) => {
        const d = c.row.original;
        return d.last_error ?? (d.last_status ? `HTTP ${d.last_status}` : d.delivered_at ? "delivered" : "—");
      },
    }),
    column.display({
      id: "actions",
      meta: { kind: "actions" },
      header: "",
      cell: (c) =>
        c.row.original.status === "pending" ? null : (
          <button className="btn small" onClick={() => redeliver.mutate(c.row.original)}>
            Redeliver
          </button>
        ),
    }),
  ];
  const table = useServerTable({ data: list.data?.items, columns, state, setState });
  const total = list.data ? Number(list.data.total) : 0;
  return (
    <>
      <div className="toolbar">
        <select className="input" aria-label="Filter deliveries by status" value={state.status} onChange={(e) => setState((s) => ({ ...s, status: e.target.value, page: 1 }))}>
          <option value="">Any status</option>
          <option value="pending">pending</option>
          <option value="delivered">delivered</option>
          <option value="dead">dead</option>
        </select>
      </div>
      {list.error && <div className="banner">{(list.error as Error).message}</div>}
      {list.data && total === 0 ? (
        <p className="muted">{state.status ? "No delivery with this status." : endpoints.length ? "No event yet." : "Deliveries appear here once an endpoint exists."}</p>
      ) : (
        <DataTable table={table} label="Deliveries" busy={list.isPlaceholderData} />
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

/** The labels of the endpoint dialog's fields, by the name the core's errors give them. */
const ENDPOINT_LABELS: Record<string, string> = { name: "Name", url: "The URL", headers: "The headers", events: "The events", secret: "The signing secret" };

/** Adds an endpoint, or edits `endpoint` in place (its delivery log is kept). A stored signing secret is
 * never shown: typing one replaces it, and "Remove" drops it. */
function EndpointDialog({ endpoint, onClose, onSaved }: { endpoint?: Endpoint; onClose: () => void; onSaved: (saved: Endpoint) => void }) {
  const toast = useToast();
  const initial = useMemo(
    () => ({ name: endpoint?.name ?? "", url: endpoint?.url ?? "https://", headers: endpoint?.headers ?? "", events: endpoint?.events ?? [], secret: "", removeSecret: false }),
    [endpoint],
  );
  const [draft, setDraft] = useState(initial);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [confirmDiscard, setConfirmDiscard] = useState(false);
  const dirty = JSON.stringify(draft) !== JSON.stringify(initial);
  const close = () => (dirty ? setConfirmDiscard(true) : onClose());
  const set = (patch: Partial<typeof draft>) => setDraft((d) => ({ ...d, ...patch }));
  const save = useMutation({
    mutationFn: () => {
      const input = { name: draft.name, url: draft.url, headers: draft.headers, events: draft.events, secret: draft.secret || undefined };
      return endpoint ? api.updateEndpoint(endpoint.id, { ...input, remove_secret: draft.removeSecret }) : api.addEndpoint(input);
    },
    onSuccess: (saved) => {
      toast({ kind: "success", title: `Endpoint ${saved.name} ${endpoint ? "saved" : "added"}` });
      onSaved(saved);
    },
    onError: (error) => {
      const shown = shownFieldError(error, ENDPOINT_LABELS);
      if (shown) setErrors({ [shown.field]: shown.text });
      else toast({ kind: "error", title: endpoint ? "Could not save the endpoint" : "Could not add the endpoint", message: errorText(error) });
    },
  });
  const fieldError = (field: string) =>
    errors[field] ? (
      <div className="error" id={`endpoint-${field}-error`} role="alert">
        {errors[field]}
      </div>
    ) : null;
  const invalid = (field: string) => ({ "aria-invalid": Boolean(errors[field]), "aria-describedby": errors[field] ? `endpoint-${field}-error` : undefined });
  const stored = Boolean(endpoint?.has_secret);
  return (
    <Dialog title={endpoint ? `Edit ${endpoint.name}` : "Add webhook endpoint"} onClose={close}>
      <form
        className="form stacked"
        aria-label={endpoint ? `Edit endpoint ${endpoint.name}` : "Add webhook endpoint"}
        onSubmit={(e) => {
          e.preventDefault();
          setErrors({});
          save.mutate();
        }}
      >
        <label>
          Name
          <input className="input" value={draft.name} onChange={(e) => set({ name: e.target.value })} data-autofocus {...invalid("name")} />
        </label>
        {fieldError("name")}
        <label>
          URL
          <input className="input" type="url" value={draft.url} onChange={(e) => set({ url: e.target.value })} {...invalid("url")} />
        </label>
        {fieldError("url")}
        <label>
          <span>
            Extra headers (one <code>Name: value</code> per line)
          </span>
          <textarea className="input" rows={3} value={draft.headers} onChange={(e) => set({ headers: e.target.value })} {...invalid("headers")} />
          <span className="hint">Stored unencrypted, so not for credentials: the signing secret lets the receiver check each delivery.</span>
        </label>
        {fieldError("headers")}
        <fieldset>
          <legend>Events (none ticked = all)</legend>
          {EVENTS.map((event) => (
            <label key={event}>
              <input
                type="checkbox"
                checked={draft.events.includes(event)}
                onChange={(e) => set({ events: e.target.checked ? [...draft.events, event] : draft.events.filter((x) => x !== event) })}
              />{" "}
              <code>{event}</code>
            </label>
          ))}
        </fieldset>
        {fieldError("events")}
        <label>
          Signing secret (kept in the OS keychain; {stored ? "empty = keep the stored one" : "empty = unsigned"})
          <input
            className="input"
            type="password"
            autoComplete="off"
            placeholder={stored && !draft.removeSecret ? "•••••••• stored in the keychain (type to replace)" : ""}
            disabled={draft.removeSecret}
            value={draft.secret}
            onChange={(e) => set({ secret: e.target.value })}
            {...invalid("secret")}
          />
        </label>
        {stored && (
          <label className="check">
            <input type="checkbox" checked={draft.removeSecret} onChange={(e) => set({ removeSecret: e.target.checked, secret: "" })} />
            Remove the signing secret (deliveries go unsigned)
          </label>
        )}
        {fieldError("secret")}
        <div className="buttons">
          <button type="button" className="btn" onClick={close}>
            Cancel
          </button>
          <button className="btn primary" disabled={save.isPending}>
            {save.isPending ? "Saving…" : endpoint ? "Save endpoint" : "Add endpoint"}
          </button>
        </div>
      </form>
      {confirmDiscard && (
        <ConfirmDialog
          title="Discard changes?"
          message={endpoint ? `Your edits to ${endpoint.name} have not been saved.` : "This endpoint has not been added."}
          confirmLabel="Discard"
          onConfirm={onClose}
          onCancel={() => setConfirmDiscard(false)}
        />
      )}
    </Dialog>
  );
}
