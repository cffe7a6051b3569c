// A modal dialog: focus moves in on open and returns on close; Escape and a click on the backdrop
// cancel; Tab stays inside.
import { useLayoutEffect, useRef, type ReactNode } from "react";

export function Dialog(props: { title: string; onClose: () => void; children: ReactNode; wide?: boolean }) {
  const ref = useRef<HTMLDivElement>(null);
  // At commit, not after the first paint (when Preact runs passive effects): a click or key in between
  // must not be followed by focus jumping to the first field. The field to start in is marked
  // `data-autofocus`, not `autoFocus`: WebKit acts on an `autofocus` attribute itself at a later rendering
  // update and focuses it then if nothing has focus at that moment (a click on the dialog's background,
  // WebDriver clearing a field) — taking the caret out of the field being typed in.
  useLayoutEffect(() => {
    const previous = document.activeElement as HTMLElement | null;
    const first =
      ref.current?.querySelector<HTMLElement>("[data-autofocus]") ?? ref.current?.querySelector<HTMLElement>("input, select, textarea, button");
    first?.focus();
    return () => previous?.focus();
  }, []);
  // Escape cancels the topmost dialog wherever the focus is: a button disabled while it has the focus
  // (one that starts a run) leaves the focus on the page's body, outside every dialog. Listened for from
  // the commit, like the focus above: a passive effect would miss an Escape pressed before the first paint.
  const onClose = useRef(props.onClose);
  onClose.current = props.onClose;
  useLayoutEffect(() => {
    const onEscape = (event: KeyboardEvent) => {
      if (event.key !== "Escape" || event.defaultPrevented) return;
      const dialogs = document.querySelectorAll("[role='dialog']");
      if (dialogs[dialogs.length - 1] !== ref.current) return;
      event.preventDefault();
      onClose.current();
    };
    document.addEventListener("keydown", onEscape);
    return () => document.removeEventListener("keydown", onEscape);
  }, []);
  const onKeyDown = (event: React.KeyboardEvent) => {
    if (event.key === "Tab" && ref.current) {
      const focusable = [...ref.current.querySelectorAll<HTMLElement>("button, input, select, textarea, [tabindex='0']")].filter(
        (el) => !el.hasAttribute("disabled"),
      );
      if (focusable.length === 0) return;
      const first = focusable[0];
      const last = focusable[focusable.length - 1];
      if (event.shiftKey && document.activeElement === first) {
        event.preventDefault();
        last.focus();
      } else if (!event.shiftKey && document.activeElement === last) {
        event.preventDefault();
        first.focus();
      }
    }
  };
  return (
    <div className="dialog-backdrop" onMouseDown={(e) => e.target === e.currentTarget && props.onClose()}>
      <div
        ref={ref}
        className={`dialog${props.wide ? " wide" : ""}`}
        role="dialog"
        aria-modal="true"
        aria-label={props.title}
        onKeyDown={onKeyDown}
      >
        <h2>{props.title}</h2>
        {props.children}
      </div>
    </div>
  );
}

/** Asks before a destructive action. */
export function ConfirmDialog(props: {
  title: string;
  message: ReactNode;
  confirmLabel: string;
  busy?: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  return (
    <Dialog title={props.title} onClose={props.onCancel}>
      <div>{props.message}</div>
      <div className="buttons">
        <button className="btn" onClick={props.onCancel} data-autofocus>
          Cancel
        </button>
        <button className="btn danger" onClick={props.onConfirm} disabled={props.busy}>
          {props.confirmLabel}
        </button>
      </div>
    </Dialog>
  );
}
