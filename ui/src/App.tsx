import { useEffect, useState } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { api, onHealthUpdates } from "./api";
import { SettingsPage } from "./settings/SettingsPage";
import { IntegrationsPage } from "./integrations/IntegrationsPage";
import { ProjectSwitcher } from "./projects/ProjectSwitcher";
import { usePersistentState } from "./shared/usePersistentState";

export function App() {
  const [prefs, setPrefs] = usePersistentState<{ projectId: number | null }>("patchbay.prefs", { projectId: null });
  const projects = useQuery({ queryKey: ["projects"], queryFn: api.listProjects });
  const known = projects.data ?? [];
  const [page, setPage] = useState<"integrations" | "settings">("integrations");
  const queryClient = useQueryClient();
  useEffect(() => {
    // Health results arrive batched (≤ 1 event per second); each batch refetches the visible list once.
    let stop: (() => void) | undefined;
    let cancelled = false;
    onHealthUpdates(() => {
      void queryClient.invalidateQueries({ queryKey: ["integrations"] });
      void queryClient.invalidateQueries({ queryKey: ["history"] });
    })
      .then((unlisten) => (cancelled ? unlisten() : (stop = unlisten)))
      .catch(() => {});
    return () => {
      cancelled = true;
      stop?.();
    };
  }, [queryClient]);
  const projectId = prefs.projectId !== null && known.some((p) => p.id === prefs.projectId) ? prefs.projectId : null;
  return (
    <div className="app">
      <nav className="sidebar" aria-label="Main">
        <div className="brand">
          <img src="/icon.svg" alt="" /> Patchbay
        </div>
        <button className="nav-item" aria-current={page === "integrations" ? "page" : undefined} onClick={() => setPage("integrations")}>
          Integrations
        </button>
        <button className="nav-item" aria-current={page === "settings" ? "page" : undefined} onClick={() => setPage("settings")}>
          Settings
        </button>
      </nav>
      <div className="main">
        <header className="topbar">
          <h1>{page === "integrations" ? "Integrations" : "Settings"}</h1>
          {page === "integrations" && <ProjectSwitcher projects={known} value={projectId} onChange={(id) => setPrefs({ projectId: id })} />}
        </header>
        <main className="content">
          {projects.error ? (
            <div className="banner" role="alert">
              {(projects.error as Error).message}
            </div>
          ) : page === "integrations" ? (
            <IntegrationsPage projectId={projectId} projects={known} />
          ) : (
            <SettingsPage />
          )}
        </main>
      </div>
    </div>
  );
}
