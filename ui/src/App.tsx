import { useQuery } from "@tanstack/react-query";
import { api } from "./api";
import { IntegrationsPage } from "./integrations/IntegrationsPage";
import { ProjectSwitcher } from "./projects/ProjectSwitcher";
import { usePersistentState } from "./shared/usePersistentState";

export function App() {
  const [prefs, setPrefs] = usePersistentState<{ projectId: number | null }>("patchbay.prefs", { projectId: null });
  const projects = useQuery({ queryKey: ["projects"], queryFn: api.listProjects });
  const known = projects.data ?? [];
  const projectId = prefs.projectId !== null && known.some((p) => p.id === prefs.projectId) ? prefs.projectId : null;
  return (
    <div className="app">
      <nav className="sidebar" aria-label="Main">
        <div className="brand">
          <img src="/icon.svg" alt="" /> Patchbay
        </div>
        <button className="nav-item" aria-current="page">
          Integrations
        </button>
      </nav>
      <div className="main">
        <header className="topbar">
          <h1>Integrations</h1>
          <ProjectSwitcher projects={known} value={projectId} onChange={(id) => setPrefs({ projectId: id })} />
        </header>
        <main className="content">
          {projects.error ? (
            <div className="banner" role="alert">
              {(projects.error as Error).message}
            </div>
          ) : (
            <IntegrationsPage projectId={projectId} projects={known} />
          )}
        </main>
      </div>
    </div>
  );
}
