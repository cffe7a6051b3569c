import { lazy, Suspense, useEffect, useState } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { api, onHealthUpdates, onRunProgress, onUpdateAvailable } from "./api";
import { healthApplier } from "./integrations/healthEvents";
import { useToast } from "./shared/toasts";
import { IntegrationsPage } from "./integrations/IntegrationsPage";
import { ProjectSwitcher } from "./projects/ProjectSwitcher";
import { usePersistentState } from "./shared/usePersistentState";
import { BrandMark } from "./shared/BrandMark";

// Only the Integrations page is in the first bundle: the others load when first opened (a faster start).
const RunsPage = lazy(() => import("./runs/RunsPage").then((m) => ({ default: m.RunsPage })));
const WebhooksPage = lazy(() => import("./webhooks/WebhooksPage").then((m) => ({ default: m.WebhooksPage })));
const TemplatesPage = lazy(() => import("./templates/TemplatesPage").then((m) => ({ default: m.TemplatesPage })));
const SettingsPage = lazy(() => import("./settings/SettingsPage").then((m) => ({ default: m.SettingsPage })));

const PAGES = { integrations: "Integrations", templates: "Templates", runs: "Runs", webhooks: "Webhooks", settings: "Settings" } as const;
type Page = keyof typeof PAGES;

export function App() {
  const [prefs, setPrefs] = usePersistentState<{ projectId: number | null }>("patchbay.prefs", { projectId: null });
  const projects = useQuery({ queryKey: ["projects"], queryFn: api.listProjects });
  const known = projects.data ?? [];
  const [page, setPage] = useState<Page>("integrations");
  const queryClient = useQueryClient();
  const toast = useToast();
  useEffect(() => {
    // Health results arrive batched (≤ 1 event per second).
    let cancelled = false;
    const stops: (() => void)[] = [];
    const keep = (unlisten: () => void) => (cancelled ? unlisten() : stops.push(unlisten));
    onHealthUpdates(healthApplier(queryClient))
      .then(keep)
      .catch(() => {});
    onRunProgress((run) => {
      void queryClient.invalidateQueries({ queryKey: ["runs"] });
      void queryClient.invalidateQueries({ queryKey: ["run", run.id] });
    })
      .then(keep)
      .catch(() => {});
    onUpdateAvailable((update) =>
      toast({ kind: "info", title: `Patchbay ${update.version} is available`, message: "Settings → Check for updates installs it." }),
    )
      .then(keep)
      .catch(() => {});
    return () => {
      cancelled = true;
      stops.forEach((stop) => stop());
    };
  }, [queryClient, toast]);
  const projectId = prefs.projectId !== null && known.some((p) => p.id === prefs.projectId) ? prefs.projectId : null;
  return (
    <div className="app">
      <nav className="sidebar" aria-label="Main">
        <div className="brand">
          <BrandMark /> Patchbay
        </div>
        {(Object.keys(PAGES) as Page[]).map((id) => (
          <button key={id} className="nav-item" aria-current={page === id ? "page" : undefined} onClick={() => setPage(id)}>
            {PAGES[id]}
          </button>
        ))}
      </nav>
      <div className="main">
        <header className="topbar">
          <h1>{PAGES[page]}</h1>
          {page !== "settings" && page !== "webhooks" && <ProjectSwitcher projects={known} value={projectId} onChange={(id) => setPrefs({ projectId: id })} />}
        </header>
        <main className="content">
          {projects.error ? (
            <div className="banner" role="alert">
              {(projects.error as Error).message}
            </div>
          ) : page === "integrations" ? (
            <IntegrationsPage projectId={projectId} projects={known} />
          ) : (
            <Suspense fallback={<p className="muted">Loading…</p>}>
              {page === "templates" ? (
                <TemplatesPage projectId={projectId} />
              ) : page === "runs" ? (
                <RunsPage projectId={projectId} />
              ) : page === "webhooks" ? (
                <WebhooksPage />
              ) : (
                <SettingsPage />
              )}
            </Suspense>
          )}
        </main>
      </div>
    </div>
  );
}
