// Audit webhooks: the endpoints events are delivered to (signed with HMAC-SHA256 when they have a
// secret), and the delivery log — paginated and sorted on the server, filtered by status, with
// redelivery of delivered or dead events.
import { useState } from "react";
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { createColumnHelper } from "@tanstack/react-table";
import { api, ApiError } from "../api";
import type { Delivery } from "../bindings/Delivery";
import type { DeliverySort } from "../bindings/DeliverySort";
import type { Endpoint } from "../bindings/Endpoint";
import { DataTable, useServerTable } from "../shared/DataTable";
import { ConfirmDialog, Dialog } from "../shared/Dialog";
import { relativeTime, errorText } from "../shared/format";
import { Pager } from "../shared/Pager";
import { useToast } from "../shared/toasts";
import { usePersistentState } from "../shared/usePersistentState";

const EVENTS = ["integration_created", "integration_updated", "integration_deleted", "integration_health_changed", "run_finished"];

export function WebhooksPage() {
  const toast = useToast();
  const queryClient = useQueryClient();
  const endpoints = useQuery({ queryKey: ["endpoints"], queryFn: api.listEndpoints });
  const [adding, setAdding] = useState(false);
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
        <button className="btn primary" onClick={() => setAdding(true)}>
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
      {adding && <EndpointDialog onClose={() => setAdding(false)} onSaved={() => (setAdding(false), refresh())} />}
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

function EndpointDialog({ onClose, onSaved }: { onClose: () => void; onSaved: () => void }) {
  const [name, setName] = useState("");
  const [url, setUrl] = useState("https://");
  const [headers, setHeaders] = useState("");
  const [events, setEvents] = useState<string[]>([]);
  const [secret, setSecret] = useState("");
  const [error, setError] = useState<ApiError | null>(null);
  const save = useMutation({
    mutationFn: () => api.addEndpoint({ name, url, headers, events, secret: secret || undefined }),
    onSuccess: onSaved,
    onError: (e) => setError(e instanceof ApiError ? e : new ApiError({ kind: "internal", message: String(e) })),
  });
  const fieldError = (field: string) => (error?.field === field ? <div className="error">{error.message}</div> : null);
  return (
    <Dialog title="Add webhook endpoint" onClose={onClose}>
      <form
        className="form stacked"
        onSubmit={(e) => {
          e.preventDefault();
          setError(null);
          save.mutate();
        }}
      >
        <label>
          Name
          <input className="input" value={name} onChange={(e) => setName(e.target.value)} data-autofocus />
        </label>
        {fieldError("name")}
        <label>
          URL
          <input className="input" type="url" value={url} onChange={(e) => setUrl(e.target.value)} />
        </label>
        {fieldError("url")}
        <label>
          Extra headers (one <code>Name: value</code> per line)
          <textarea className="input" rows={3} value={headers} onChange={(e) => setHeaders(e.target.value)} />
        </label>
        {fieldError("headers")}
        <fieldset>
          <legend>Events (none ticked = all)</legend>
          {EVENTS.map((event) => (
            <label key={event}>
              <input
                type="checkbox"
                checked={events.includes(event)}
                onChange={(e) => setEvents((all) => (e.target.checked ? [...all, event] : all.filter((x) => x !== event)))}
              />{" "}
              <code>{event}</code>
            </label>
          ))}
        </fieldset>
        {fieldError("events")}
        <label>
          Signing secret (kept in the OS keychain; empty = unsigned)
          <input className="input" type="password" autoComplete="off" value={secret} onChange={(e) => setSecret(e.target.value)} />
        </label>
        {error && !["name", "url", "headers", "events"].includes(error.field ?? "") && <div className="error">{error.message}</div>}
        <div className="buttons">
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button className="btn primary" disabled={save.isPending}>
            {save.isPending ? "Saving…" : "Add endpoint"}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
