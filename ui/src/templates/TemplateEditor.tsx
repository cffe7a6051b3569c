// The template editor: fields on the left, a live preview on the right that re-renders (debounced) as
// the user types. The preview runs in a sandboxed iframe without scripts (see previewDocument.ts).
import { memo, useLayoutEffect, useMemo, useRef, useState, type RefObject } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "../api";
import type { BodyFormat } from "../bindings/BodyFormat";
import { checkCompatibility, CLIENTS } from "./compat";
import type { PreviewResponse } from "../bindings/PreviewResponse";
import type { Template } from "../bindings/Template";
import type { TemplateSource } from "../bindings/TemplateSource";
import { ConfirmDialog } from "../shared/Dialog";
import { errorText, shownFieldError } from "../shared/format";
import { useToast } from "../shared/toasts";
import { previewDocument } from "./previewDocument";
import { afterPaint, showDocument } from "./previewFrame";

const STARTER = `<mjml>
  <mj-body>
    <mj-section>
      <mj-column>
        <mj-text font-size="20px">Hello {{ customer.name }}</mj-text>
        <mj-text>Your order {{ order.id }} has shipped.</mj-text>
        <mj-button href="https://example.com/orders/{{ order.id }}">Track it</mj-button>
      </mj-column>
    </mj-section>
  </mj-body>
</mjml>`;

type Tab = "html" | "text" | "source" | "mime" | "compat";
interface Draft {
  name: string;
  subject: string;
  format: BodyFormat;
  body: string;
  textBody: string;
  sampleData: string;
}

const DEBOUNCE_MS = 120;
/** The fields the editor shows a refusal under, by the name the core's errors give them. */
const EDITOR_LABELS: Record<string, string> = { name: "Name", subject: "Subject", body: "Body", sample_data: "Sample data" };

/** Measures from `mark` to now under `name`, keeping only the latest of each. */
function measure(name: string, mark: string) {
  performance.clearMeasures(name);
  performance.measure(name, mark);
  performance.clearMarks(mark);
}

function kb(bytes: number) {
  return `${(bytes / 1024).toFixed(1)} KB`;
}

