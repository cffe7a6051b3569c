// Settings: check defaults, notifications, start at login, updates, and where data lives. Numeric fields save on blur (or Enter)
// after the backend validated them; the user's text stays in the field when it is refused.
import { useEffect, useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, type Settings } from "../api";
import type { UpdateInfo } from "../bindings/UpdateInfo";
import { ConfirmDialog } from "../shared/Dialog";
import { useToast } from "../shared/toasts";
import { ExportProject, ImportProject } from "./ProjectTransfer";
import { errorText, shownFieldError } from "../shared/format";

/** The settings shown with their own field, and their labels in an error's sentence. */
const SETTING_LABELS: Record<string, string> = {
  default_check_interval_s: "The default check interval",
  failures_before_unhealthy: "The failures before “unhealthy”",
};

function NumberSetting(props: {
  id: string;
  label: string;
  hint: string;
  value: number;
  error?: string;
  onCommit: (value: number) => void;
}) {
  const [text, setText] = useState(String(props.value));
  useEffect(() => setText(String(props.value)), [props.value]);
  const commit = () => {
    if (text.trim() !== String(props.value)) props.onCommit(Number(text.trim()));
  };
  return (
    <div className="field">
      <label htmlFor={props.id}>{props.label}</label>
      <input
        id={props.id}
        className="input"
        inputMode="numeric"
        style={{ width: 140 }}
        value={text}
        aria-invalid={Boolean(props.error)}
        aria-describedby={`${props.id}-hint`}
        onChange={(e) => setText(e.target.value)}
        onBlur={commit}
        onKeyDown={(e) => e.key === "Enter" && commit()}
      />
      <div className="hint" id={`${props.id}-hint`}>
        {props.hint}
      </div>
      {props.error && (
        <div className="error" role="alert">
          {props.error}
        </div>
      )}
    </div>
  );
}

export function SettingsPage() {
  const toast = useToast();
  const queryClient = useQueryClient();
  const settings = useQuery({ queryKey: ["settings"], queryFn: api.getSettings });
  const info = useQuery({ queryKey: ["app_info"], queryFn: api.appInfo, staleTime: Infinity });
  const [errors, setErrors] = useState<Record<string, string>>({});
  const save = useMutation({
    mutationFn: (next: Settings) => api.saveSettings(next),
    onSuccess: (saved) => {
      setErrors({});
      queryClient.setQueryData(["settings"], saved);
      toast({ kind: "success", title: "Settings saved" });
    },
    onError: (error) => {
      const shown = shownFieldError(error, SETTING_LABELS);
      if (shown) setErrors({ [shown.field]: shown.text });
      else toast({ kind: "error", title: "Could not save settings", message: errorText(error, SETTING_LABELS) });
    },
  });
  if (settings.error) return <div className="banner">{(settings.error as Error).message}</div>;
  if (!settings.data) return null;
  const current = settings.data;
  return (
    <section className="form" aria-label="Settings" style={{ maxWidth: 760 }}>
      <h2 className="section">Health checks</h2>
      <label>
        <input type="checkbox" checked={current.checks_paused} onChange={(e) => save.mutate({ ...current, checks_paused: e.target.checked })} /> Pause
        scheduled checks <span className="muted">(“Test” and “Check all” still work)</span>
      </label>
      <NumberSetting
        id="default-interval"
        label="Default check interval (seconds)"
        hint="Offered for new integrations; 30 to 86400."
        value={Number(current.default_check_interval_s)}
        error={errors.default_check_interval_s}
        onCommit={(value) => save.mutate({ ...current, default_check_interval_s: value })}
      />
      <NumberSetting
        id="retries"
        label="Failures before “unhealthy”"
        hint="Consecutive failed scheduled checks before a healthy integration is reported unhealthy (1 to 10). Manual tests apply at once."
        value={current.failures_before_unhealthy}
        error={errors.failures_before_unhealthy}
        onCommit={(value) => save.mutate({ ...current, failures_before_unhealthy: value })}
      />
      <h2 className="section">Notifications</h2>
      <label>
        <input
          type="checkbox"
          checked={current.notifications_muted}
          onChange={(e) => save.mutate({ ...current, notifications_muted: e.target.checked })}
        />{" "}
        Mute desktop notifications when an integration breaks or recovers
      </label>
      <h2 className="section">App</h2>
      <StartAtLogin />
      <Updates />
      <h2 className="section">Export and import</h2>
      <p className="hint">
        A project's integrations, n8n routes, templates, bridges and webhook endpoints as one JSON file — to move to another
        computer or keep a copy.
      </p>
      <div className="transfers">
        <ExportProject />
        <ImportProject />
      </div>
      <h2 className="section">Data</h2>
      {info.data && (
        <dl className="facts">
          <dt>Data folder</dt>
          <dd>
            <code>{info.data.data_dir}</code>
          </dd>
          <dt>Database</dt>
          <dd>
            <code>{info.data.database}</code>
          </dd>
          <dt>Credentials</dt>
          <dd>In the OS keychain (service app.patchbay.desktop), never in the database.</dd>
          <dt>Logs</dt>
          <dd>
            Secrets are masked in every line.{" "}
            <button
              className="btn small"
              onClick={() => api.openLogsFolder().catch((error) => toast({ kind: "error", title: "Cannot open the logs folder", message: errorText(error) }))}
            >
              Open logs folder
            </button>
          </dd>
          <dt>Version</dt>
          <dd>{info.data.version}</dd>
        </dl>
      )}
    </section>
  );
}

