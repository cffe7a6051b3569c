// In-app toasts: success, error, warning, info; stacked; each with its own duration; announced through
// aria-live (errors assertively).
import { createContext, useCallback, useContext, useMemo, useRef, useState, type ReactNode } from "react";

export type ToastKind = "success" | "error" | "warning" | "info";
export interface ToastInput {
  kind: ToastKind;
  title: string;
  message?: string;
  /** Milliseconds before it closes by itself; 0 keeps it until dismissed. Defaults: 4 s, errors 8 s. */
  durationMs?: number;
}
interface Toast extends ToastInput {
  id: number;
}

const ToastContext = createContext<(toast: ToastInput) => void>(() => {});

/** Shows a toast. */
export function useToast() {
  return useContext(ToastContext);
}

const MAX_VISIBLE = 5;

export function ToastProvider({ children }: { children: ReactNode }) {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const nextId = useRef(1);
  const dismiss = useCallback((id: number) => setToasts((all) => all.filter((toast) => toast.id !== id)), []);
  const show = useCallback(
    (input: ToastInput) => {
      const id = nextId.current++;
      setToasts((all) => [...all, { ...input, id }].slice(-MAX_VISIBLE));
      const duration = input.durationMs ?? (input.kind === "error" ? 8000 : 4000);
      if (duration > 0) setTimeout(() => dismiss(id), duration);
    },
    [dismiss],
  );
  const polite = useMemo(() => toasts.filter((t) => t.kind !== "error"), [toasts]);
  const urgent = useMemo(() => toasts.filter((t) => t.kind === "error"), [toasts]);
  const render = (toast: Toast) => (
    <div key={toast.id} className={`toast ${toast.kind}`} data-testid="toast">
      <div className="text">
        <div className="title">{toast.title}</div>
        {toast.message && <div className="muted">{toast.message}</div>}
      </div>
      <button className="btn small" aria-label="Dismiss notification" onClick={() => dismiss(toast.id)}>
        ×
      </button>
    </div>
  );
  return (
    <ToastContext.Provider value={show}>
      {children}
      <div className="toasts">
        <div role="status" aria-live="polite">{polite.map(render)}</div>
        <div role="alert" aria-live="assertive">{urgent.map(render)}</div>
      </div>
    </ToastContext.Provider>
  );
}
