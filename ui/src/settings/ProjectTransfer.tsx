// Export a project to a file and import one back. Secrets travel only inside the passphrase-encrypted
// bundle the backend writes; this page only ever holds the passphrase the user types.
import { useState } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { ApiError, api } from "../api";
import type { ExportSummary } from "../bindings/ExportSummary";
import type { ImportReport } from "../bindings/ImportReport";
import { useToast } from "../shared/toasts";
import { errorText } from "../shared/format";

const MIN_PASSPHRASE = 8;

function FieldError(props: { id: string; message?: string }) {
  return props.message ? (
    <div className="error" id={props.id} role="alert">
      {props.message}
    </div>
  ) : null;
}

/** Project picker, optional encrypted secrets, then the file is written to Downloads. */
export function ExportProject() {
  const toast = useToast();
  const projects = useQuery({ queryKey: ["projects"], queryFn: api.listProjects });
  const [projectId, setProjectId] = useState<number | null>(null);
  const [withSecrets, setWithSecrets] = useState(false);
  const [passphrase, setPassphrase] = useState("");
  const [repeat, setRepeat] = useState("");
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState<string | null>(null);
  const chosen = projectId ?? projects.data?.[0]?.id ?? null;

  const submit = async (event: React.FormEvent) => {
    event.preventDefault();
    const found: Record<string, string> = {};
    if (withSecrets && passphrase.length < MIN_PASSPHRASE) found.passphrase = `Use at least ${MIN_PASSPHRASE} characters.`;
    else if (withSecrets && passphrase !== repeat) found.repeat = "The two passphrases differ.";
    setErrors(found);
    if (Object.keys(found).length > 0 || chosen === null) return;
    setBusy(true);
    setSaved(null);
    try {
      const path = await api.exportProject(chosen, withSecrets ? passphrase : null);
      setSaved(path);
      setPassphrase("");
      setRepeat("");
    } catch (error) {
      if (error instanceof ApiError && error.field === "passphrase") setErrors({ passphrase: error.message });
      else toast({ kind: "error", title: "Export failed", message: errorText(error) });
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="transfer" aria-label="Export a project" onSubmit={submit}>
      <h3>Export</h3>
      <div className="field">
        <label htmlFor="export-project">Project</label>
        <select
          id="export-project"
          className="input"
          value={chosen ?? ""}
          onChange={(e) => setProjectId(Number(e.target.value))}
          disabled={!projects.data}
        >
          {projects.data?.map((p) => (
            <option key={p.id} value={p.id}>
              {p.name} ({p.integration_count} integrations)
            </option>
          ))}
        </select>
      </div>
      <label>
        <input type="checkbox" checked={withSecrets} onChange={(e) => setWithSecrets(e.target.checked)} /> Include secrets,
        encrypted with a passphrase
      </label>
      {withSecrets && (
        <>
          <div className="field">
            <label htmlFor="export-passphrase">Passphrase</label>
            <input
              id="export-passphrase"
              className="input"
              type="password"
              autoComplete="new-password"
              value={passphrase}
              aria-invalid={Boolean(errors.passphrase)}
              aria-describedby="export-passphrase-error"
              onChange={(e) => setPassphrase(e.target.value)}
            />
            <FieldError id="export-passphrase-error" message={errors.passphrase} />
          </div>
          <div className="field">
            <label htmlFor="export-repeat">Repeat the passphrase</label>
            <input
              id="export-repeat"
              className="input"
              type="password"
              autoComplete="new-password"
              value={repeat}
              aria-invalid={Boolean(errors.repeat)}
              aria-describedby="export-repeat-error"
              onChange={(e) => setRepeat(e.target.value)}
            />
            <FieldError id="export-repeat-error" message={errors.repeat} />
            <div className="hint">Nobody can recover the secrets without it. Without secrets, the file lists only which fields had one.</div>
          </div>
        </>
      )}
      <div className="toolbar">
        <button className="btn primary" type="submit" disabled={busy || chosen === null}>
          {busy ? (withSecrets ? "Encrypting…" : "Exporting…") : "Export to Downloads"}
        </button>
      </div>
      {saved && (
        <p className="notice" role="status">
          Saved to <code>{saved}</code>{" "}
          <button type="button" className="btn small" onClick={() => api.revealExport().catch(() => undefined)}>
            Show in folder
          </button>
        </p>
      )}
    </form>
  );
}

/** Choose a file, see what it holds, then import it whole — or see why nothing was imported. */
export function ImportProject() {
  const queryClient = useQueryClient();
  const [file, setFile] = useState<{ name: string; text: string; summary: ExportSummary } | null>(null);
  const [fileError, setFileError] = useState<string | null>(null);
  const [project, setProject] = useState("");
  const [passphrase, setPassphrase] = useState("");
  const [skipSecrets, setSkipSecrets] = useState(false);
  const [error, setError] = useState<{ field?: string; message: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const [report, setReport] = useState<ImportReport | null>(null);
  // Remounting the file input after an import lets the same file be chosen again.
  const [inputKey, setInputKey] = useState(0);

  const choose = async (chosen: File | undefined) => {
    setFile(null);
    setFileError(null);
    setError(null);
    setReport(null);
    if (!chosen) return;
    try {
      const text = await chosen.text();
      const summary = await api.inspectImport(text);
      setFile({ name: chosen.name, text, summary });
      setProject(summary.project);
    } catch (failure) {
      setFileError(`${chosen.name}: ${(failure as Error).message}`);
    }
  };

  const submit = async (event: React.FormEvent) => {
    event.preventDefault();
    if (!file) return;
    setBusy(true);
    setError(null);
    try {
      const done = await api.importProject(file.text, {
        project: project.trim() || undefined,
        passphrase: file.summary.has_secrets && !skipSecrets ? passphrase : undefined,
        skip_secrets: skipSecrets,
      });
      setReport(done);
      setFile(null);
      setInputKey((key) => key + 1);
      setPassphrase("");
      await queryClient.invalidateQueries();
    } catch (failure) {
      setError(failure instanceof ApiError ? { field: failure.field, message: failure.message } : { message: (failure as Error).message });
    } finally {
      setBusy(false);
    }
  };

  const summary = file?.summary;
  return (
    <form className="transfer" aria-label="Import a project" onSubmit={submit}>
      <h3>Import</h3>
      <div className="field">
        <label htmlFor="import-file">Exported file (.json)</label>
        <input key={inputKey} id="import-file" type="file" accept=".json,application/json" onChange={(e) => void choose(e.target.files?.[0])} />
        {fileError && (
          <div className="error" role="alert">
            {fileError}
          </div>
        )}
      </div>
      {summary && file && (
        <>
          <p className="facts-box" aria-label="File contents">
            <strong>{file.name}</strong>: project {summary.project}, exported {new Date(summary.exported_at).toLocaleString()} —{" "}
            {summary.integrations} integrations, {summary.templates} templates, {summary.bridges} bridges, {summary.webhooks} webhook
            endpoints; {summary.has_secrets ? "secrets included (encrypted)" : "no secrets"}.
          </p>
          <div className="field">
            <label htmlFor="import-project">Import into project</label>
            <input id="import-project" className="input" value={project} onChange={(e) => setProject(e.target.value)} />
            <div className="hint">Created when it does not exist. Names already taken there are reported; nothing is overwritten.</div>
          </div>
          {summary.has_secrets && (
            <>
              <div className="field">
                <label htmlFor="import-passphrase">Passphrase</label>
                <input
                  id="import-passphrase"
                  className="input"
                  type="password"
                  autoComplete="off"
                  disabled={skipSecrets}
                  value={passphrase}
                  aria-invalid={error?.field === "passphrase"}
                  aria-describedby="import-passphrase-error"
                  onChange={(e) => setPassphrase(e.target.value)}
                />
                <FieldError id="import-passphrase-error" message={error?.field === "passphrase" ? error.message : undefined} />
              </div>
              <label>
                <input type="checkbox" checked={skipSecrets} onChange={(e) => setSkipSecrets(e.target.checked)} /> Import without
                secrets (integrations that need one arrive inactive)
              </label>
            </>
          )}
          {error && error.field !== "passphrase" && (
            <div className="error" role="alert">
              {error.message}
            </div>
          )}
          <div className="toolbar">
            <button className="btn primary" type="submit" disabled={busy}>
              {busy ? "Importing…" : "Import"}
            </button>
          </div>
        </>
      )}
      {report && (
        <p className="notice" role="status">
          Imported into {report.project_name}
          {report.project_created ? " (new project)" : ""}: {report.integrations} integrations ({report.routes} routes), {report.templates}{" "}
          templates, {report.bridges} bridges, {report.webhooks} webhook endpoints, {report.secrets} secrets.
          {report.needs_secrets.length > 0 && <> Inactive until their secrets are entered: {report.needs_secrets.join(", ")}.</>}
        </p>
      )}
    </form>
  );
}
