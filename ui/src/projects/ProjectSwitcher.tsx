// The project (client) switcher: filters every page; "All projects" is the default. Also creates projects.
import { useState } from "react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { ApiError, api, type Project } from "../api";
import { Dialog } from "../shared/Dialog";
import { useToast } from "../shared/toasts";

const NEW = "__new__";

export function ProjectSwitcher(props: { projects: Project[]; value: number | null; onChange: (id: number | null) => void }) {
  const [creating, setCreating] = useState(false);
  const [name, setName] = useState("");
  const [error, setError] = useState<string | null>(null);
  const toast = useToast();
  const queryClient = useQueryClient();
  const create = useMutation({
    mutationFn: (projectName: string) => api.createProject(projectName),
    onSuccess: (project) => {
      void queryClient.invalidateQueries({ queryKey: ["projects"] });
      toast({ kind: "success", title: `Created project ${project.name}` });
      setCreating(false);
      setName("");
      props.onChange(project.id);
    },
    onError: (e) => setError(e instanceof ApiError ? e.message.replace(/^name: /, "") : String(e)),
  });
  return (
    <>
      <label className="sr-only" htmlFor="project-switcher">
        Project
      </label>
      <select
        id="project-switcher"
        className="input"
        value={props.value ?? ""}
        onChange={(e) => {
          if (e.target.value === NEW) {
            setError(null);
            setCreating(true);
          } else props.onChange(e.target.value === "" ? null : Number(e.target.value));
        }}
      >
        <option value="">All projects</option>
        {props.projects.map((p) => (
          <option key={p.id} value={p.id}>
            {p.name} ({p.integration_count})
          </option>
        ))}
        <option value={NEW}>New project…</option>
      </select>
      {creating && (
        <Dialog title="New project" onClose={() => setCreating(false)}>
          <form
            className="form"
            onSubmit={(e) => {
              e.preventDefault();
              create.mutate(name);
            }}
          >
            <div className="field">
              <label htmlFor="project-name">Name</label>
              <input
                id="project-name"
                className="input"
                value={name}
                data-autofocus
                aria-invalid={Boolean(error)}
                onChange={(e) => setName(e.target.value)}
                placeholder="Client name"
              />
              {error && (
                <div className="error" role="alert">
                  {error}
                </div>
              )}
            </div>
            <div className="buttons">
              <button type="button" className="btn" onClick={() => setCreating(false)}>
                Cancel
              </button>
              <button type="submit" className="btn primary" disabled={create.isPending}>
                Create project
              </button>
            </div>
          </form>
        </Dialog>
      )}
    </>
  );
}
