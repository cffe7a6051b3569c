// Changing one n8n route: action key, method, webhook path, description and default payload. The core
// checks them (update_route); a refusal shows under its field, or in a toast, and the edit stays.
import { useEffect, useLayoutEffect, useRef, useState } from "react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api } from "../api";
import type { Route } from "../bindings/Route";
import { errorText, shownFieldError } from "../shared/format";
import { useToast } from "../shared/toasts";

/** What the core accepts as an action key (SPEC: `^[a-zA-Z0-9._-]+$`), checked while typing. */
export const ACTION_KEY = /^[a-zA-Z0-9._-]+$/;
/** The webhook methods a route may use. */
export const METHODS = ["POST", "GET", "PUT", "PATCH", "DELETE"];
/** A route's fields as an error's sentence names them. */
export const ROUTE_LABELS: Record<string, string> = {
  action_key: "The action key",
  webhook_path: "The webhook path",
  method: "The method",
  description: "The description",
  default_payload: "The default payload",
};
/** Said under the action key while it has a character the core refuses. */
export const ACTION_KEY_HINT = "Use letters, digits, dots, underscores or hyphens";

type Draft = { action_key: string; method: string; webhook_path: string; description: string; default_payload: string };

function draftOf(route: Route): Draft {
  return { action_key: route.action_key, method: route.method, webhook_path: route.webhook_path, description: route.description, default_payload: route.default_payload ?? "" };
}

/** The editor of `route`; `onDone` gets the saved route, or null when the user cancels; `onDirty` hears
 * whether it holds unsaved changes (so that closing the dialog around it can ask first; what it last said
 * no longer counts once the editor is closed). */
export function RouteEditor({ route, onDone, onDirty }: { route: Route; onDone: (saved: Route | null) => void; onDirty?: (dirty: boolean) => void }) {
  const toast = useToast();
  const queryClient = useQueryClient();
  const [draft, setDraft] = useState<Draft>(() => draftOf(route));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const edit = (field: keyof Draft, value: string) => {
    setDraft((current) => ({ ...current, [field]: value }));
    setErrors(({ [field]: _, ...rest }) => rest);
  };
  const save = useMutation({
    mutationFn: () => api.updateRoute(route.id, draft),
    onSuccess: (saved) => {
      toast({ kind: "success", title: `Route ${saved.action_key} saved` });
      void queryClient.invalidateQueries({ queryKey: ["routes", saved.integration_id] });
      onDone(saved);
    },
    onError: (error) => {
      const shown = shownFieldError(error, ROUTE_LABELS);
      if (shown) setErrors({ [shown.field]: shown.text });
      else toast({ kind: "error", title: "Could not save the route", message: errorText(error, ROUTE_LABELS) });
    },
  });
  const keyProblem = draft.action_key && !ACTION_KEY.test(draft.action_key) ? ACTION_KEY_HINT : errors.action_key;
  const unchanged = JSON.stringify(draft) === JSON.stringify(draftOf(route));
  useEffect(() => onDirty?.(!unchanged), [unchanged, onDirty]);
  // Focused when the editor opens, by hand rather than with `autoFocus` (see Dialog: WebKit acts on the
  // attribute itself later, and could take the caret out of the field being typed in).
  const first = useRef<HTMLInputElement>(null);
  useLayoutEffect(() => first.current?.focus(), []);
  const fieldError = (field: keyof Draft, text = errors[field]) =>
    text ? (
      <div className="error" id={`route-${field}-error`}>
        {text}
      </div>
    ) : null;
  const described = (field: keyof Draft, text = errors[field]) => ({ "aria-invalid": Boolean(text), "aria-describedby": text ? `route-${field}-error` : undefined });
  return (
    <form
      className="form"
      aria-label={`Edit route ${route.action_key}`}
      onSubmit={(event) => {
        event.preventDefault();
        if (!keyProblem) save.mutate();
      }}
    >
      <h3 style={{ margin: "8px 0 0", fontSize: 14 }}>
        Edit route <code>{route.action_key}</code>
      </h3>
      <div className="two">
        <div className="field">
          <label htmlFor="route-action_key">Action key</label>
          <input id="route-action_key" ref={first} className="input" value={draft.action_key} {...described("action_key", keyProblem)} onChange={(e) => edit("action_key", e.target.value)} />
          {fieldError("action_key", keyProblem)}
        </div>
        <div className="field">
          <label htmlFor="route-method">Method</label>
          <select id="route-method" className="input" value={draft.method} {...described("method")} onChange={(e) => edit("method", e.target.value)}>
            {METHODS.map((method) => (
              <option key={method}>{method}</option>
            ))}
          </select>
          {fieldError("method")}
        </div>
      </div>
      <div className="two">
        <div className="field">
          <label htmlFor="route-webhook_path">Webhook path</label>
          <input id="route-webhook_path" className="input" placeholder="orders/new" value={draft.webhook_path} {...described("webhook_path")} onChange={(e) => edit("webhook_path", e.target.value)} />
          <div className="hint">After /webhook/ on the integration's n8n.</div>
          {fieldError("webhook_path")}
        </div>
        <div className="field">
          <label htmlFor="route-description">Description</label>
          <input id="route-description" className="input" value={draft.description} {...described("description")} onChange={(e) => edit("description", e.target.value)} />
          {fieldError("description")}
        </div>
      </div>
      <div className="field">
        <label htmlFor="route-default_payload">Default payload (JSON)</label>
        <textarea id="route-default_payload" className="input code" rows={4} placeholder="{}" value={draft.default_payload} {...described("default_payload")} onChange={(e) => edit("default_payload", e.target.value)} />
        <div className="hint">Sent when a trigger gives no payload; the Trigger panel starts from it.</div>
        {fieldError("default_payload")}
      </div>
      <div className="toolbar">
        <span className="spacer" />
        <button type="button" className="btn" onClick={() => onDone(null)}>
          Cancel
        </button>
        <button type="submit" className="btn primary" disabled={unchanged || !draft.action_key || !draft.webhook_path || Boolean(keyProblem) || save.isPending}>
          {save.isPending ? "Saving…" : "Save route"}
        </button>
      </div>
    </form>
  );
}
