// The create/edit form, generated from the provider's field list. Secret fields are password inputs with
// an eye toggle each; an edit never shows a stored secret until the user presses Reveal. Validation
// messages come from the backend's typed errors and appear next to their field; the user's input is kept.
import { useEffect, useMemo, useState } from "react";
import { useQuery } from "@tanstack/react-query";
import { api, type Integration, type Project, type ProviderSpec } from "../api";
import type { FieldSpec } from "../bindings/FieldSpec";
import { ConfirmDialog, Dialog } from "../shared/Dialog";
import { errorText, shownFieldError } from "../shared/format";

/** The labels of the fields every provider's form has, by the name the core's errors give them. */
const FORM_LABELS: Record<string, string> = { name: "Name", project_id: "The project", check_interval_s: "The check interval" };
/** The form's own key (and `field-…` id) of those fields, where it differs from the core's name. */
const FORM_KEYS: Record<string, string> = { project_id: "project", check_interval_s: "interval" };

export type FormMode = { kind: "create" } | { kind: "edit"; integration: Integration } | { kind: "duplicate"; integration: Integration };

interface Values {
  name: string;
  projectId: number;
  active: boolean;
  interval: string;
  config: Record<string, string>;
  secrets: Record<string, string>;
}

function initialValues(spec: ProviderSpec, mode: FormMode, defaultProjectId: number, defaultInterval: number): Values {
  const source = mode.kind === "create" ? null : mode.integration;
  const config: Record<string, string> = {};
  for (const field of spec.fields) {
    if (!field.secret) config[field.name] = source?.config[field.name] ?? field.default ?? "";
  }
  return {
    name: source ? (mode.kind === "duplicate" ? `${source.name} (copy)` : source.name) : "",
    projectId: source?.project_id ?? defaultProjectId,
    active: source?.active ?? true,
    interval: String(source?.check_interval_s ?? defaultInterval),
    config,
    secrets: {},
  };
}

/** An eye (or a struck-through eye) drawn inline, so it needs no emoji font. */
function EyeIcon({ open }: { open: boolean }) {
  return (
    <svg className="eye" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2" aria-hidden="true">
      <path d="M1 12s4-7 11-7 11 7 11 7-4 7-11 7S1 12 1 12z" />
      <circle cx="12" cy="12" r="3" />
      {!open && <line x1="3" y1="3" x2="21" y2="21" />}
    </svg>
  );
}

function SecretInput(props: {
  field: FieldSpec;
  value: string;
  stored: boolean;
  invalid: boolean;
  describedBy: string;
  onChange: (value: string) => void;
  onReveal?: () => Promise<string>;
}) {
  const [visible, setVisible] = useState(false);
  const [revealing, setRevealing] = useState(false);
  const reveal = async () => {
    if (!props.onReveal) return;
    setRevealing(true);
    try {
      props.onChange(await props.onReveal());
      setVisible(true);
    } finally {
      setRevealing(false);
    }
  };
  const id = `field-${props.field.name}`;
  return (
    <div className="secret">
      <input
        id={id}
        name={props.field.name}
        className="input"
        type={visible ? "text" : "password"}
        autoComplete="off"
        spellCheck={false}
        value={props.value}
        placeholder={props.stored ? "•••••••• stored in the keychain (type to replace)" : (props.field.placeholder ?? "")}
        aria-invalid={props.invalid}
        aria-describedby={props.describedBy}
        onChange={(event) => props.onChange(event.target.value)}
      />
      <button
        type="button"
        className="btn icon"
        aria-label={visible ? `Hide ${props.field.label}` : `Show ${props.field.label}`}
        aria-pressed={visible}
        onClick={() => setVisible((v) => !v)}
      >
        <EyeIcon open={!visible} />
      </button>
      {props.stored && props.onReveal && props.value === "" && (
        <button type="button" className="btn" onClick={reveal} disabled={revealing}>
          {revealing ? "Revealing…" : "Reveal"}
        </button>
      )}
    </div>
  );
}

