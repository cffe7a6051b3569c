// The Integrations page: a server-side paginated, sortable, filterable table (TanStack Table in manual
// mode over `list_integrations`), row actions, the provider catalog and the generated form.
import { lazy, Suspense, useEffect, useLayoutEffect, useMemo, useRef, useState } from "react";
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { createColumnHelper } from "@tanstack/react-table";
import { api, type Integration, type Project, type ProviderSpec } from "../api";
import { ConfirmDialog, Dialog } from "../shared/Dialog";
import { DataTable, useServerTable } from "../shared/DataTable";
import { relativeTime, errorText } from "../shared/format";
import { LocalTime } from "../shared/LocalTime";
import { Pager } from "../shared/Pager";

import { useToast } from "../shared/toasts";
import { usePersistentState } from "../shared/usePersistentState";
import { useSearchText } from "../shared/useSearchText";
import { HealthIndicator } from "./HealthIndicator";
import { RowMenu } from "../shared/RowMenu";
import type { FormMode } from "./IntegrationForm";
import { ProviderCatalog } from "./ProviderCatalog";
import { INITIAL_LIST_STATE, LIST_STATE_KEY, fetchPage, pageMarks, startup, toActiveQuery, toQuery, type ListState } from "./listState";

const column = createColumnHelper<Integration>();

// The form and the per-integration dialogs load when first opened, not with the first screen: the start's
// bundle is ≈ a quarter smaller (docs/performance.md, session 11).
const IntegrationForm = lazy(() => import("./IntegrationForm").then((m) => ({ default: m.IntegrationForm })));
const HistoryDialog = lazy(() => import("./HistoryDialog").then((m) => ({ default: m.HistoryDialog })));
const RoutesDialog = lazy(() => import("../n8n/RoutesDialog").then((m) => ({ default: m.RoutesDialog })));
const SyncDialog = lazy(() => import("../crm/SyncDialog").then((m) => ({ default: m.SyncDialog })));