export function TemplateEditor(props: { template: Template | null; projectId: number | null; onClose: () => void; onSaved: (t: Template) => void }) {
  const toast = useToast();
  const queryClient = useQueryClient();
  const initial: Draft = useMemo(
    () =>
      props.template
        ? { name: props.template.name, subject: props.template.subject, format: props.template.format, body: props.template.body, textBody: props.template.text_body ?? "", sampleData: props.template.sample_data }
        : { name: "", subject: "Your order {{ order.id }}", format: "mjml", body: STARTER, textBody: "", sampleData: '{\n  "customer": {"name": "Anna"},\n  "order": {"id": "A-1001"}\n}' },
    [props.template],
  );
  const [draft, setDraft] = useState<Draft>(initial);
  const [strict, setStrict] = useState(true);
  const [tab, setTab] = useState<Tab>("html");
  const [mobile, setMobile] = useState(false);
  const [dark, setDark] = useState(false);
  const [preview, setPreview] = useState<PreviewResponse | null>(null);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [confirm, setConfirm] = useState<"leave" | "delete" | null>(null);
  const [sendTo, setSendTo] = useState("");
  const [smtpId, setSmtpId] = useState<number | "">("");
  const dirty = JSON.stringify(draft) !== JSON.stringify(initial);
  const set = (patch: Partial<Draft>) => setDraft((d) => ({ ...d, ...patch }));

  const source: TemplateSource = { subject: draft.subject, format: draft.format, body: draft.body, ...(draft.textBody.trim() && { text_body: draft.textBody }) };
  // The HTML tab only needs the fast render; the text part and MIME are rendered when their tab is open.
  const complete = tab === "text" || tab === "mime";
  const sourceKey = JSON.stringify([source, draft.sampleData, strict, complete]);
  const latest = useRef(0);
  const frame = useRef<HTMLIFrameElement>(null);
  const darkNow = useRef(dark);
  darkNow.current = dark;
  // The debounce starts when the edit is committed (a layout effect), not after the browser has laid
  // out and painted the edit (a passive effect in Preact): with a 50 KB body that layout took 35–60 ms,
  // which the preview waited for on top of the debounce.
  useLayoutEffect(() => {
    const ticket = ++latest.current;
    const timer = setTimeout(() => {
      performance.mark("preview-request");
      api
        .previewTemplate(source, draft.sampleData, strict, complete)
        .then((response) => {
          if (ticket !== latest.current) return;
          // User Timing marks (the UI benchmark and the WebKit inspector read them); only the last kept.
          measure("preview: IPC with the render", "preview-request");
          performance.mark("preview-response");
          // The HTML goes into the visible frame at once; the rest of the editor (subject, warnings,
          // links, variables) follows once the frame has painted, so React's work never delays it.
          const target = frame.current;
          const shown = target && response.rendered ? showDocument(target, previewDocument(response.rendered.html, darkNow.current)) : "same";
          measure("preview: into the frame", "preview-response");
          if (target && shown !== "same") {
            afterPaint(target, shown, () => ticket === latest.current && setPreview(response));
          } else {
            setPreview(response);
          }
        })
        .catch((error) => toast({ kind: "error", title: "Preview failed", message: errorText(error) }));
    }, DEBOUNCE_MS);
    return () => clearTimeout(timer);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [sourceKey]);

  const smtp = useQuery({ queryKey: ["integrations", "smtp-for-send"], queryFn: () => api.listIntegrations({ page: 1, per_page: 100, sort: "name", desc: false, provider: "smtp" }) });

  const save = useMutation({
    mutationFn: () => {
      const input = { name: draft.name, subject: draft.subject, format: draft.format, body: draft.body, text_body: draft.textBody.trim() ? draft.textBody : undefined, sample_data: draft.sampleData, ...(props.projectId !== null && !props.template && { project_id: props.projectId }) };
      return props.template ? api.updateTemplate(props.template.id, input) : api.createTemplate(input);
    },
    onSuccess: (saved) => {
      setErrors({});
      void queryClient.invalidateQueries({ queryKey: ["templates"] });
      toast({ kind: "success", title: `Saved ${saved.name}` });
      props.onSaved(saved);
    },
    onError: (error) => {
      const shown = shownFieldError(error, EDITOR_LABELS);
      if (shown) setErrors({ [shown.field]: shown.text });
      else toast({ kind: "error", title: "Could not save", message: errorText(error, { project_id: "The project" }) });
    },
  });
  const remove = useMutation({
    mutationFn: () => api.deleteTemplate(props.template!.id),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ["templates"] });
      toast({ kind: "success", title: `Deleted ${props.template!.name}` });
      props.onClose();
    },
    onError: (error) => toast({ kind: "error", title: "Delete failed", message: errorText(error) }),
  });
  const send = useMutation({
    mutationFn: () => api.sendTestEmail(source, draft.sampleData, Number(smtpId), sendTo),
    onSuccess: (outcome) =>
      toast(
        outcome.delivered
          ? { kind: "success", title: `Test e-mail sent to ${sendTo}`, message: outcome.detail }
          : { kind: "error", title: `Test e-mail failed (${outcome.error_kind ?? "error"})`, message: outcome.detail },
      ),
    onError: (error) => toast({ kind: "error", title: "Cannot send", message: errorText(error) }),
  });
  const exportEml = async () => {
    try {
      const full = await api.previewTemplate(source, draft.sampleData, strict, true);
      if (!full.rendered) throw new Error(full.error?.message ?? "the template does not render");
      const path = await api.exportEml(draft.name || "template", full.rendered.eml);
      toast({ kind: "success", title: "Exported .eml", message: path });
    } catch (error) {
      toast({ kind: "error", title: "Export failed", message: errorText(error) });
    }
  };

  const rendered = preview?.rendered;
  const renderError = preview?.error;
  const fieldError = (name: string) => errors[name] && <div className="error" role="alert">{errors[name]}</div>;

  return (
    <div className="editor">
      <div className="toolbar">
        <button className="btn" onClick={() => (dirty ? setConfirm("leave") : props.onClose())}>
          ← Templates
        </button>
        <strong>{props.template ? props.template.name : "New template"}</strong>
        {dirty && <span className="muted">unsaved changes</span>}
        <span className="spacer" />
        {props.template && (
          <button className="btn" onClick={() => setConfirm("delete")}>
            Delete…
          </button>
        )}
        <button className="btn" onClick={exportEml} disabled={!rendered}>
          Export .eml
        </button>
        <button className="btn primary" onClick={() => save.mutate()} disabled={save.isPending}>
          {save.isPending ? "Saving…" : "Save"}
        </button>
      </div>
      <div className="editor-grid">
        <div className="form">
          <div className="two">
            <div className="field">
              <label htmlFor="template-name">Name</label>
              <input id="template-name" className="input" value={draft.name} onChange={(e) => set({ name: e.target.value })} aria-invalid={Boolean(errors.name)} />
              {fieldError("name")}
            </div>
            <div className="field">
              <label htmlFor="template-format">Body format</label>
              <select id="template-format" className="input" value={draft.format} onChange={(e) => set({ format: e.target.value as BodyFormat })}>
                <option value="mjml">MJML</option>
                <option value="html">HTML</option>
              </select>
            </div>
          </div>
          <div className="field">
            <label htmlFor="template-subject">Subject</label>
            <input id="template-subject" className="input" value={draft.subject} onChange={(e) => set({ subject: e.target.value })} aria-invalid={Boolean(errors.subject)} />
            {fieldError("subject")}
          </div>
          <div className="field">
            <label htmlFor="template-body">Body ({draft.format.toUpperCase()})</label>
            <textarea id="template-body" className="input code" rows={16} spellCheck={false} value={draft.body} onChange={(e) => set({ body: e.target.value })} />
            {fieldError("body")}
          </div>
          <details>
            <summary>Plain-text body {draft.textBody.trim() ? "" : "(generated from the HTML)"}</summary>
            <textarea aria-label="Plain-text body" className="input code" rows={5} value={draft.textBody} onChange={(e) => set({ textBody: e.target.value })} />
          </details>
          <div className="field">
            <label htmlFor="template-data">Sample data (JSON)</label>
            <textarea id="template-data" className="input code" rows={6} spellCheck={false} value={draft.sampleData} onChange={(e) => set({ sampleData: e.target.value })} aria-invalid={Boolean(errors.sample_data)} />
            {fieldError("sample_data")}
            <div>
              <button className="btn small" type="button" disabled={!preview} onClick={() => preview && set({ sampleData: preview.suggested_data })}>
                Generate sample data
              </button>{" "}
              <label className="check">
                <input type="checkbox" checked={strict} onChange={(e) => setStrict(e.target.checked)} /> Strict (fail on undefined variables)
              </label>
            </div>
          </div>
          <div aria-label="Variables" className="field">
            <label>Variables</label>
            <Variables names={preview?.variables} />
          </div>
        </div>
        <div className="preview-pane">
          <div className="toolbar" role="tablist" aria-label="Preview">
            {(["html", "text", "source", "mime", "compat"] as Tab[]).map((id) => (
              <button key={id} role="tab" aria-selected={tab === id} className={`btn small${tab === id ? " primary" : ""}`} onClick={() => setTab(id)}>
                {{ html: "HTML", text: "Text", source: "Source", mime: "Raw MIME", compat: "Compatibility" }[id]}
              </button>
            ))}
            <span className="spacer" />
            <span className="preview-options">
              <label>
                <input type="checkbox" checked={mobile} onChange={(e) => setMobile(e.target.checked)} /> Mobile
              </label>
              <label>
                <input type="checkbox" checked={dark} onChange={(e) => setDark(e.target.checked)} /> Dark
              </label>
            </span>
          </div>
          {renderError && (
            <div className="banner" role="alert" data-testid="render-error">
              {renderError.part === "data" ? "Sample data" : renderError.part === "text_body" ? "Text body" : renderError.part === "subject" ? "Subject" : "Body"}
              {renderError.line !== null && `, line ${renderError.line}`}
              {renderError.column !== null && `, column ${renderError.column}`}: {renderError.message}
            </div>
          )}
          {rendered && (
            <>
              <div className="muted" data-testid="preview-subject">
                Subject: <strong>{rendered.subject}</strong> · {rendered.complete && `${kb(rendered.size_bytes)} message, `}
                {kb(rendered.html_bytes)} HTML
              </div>
              {rendered.warnings.map((warning) => (
                <div key={warning} className="warning-line" role="status">
                  ⚠ {warning}
                </div>
              ))}
              {tab === "html" && (
<PreviewFrame frameRef={frame} html={rendered.html} dark={dark} mobile={mobile} />
              )}
              {tab === "text" && <pre className="log preview-text">{rendered.text}</pre>}
              {tab === "source" && <pre className="log preview-text">{rendered.html}</pre>}
              {tab === "mime" && <pre className="log preview-text">{rendered.eml}</pre>}
              {tab === "compat" && <CompatibilityReport html={rendered.html} />}
              <Links links={rendered.links} />
            </>
          )}
          <fieldset className="send">
            <legend>Send a test e-mail</legend>
            <select className="input" aria-label="SMTP integration" value={smtpId} onChange={(e) => setSmtpId(e.target.value === "" ? "" : Number(e.target.value))}>
              <option value="">Choose an SMTP integration…</option>
              {(smtp.data?.items ?? []).map((i) => (
                <option key={i.id} value={i.id}>
                  {i.name}
                </option>
              ))}
            </select>
            <input className="input" type="email" placeholder="you@example.com" aria-label="Recipient address" value={sendTo} onChange={(e) => setSendTo(e.target.value)} />
            <button className="btn" disabled={smtpId === "" || !sendTo.trim() || send.isPending} onClick={() => send.mutate()}>
              {send.isPending ? "Sending…" : "Send test"}
            </button>
          </fieldset>
        </div>
      </div>
      {confirm === "leave" && (
        <ConfirmDialog title="Discard changes?" message="Your edits to this template have not been saved." confirmLabel="Discard" onConfirm={props.onClose} onCancel={() => setConfirm(null)} />
      )}
      {confirm === "delete" && props.template && (
        <ConfirmDialog title={`Delete ${props.template.name}?`} message="The template is removed for good." confirmLabel="Delete" busy={remove.isPending} onConfirm={() => remove.mutate()} onCancel={() => setConfirm(null)} />
      )}
    </div>
  );
}