export function IntegrationForm(props: {
  spec: ProviderSpec;
  mode: FormMode;
  projects: Project[];
  defaultProjectId: number;
  onSaved: (integration: Integration, mode: FormMode) => void;
  onClose: () => void;
}) {
  const { spec, mode } = props;
  const settings = useQuery({ queryKey: ["settings"], queryFn: api.getSettings, staleTime: 60_000 });
  const defaultInterval = settings.data ? Number(settings.data.default_check_interval_s) : 300;
  const initial = useMemo(
    () => initialValues(spec, mode, props.defaultProjectId, defaultInterval),
    [spec, mode, props.defaultProjectId, defaultInterval],
  );
  const [values, setValues] = useState<Values>(initial);
  // The default interval arrives with the settings; apply it if the user has not typed one yet.
  useEffect(() => setValues((v) => (v.interval === "300" && mode.kind === "create" ? { ...v, interval: initial.interval } : v)), [initial.interval, mode.kind]);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const [confirmDiscard, setConfirmDiscard] = useState(false);
  const editing = mode.kind === "edit" ? mode.integration : null;
  const dirty = JSON.stringify(values) !== JSON.stringify(initial);

  const close = () => (dirty ? setConfirmDiscard(true) : props.onClose());
  const setConfig = (name: string, value: string) => setValues((v) => ({ ...v, config: { ...v.config, [name]: value } }));
  const setSecret = (name: string, value: string) => setValues((v) => ({ ...v, secrets: { ...v.secrets, [name]: value } }));

  const submit = async (event: React.FormEvent) => {
    event.preventDefault();
    setSaving(true);
    setErrors({});
    setFormError(null);
    const interval = Number(values.interval);
    const secrets = Object.fromEntries(Object.entries(values.secrets).filter(([, value]) => value !== ""));
    const config = Object.fromEntries(Object.entries(values.config).filter(([, value]) => value.trim() !== ""));
    try {
      const saved = editing
        ? await api.updateIntegration(editing.id, {
            name: values.name,
            project_id: values.projectId,
            active: values.active,
            check_interval_s: interval,
            config,
            secrets,
          })
        : await api.createIntegration({
            provider: spec.id,
            name: values.name,
            project_id: values.projectId,
            active: values.active,
            check_interval_s: interval,
            config,
            secrets,
          });
      props.onSaved(saved, mode);
    } catch (error) {
      const labels = { ...FORM_LABELS, ...Object.fromEntries(spec.fields.map((f) => [f.name, f.label])) };
      const shown = shownFieldError(error, labels);
      if (shown) {
        const key = FORM_KEYS[shown.field] ?? shown.field;
        setErrors({ [key]: shown.text });
        document.getElementById(`field-${key}`)?.focus();
      } else {
        setFormError(errorText(error, labels));
      }
    } finally {
      setSaving(false);
    }
  };

  const title = editing ? `Edit ${editing.name}` : mode.kind === "duplicate" ? `Duplicate ${mode.integration.name}` : `Add ${spec.label}`;
  const describe = (name: string) => `${name}-hint${errors[name] ? ` ${name}-error` : ""}`;
  const fieldError = (name: string) =>
    errors[name] ? (
      <div className="error" id={`${name}-error`} role="alert">
        {errors[name]}
      </div>
    ) : null;

  return (
    <Dialog title={title} onClose={close}>
      <form className="form" onSubmit={submit} noValidate aria-label={title}>
        {formError && <div className="banner" role="alert">{formError}</div>}
        <div className="field">
          <label htmlFor="field-name">Name</label>
          <input
            id="field-name"
            className="input"
            value={values.name}
            data-autofocus
            aria-invalid={Boolean(errors.name)}
            aria-describedby={describe("name")}
            onChange={(e) => setValues((v) => ({ ...v, name: e.target.value }))}
          />
          <div className="hint" id="name-hint">Unique within the project.</div>
          {fieldError("name")}
        </div>
        <div className="two">
          <div className="field">
            <label htmlFor="field-project">Project</label>
            <select
              id="field-project"
              className="input"
              value={values.projectId}
              aria-describedby={describe("project")}
              onChange={(e) => setValues((v) => ({ ...v, projectId: Number(e.target.value) }))}
            >
              {props.projects.map((p) => (
                <option key={p.id} value={p.id}>
                  {p.name}
                </option>
              ))}
            </select>
            <div className="hint" id="project-hint">The client this integration belongs to.</div>
            {fieldError("project")}
          </div>
          <div className="field">
            <label htmlFor="field-interval">Check every (seconds)</label>
            <input
              id="field-interval"
              className="input"
              inputMode="numeric"
              value={values.interval}
              aria-invalid={Boolean(errors.interval)}
              aria-describedby={describe("interval")}
              onChange={(e) => setValues((v) => ({ ...v, interval: e.target.value }))}
            />
            <div className="hint" id="interval-hint">30 to 86400; default 300 (5 minutes).</div>
            {fieldError("interval")}
          </div>
        </div>
        {spec.fields.map((field) => {
          const id = `field-${field.name}`;
          const stored = Boolean(editing?.secrets_set.includes(field.name));
          return (
            <div className="field" key={field.name}>
              <label htmlFor={id}>
                {field.label}
                {field.required ? " *" : ""}
              </label>
              {field.secret ? (
                <SecretInput
                  field={field}
                  value={values.secrets[field.name] ?? ""}
                  stored={stored}
                  invalid={Boolean(errors[field.name])}
                  describedBy={describe(field.name)}
                  onChange={(value) => setSecret(field.name, value)}
                  onReveal={editing ? () => api.revealSecret(editing.id, field.name) : undefined}
                />
              ) : field.kind.type === "choice" ? (
                <select
                  id={id}
                  name={field.name}
                  className="input"
                  value={values.config[field.name] ?? ""}
                  aria-invalid={Boolean(errors[field.name])}
                  aria-describedby={describe(field.name)}
                  onChange={(e) => setConfig(field.name, e.target.value)}
                >
                  {!field.required && <option value="">—</option>}
                  {field.kind.options.map((option) => (
                    <option key={option} value={option}>
                      {option}
                    </option>
                  ))}
                </select>
              ) : field.kind.type === "headers" ? (
                <textarea
                  id={id}
                  name={field.name}
                  className="input"
                  rows={3}
                  value={values.config[field.name] ?? ""}
                  placeholder={field.placeholder ?? ""}
                  aria-invalid={Boolean(errors[field.name])}
                  aria-describedby={describe(field.name)}
                  onChange={(e) => setConfig(field.name, e.target.value)}
                />
              ) : (
                <input
                  id={id}
                  name={field.name}
                  className="input"
                  inputMode={field.kind.type === "port" ? "numeric" : undefined}
                  value={values.config[field.name] ?? ""}
                  placeholder={field.placeholder ?? ""}
                  aria-invalid={Boolean(errors[field.name])}
                  aria-describedby={describe(field.name)}
                  onChange={(e) => setConfig(field.name, e.target.value)}
                />
              )}
              <div className="hint" id={`${field.name}-hint`}>
                {field.help}
              </div>
              {fieldError(field.name)}
            </div>
          );
        })}
        <label>
          <input type="checkbox" checked={values.active} onChange={(e) => setValues((v) => ({ ...v, active: e.target.checked }))} /> Active
          (checked on schedule and by “Check all”)
        </label>
        <div className="buttons">
          <button type="button" className="btn" onClick={close}>
            Cancel
          </button>
          <button type="submit" className="btn primary" disabled={saving}>
            {saving ? "Saving…" : editing ? "Save changes" : "Create integration"}
          </button>
        </div>
      </form>
      {confirmDiscard && (
        <ConfirmDialog
          title="Discard changes?"
          message="Your edits to this integration have not been saved."
          confirmLabel="Discard"
          onConfirm={props.onClose}
          onCancel={() => setConfirmDiscard(false)}
        />
      )}
    </Dialog>
  );
}