function StartAtLogin() {
  const toast = useToast();
  const queryClient = useQueryClient();
  const enabled = useQuery({ queryKey: ["autostart"], queryFn: api.getAutostart });
  const change = useMutation({
    mutationFn: api.setAutostart,
    onSuccess: (now) => queryClient.setQueryData(["autostart"], now),
    onError: (error) => toast({ kind: "error", title: "Cannot change start at login", message: errorText(error) }),
  });
  return (
    <label>
      <input
        type="checkbox"
        disabled={enabled.isPending || change.isPending}
        checked={enabled.data ?? false}
        onChange={(e) => change.mutate(e.target.checked)}
      />{" "}
      Start Patchbay at login (in the tray, checks keep running)
      {enabled.isError && <span className="error"> — {(enabled.error as Error).message}</span>}
    </label>
  );
}

/** "Check for updates": the announced version and notes, a verified download, then install and restart. */
function Updates() {
  const [state, setState] = useState<
    | { step: "idle" }
    | { step: "latest" }
    | { step: "found"; update: UpdateInfo }
    | { step: "verified"; update: UpdateInfo; size: number }
    | { step: "error"; message: string; update?: UpdateInfo }
  >({ step: "idle" });
  const [busy, setBusy] = useState<string | null>(null);
  const [confirmRestart, setConfirmRestart] = useState(false);
  const run = async (label: string, work: () => Promise<void>) => {
    setBusy(label);
    try {
      await work();
    } catch (error) {
      setState((s) => ({ step: "error", message: errorText(error), update: "update" in s ? s.update : undefined }));
    } finally {
      setBusy(null);
    }
  };
  const check = () =>
    run("Checking…", async () => {
      const update = await api.checkForUpdates();
      setState(update ? { step: "found", update } : { step: "latest" });
    });
  const download = (update: UpdateInfo) =>
    run("Downloading and verifying…", async () => {
      const size = await api.downloadUpdate();
      setState({ step: "verified", update, size });
    });
  return (
    <div className="updates" aria-label="Updates" aria-live="polite">
      <div className="toolbar">
        <button className="btn" onClick={check} disabled={busy !== null}>
          {busy === "Checking…" ? busy : "Check for updates"}
        </button>
        {state.step === "latest" && <span>Patchbay is up to date.</span>}
        {busy && busy !== "Checking…" && <span>{busy}</span>}
      </div>
      {"update" in state && state.update && (
        <div className="facts-box">
          <strong>
            Patchbay {state.update.version} is available
          </strong>{" "}
          (you have {state.update.current_version}
          {state.update.date ? `; released ${new Date(state.update.date).toLocaleDateString()}` : ""}).
          {state.update.notes && <pre className="release-notes">{state.update.notes}</pre>}
          {state.step === "found" && (
            <button className="btn primary" disabled={busy !== null} onClick={() => download(state.update)}>
              Download and verify
            </button>
          )}
          {state.step === "verified" && (
            <>
              <p>Downloaded {Math.round(state.size / 1024)} KB; the signature matches Patchbay's release key.</p>
              <button className="btn primary" onClick={() => setConfirmRestart(true)}>
                Install and restart
              </button>
            </>
          )}
        </div>
      )}
      {state.step === "error" && <div className="error">{state.message}</div>}
      {confirmRestart && (
        <ConfirmDialog
          title="Install the update and restart?"
          message="Patchbay closes, installs the update and starts again. Running syncs resume from where they stopped."
          confirmLabel="Install and restart"
          busy={busy !== null}
          onConfirm={() => run("Installing…", async () => void (await api.installUpdate()))}
          onCancel={() => setConfirmRestart(false)}
        />
      )}
    </div>
  );
}