/** The sandboxed preview: `allow-same-origin` only, so the app can patch the document in place, and no
 * `allow-scripts`, forms, popups or top navigation; the document's own CSP forbids scripts and loads. Its
 * document is set imperatively, so a new render shows without waiting for React. */
const PreviewFrame = memo(function PreviewFrame(props: { frameRef: RefObject<HTMLIFrameElement | null>; html: string; dark: boolean; mobile: boolean }) {
  const { frameRef, html, dark } = props;
  useLayoutEffect(() => {
    if (frameRef.current) showDocument(frameRef.current, previewDocument(html, dark));
  }, [frameRef, html, dark]);
  return <iframe ref={frameRef} title="Preview" className={`preview-frame${props.mobile ? " mobile" : ""}`} sandbox="allow-same-origin" referrerPolicy="no-referrer" />;
});

const Variables = memo(function Variables({ names }: { names: string[] | undefined }) {
  return <div className="chips">{!names || names.length === 0 ? <span className="muted">none</span> : names.map((v) => <code key={v}>{v}</code>)}</div>;
});

const Links = memo(function Links({ links }: { links: string[] }) {
  if (links.length === 0) return null;
  return (
    <details>
      <summary>
        {links.length} {links.length === 1 ? "link" : "links"}
      </summary>
      <ul className="links">
        {links.map((link) => (
          <li key={link}>
            <code>{link}</code>
          </li>
        ))}
      </ul>
    </details>
  );
});