export function IntegrationsPage({ projectId, projects }: { projectId: number | null; projects: Project[] }) {
  const toast = useToast();
  const queryClient = useQueryClient();
  const [state, setState] = usePersistentState<ListState>(LIST_STATE_KEY, INITIAL_LIST_STATE);
  const [form, setForm] = useState<{ spec: ProviderSpec; mode: FormMode } | null>(null);
  const [catalogOpen, setCatalogOpen] = useState(false);
  const [deleting, setDeleting] = useState<Integration | null>(null);
  const [historyOf, setHistoryOf] = useState<Integration | null>(null);
  const [routesOf, setRoutesOf] = useState<Integration | null>(null);
  const [syncOf, setSyncOf] = useState<Integration | null>(null);
  const [testing, setTesting] = useState<ReadonlySet<number>>(new Set());
  const searchRef = useRef<HTMLInputElement>(null);

  /** Any filter change goes back to page 1. */
  const setFilter = (patch: Partial<ListState>) => setState((s) => ({ ...s, ...patch, page: 1 }));

  const [searchText, setSearchText] = useSearchText(state.search, (search) => setFilter({ search }));

  const previousProject = useRef(projectId);
  useEffect(() => {
    if (previousProject.current !== projectId) {
      previousProject.current = projectId;
      setState((s) => ({ ...s, page: 1 }));
    }
  }, [projectId, setState]);

  const query = toQuery(state, projectId);
  const list = useQuery({
    queryKey: ["integrations", query],
    queryFn: () => fetchPage(query),
    placeholderData: keepPreviousData,
  });
  const providers = useQuery({ queryKey: ["providers"], queryFn: api.listProviders, staleTime: Infinity });
  const hasList = Boolean(list.data);
  useLayoutEffect(() => {
    // The startup mark, once: at the commit that first shows a page of integrations, then after the frame
    // that paints it (a task queued from the next animation frame) — how the desktop benchmark's minimal
    // app marks its own first paint.
    if (!hasList || startup.readySent) return;
    startup.readySent = true;
    const committed = performance.now();
    requestAnimationFrame(() => setTimeout(() => void api.uiReady(pageMarks(committed)).catch(() => undefined), 0));
  }, [hasList]);
  const providerById = useMemo(() => new Map((providers.data ?? []).map((p) => [p.id, p])), [providers.data]);

  const invalidate = () => {
    void queryClient.invalidateQueries({ queryKey: ["integrations"] });
    void queryClient.invalidateQueries({ queryKey: ["projects"] });
  };

  const toggleActive = useMutation({
    mutationFn: (integration: Integration) => api.updateIntegration(integration.id, { active: !integration.active, secrets: {} }),
    onSuccess: (updated) => {
      toast({ kind: "success", title: `${updated.name} ${updated.active ? "enabled" : "disabled"}` });
      invalidate();
    },
    onError: (error) => toast({ kind: "error", title: "Could not change the integration", message: errorText(error) }),
  });

  const test = async (integration: Integration, force: boolean) => {
    setTesting((ids) => new Set(ids).add(integration.id));
    try {
      const outcome = await api.testIntegration(integration.id, force);
      const { result } = outcome.update;
      const cached = outcome.cached ? ` (result from ${Math.round((Date.now() - result.checked_at) / 1000)} s ago; Shift+click Test to check again)` : "";
      toast({
        kind: result.status === "healthy" ? "success" : result.status === "degraded" ? "warning" : "error",
        title: `${integration.name}: ${result.status}`,
        message: `${result.detail} — ${result.latency_ms} ms${cached}`,
      });
      invalidate();
    } catch (error) {
      toast({ kind: (error as { kind?: string }).kind === "rate_limited" ? "warning" : "error", title: `Could not test ${integration.name}`, message: errorText(error) });
    } finally {
      setTesting((ids) => {
        const next = new Set(ids);
        next.delete(integration.id);
        return next;
      });
    }
  };

  const activeQuery = toActiveQuery(state, projectId);
  const activeCount = useQuery({ queryKey: ["integrations", activeQuery], queryFn: () => api.listIntegrations(activeQuery) });
  // Unknown until the count has come: "nothing to check" only when it says so.
  const activeTotal = activeCount.data ? Number(activeCount.data.total) : null;
  const checkAll = useMutation({
    mutationFn: () => api.checkAll(toQuery(state, projectId)),
    onSuccess: (summary) => {
      const parts = [`${summary.healthy} healthy`];
      if (summary.degraded) parts.push(`${summary.degraded} degraded`);
      if (summary.unhealthy) parts.push(`${summary.unhealthy} unhealthy`);
      if (summary.errors) parts.push(`${summary.errors} could not be checked`);
      toast({
        kind: summary.unhealthy || summary.errors ? "error" : summary.degraded ? "warning" : "success",
        title: `Checked ${summary.total} integration${summary.total === 1 ? "" : "s"}`,
        message: `${parts.join(", ")} in ${(summary.elapsed_ms / 1000).toFixed(1)} s`,
      });
      invalidate();
    },
    onError: (error) => toast({ kind: "error", title: "Check all failed", message: errorText(error) }),
  });

  const remove = useMutation({
    mutationFn: (integration: Integration) => api.deleteIntegration(integration.id),
    onSuccess: (_, integration) => {
      toast({ kind: "success", title: `Deleted ${integration.name}`, message: "Its credentials were removed from the keychain." });
      setDeleting(null);
      invalidate();
    },
    onError: (error) => {
      setDeleting(null);
      toast({ kind: "error", title: "Delete failed", message: errorText(error) });
    },
  });

  // Keyboard: "/" focuses search, "n" adds an integration (when not typing and no dialog is open).
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const target = event.target as HTMLElement;
      if (form || catalogOpen || deleting || historyOf || routesOf || syncOf || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName)) return;
      if (event.ctrlKey || event.metaKey || event.altKey) return;
      if (event.key === "/") {
        event.preventDefault();
        searchRef.current?.focus();
      } else if (event.key === "n") {
        event.preventDefault();
        setCatalogOpen(true);
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [form, catalogOpen, deleting, historyOf, routesOf, syncOf]);

  const testingRef = useRef(testing);
  testingRef.current = testing;

  const openForm = (integration: Integration, kind: "edit" | "duplicate") => {
    const spec = providerById.get(integration.provider);
    if (spec) setForm({ spec, mode: { kind, integration } });
  };

  const columns = useMemo(
    () => [
      column.accessor("status", {
        id: "status",
        header: "Status",
        cell: (info) => (
          <button
            className="btn small icon"
            style={{ border: "none", background: "none" }}
            onClick={() => setHistoryOf(info.row.original)}
            aria-label={`Health history of ${info.row.original.name}`}
          >
            <HealthIndicator integration={info.row.original} testing={testingRef.current.has(info.row.original.id)} />
          </button>
        ),
      }),
      column.accessor("name", {
        id: "name",
        header: "Name",
        cell: (info) => (
          <button className="btn small row-title" onClick={() => openForm(info.row.original, "edit")}>
            {info.getValue()}
          </button>
        ),
      }),
      column.accessor("provider", {
        id: "provider",
        header: "Provider",
        cell: (info) => providerById.get(info.getValue())?.label ?? info.getValue(),
      }),
      column.accessor("project_name", { id: "project", header: "Project", enableSorting: false }),
      column.accessor("active", {
        id: "active",
        header: "Active",
        enableSorting: false,
        cell: (info) => <span className="badge">{info.getValue() ? "Active" : "Disabled"}</span>,
      }),
      column.accessor("last_checked_at", {
        id: "last_checked",
        header: "Last check",
        cell: (info) => {
          const value = info.getValue();
          return value === null ? <span className="muted">never</span> : <LocalTime at={value}>{relativeTime(value)}</LocalTime>;
        },
      }),
      column.accessor("updated_at", {
        id: "updated",
        header: "Updated",
        cell: (info) => <LocalTime at={info.getValue()}>{relativeTime(info.getValue())}</LocalTime>,
      }),
      column.display({
        id: "actions",
        meta: { kind: "actions" },
        header: () => <span className="sr-only">Actions</span>,
        cell: (info) => {
          const integration = info.row.original;
          return (
            <>
              <button
                className="btn small"
                onClick={(event) => void test(integration, event.shiftKey)}
                disabled={testingRef.current.has(integration.id)}
                aria-label={`Test ${integration.name}`}
                title="Run a health check now (Shift+click ignores the 60 s cache)"
              >
                {testingRef.current.has(integration.id) ? "Testing…" : "Test"}
              </button>{" "}
              <button className="btn small" onClick={() => openForm(integration, "edit")} aria-label={`Edit ${integration.name}`}>
                Edit
              </button>{" "}
              <RowMenu
                label={`More actions for ${integration.name}`}
                actions={[
                  ...(integration.provider === "n8n" ? [{ label: "n8n routes…", onSelect: () => setRoutesOf(integration) }] : []),
                  ...(integration.provider === "kommo" || integration.provider === "bitrix24" ? [{ label: "CRM sync…", onSelect: () => setSyncOf(integration) }] : []),
                  { label: "Health history", onSelect: () => setHistoryOf(integration) },
                  { label: "Duplicate", onSelect: () => openForm(integration, "duplicate") },
                  { label: integration.active ? "Disable" : "Enable", onSelect: () => toggleActive.mutate(integration) },
                  { label: "Delete…", onSelect: () => setDeleting(integration), danger: true },
                ]}
              />
            </>
          );
        },
      }),
    ],
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [providerById, testing],
  );

  const table = useServerTable({ data: list.data?.items, columns, state, setState, columnVisibility: { project: projectId === null } });

  const total = list.data ? Number(list.data.total) : 0;
  const shown = list.data?.items.length ?? 0;
  const pageCount = Math.max(1, Math.ceil(total / state.perPage));
  const filtered = Boolean(state.provider || state.status || state.active || state.search.trim());

  useEffect(() => {
    if (list.data && state.page > pageCount) setState((s) => ({ ...s, page: pageCount }));
  }, [list.data, pageCount, state.page, setState]);

  const defaultProjectId = projectId ?? projects.find((p) => p.name === "Default")?.id ?? projects[0]?.id ?? 1;

  return (
    <>
      <div className="toolbar">
        <input
          ref={searchRef}
          className="input"
          type="search"
          placeholder="Search  ( / )"
          aria-label="Search integrations"
          value={searchText}
          onChange={(e) => setSearchText(e.target.value)}
        />
        <select className="input" aria-label="Filter by provider" value={state.provider} onChange={(e) => setFilter({ provider: e.target.value })}>
          <option value="">All providers</option>
          {(providers.data ?? []).map((p) => (
            <option key={p.id} value={p.id}>
              {p.label}
            </option>
          ))}
        </select>
        <select className="input" aria-label="Filter by status" value={state.status} onChange={(e) => setFilter({ status: e.target.value as ListState["status"] })}>
          <option value="">Any status</option>
          <option value="healthy">Healthy</option>
          <option value="degraded">Degraded</option>
          <option value="unhealthy">Error</option>
          <option value="unknown">Never checked</option>
        </select>
        <select className="input" aria-label="Filter by active" value={state.active} onChange={(e) => setFilter({ active: e.target.value as ListState["active"] })}>
          <option value="">Active + disabled</option>
          <option value="true">Active only</option>
          <option value="false">Disabled only</option>
        </select>
        {filtered && (
          <button
            className="btn"
            onClick={() => {
              setSearchText("");
              setFilter({ provider: "", status: "", active: "", search: "" });
            }}
          >
            Clear filters
          </button>
        )}
        <span className="spacer" />
        <button
          className="btn"
          onClick={() => checkAll.mutate()}
          disabled={activeTotal === 0 || checkAll.isPending}
          title={
            activeTotal === 0
              ? "No active integrations in this view to check"
              : activeTotal === null
                ? "Check the active integrations in this view"
                : `Check the ${activeTotal} active integrations in this view`
          }
        >
          {checkAll.isPending ? "Checking…" : "Check all"}
        </button>
        {activeTotal === 0 && list.data && Number(list.data.total) > 0 && <span className="muted">No active integrations to check</span>}
        <button className="btn primary" onClick={() => setCatalogOpen(true)} aria-keyshortcuts="n">
          Add integration
        </button>
      </div>

      {list.error && (
        <div className="banner" role="alert">
          Could not load integrations: {(list.error as Error).message}
        </div>
      )}

      {list.data && total === 0 ? (
        <div className="empty">
          {filtered ? (
            <>
              <h2>No integrations match these filters</h2>
              <p className="muted">Try another search or clear the filters.</p>
            </>
          ) : (
            <>
              <h2>No integrations yet</h2>
              <p className="muted">Connect a mail server, n8n, Kommo, Bitrix24 or any HTTP endpoint. Credentials go to your OS keychain.</p>
              <button className="btn primary" onClick={() => setCatalogOpen(true)}>
                Add your first integration
              </button>
            </>
          )}
        </div>
      ) : (
        <DataTable table={table} label="Integrations" busy={list.isPlaceholderData} rowProps={(row) => ({ "data-integration-id": row.id })} />
      )}

      {total > 0 && (
        <Pager
          page={state.page}
          perPage={state.perPage}
          shown={shown}
          total={total}
          onPage={(page) => setState((s) => ({ ...s, page }))}
          onPerPage={(perPage) => setFilter({ perPage })}
        />
      )}

      {catalogOpen && (
        <Dialog title="Add an integration" onClose={() => setCatalogOpen(false)} wide>
          {providers.error ? (
            <div className="banner">{(providers.error as Error).message}</div>
          ) : (
            <ProviderCatalog
              providers={providers.data ?? []}
              onPick={(spec) => {
                setCatalogOpen(false);
                setForm({ spec, mode: { kind: "create" } });
              }}
            />
          )}
          <div className="buttons">
            <button className="btn" onClick={() => setCatalogOpen(false)}>
              Close
            </button>
          </div>
        </Dialog>
      )}

      <Suspense fallback={null}>
        {form && (
          <IntegrationForm
            spec={form.spec}
            mode={form.mode}
            projects={projects}
            defaultProjectId={defaultProjectId}
            onClose={() => setForm(null)}
            onSaved={(saved, mode) => {
              setForm(null);
              invalidate();
              toast({ kind: "success", title: mode.kind === "edit" ? `Saved ${saved.name}` : `Created ${saved.name}` });
            }}
          />
        )}

        {historyOf && <HistoryDialog integration={historyOf} onClose={() => setHistoryOf(null)} />}
        {routesOf && <RoutesDialog integration={routesOf} onClose={() => setRoutesOf(null)} />}
        {syncOf && <SyncDialog integration={syncOf} onClose={() => setSyncOf(null)} />}
      </Suspense>

      {deleting && (
        <ConfirmDialog
          title={`Delete ${deleting.name}?`}
          message={
            <p>
              This removes the integration, its health history and its credentials from the OS keychain. It cannot be undone.
            </p>
          }
          confirmLabel="Delete"
          busy={remove.isPending}
          onConfirm={() => remove.mutate(deleting)}
          onCancel={() => setDeleting(null)}
        />
      )}
    </>
  );
}