/** What email clients would not show as the preview does (caniemail.com data, checked on demand). */
function CompatibilityReport({ html }: { html: string }) {
  const report = useQuery({
    queryKey: ["compat", html],
    queryFn: () => checkCompatibility(html),
    staleTime: Infinity,
  });
  if (report.isPending) return <p className="muted">Checking against caniemail.com data…</p>;
  if (report.isError) return <div className="banner">Cannot check compatibility: {(report.error as Error).message}</div>;
  const unchecked = report.data.unchecked.length > 0 && (
    <p className="muted">The caniemail data cannot check {report.data.unchecked.join(", ")} for this template.</p>
  );
  if (report.data.issues.length === 0)
    return (
      <>
        <p data-testid="compat-ok">No known problem in {CLIENTS.map((c) => c.replace(".*", "")).join(", ")}.</p>
        {unchecked}
      </>
    );
  return (
    <>
    {unchecked}
    <table className="grid compat" aria-label="Compatibility">
      <thead>
        <tr>
          <th>Feature</th>
          <th>Support</th>
          <th>Clients</th>
          <th>Line</th>
        </tr>
      </thead>
      <tbody>
        {report.data.issues.map((issue) => (
          <tr key={`${issue.support}:${issue.title}`}>
            <td>
              <code>{issue.title}</code>
              {issue.notes.length > 0 && (
                <details>
                  <summary className="muted">notes</summary>
                  <div className="muted">{issue.notes.join(" ")}</div>
                </details>
              )}
            </td>
            <td>
              <span className={`badge ${issue.support === "none" ? "status-failed" : "status-degraded"}`}>{issue.support === "none" ? "not supported" : "partial"}</span>
            </td>
            <td className="wrap">
              {issue.clientGroups.map((group) => (
                <div key={group}>{group}</div>
              ))}
            </td>
            <td>{issue.line ?? "—"}</td>
          </tr>
        ))}
      </tbody>
    </table>
    </>
  );
}
