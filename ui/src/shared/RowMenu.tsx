// A "More" menu for a table row: a button that opens a list of actions; closes on a click outside,
// Escape (focus returns to the button) or after an action. Arrow keys move between items.
import { useLayoutEffect, useRef, useState } from "react";

export interface MenuAction {
  label: string;
  onSelect: () => void;
  danger?: boolean;
}

export function RowMenu({ label, actions }: { label: string; actions: MenuAction[] }) {
  const [open, setOpen] = useState(false);
  const ref = useRef<HTMLDivElement>(null);
  const button = useRef<HTMLButtonElement>(null);
  // The first item takes focus at commit, before the menu is painted (see Dialog).
  useLayoutEffect(() => {
    if (!open) return;
    ref.current?.querySelector<HTMLButtonElement>("[role='menuitem']")?.focus();
    const onDown = (event: MouseEvent) => {
      if (!ref.current?.contains(event.target as Node)) setOpen(false);
    };
    document.addEventListener("mousedown", onDown);
    return () => document.removeEventListener("mousedown", onDown);
  }, [open]);
  const onKeyDown = (event: React.KeyboardEvent) => {
    if (!open) return;
    const items = [...(ref.current?.querySelectorAll<HTMLButtonElement>("[role='menuitem']") ?? [])];
    const index = items.indexOf(document.activeElement as HTMLButtonElement);
    if (event.key === "Escape") {
      event.stopPropagation();
      setOpen(false);
      button.current?.focus();
    } else if (event.key === "ArrowDown") {
      event.preventDefault();
      items[(index + 1) % items.length]?.focus();
    } else if (event.key === "ArrowUp") {
      event.preventDefault();
      items[(index - 1 + items.length) % items.length]?.focus();
    }
  };
  return (
    <div className="row-menu" ref={ref} onKeyDown={onKeyDown}>
      <button ref={button} className="btn small" aria-haspopup="menu" aria-expanded={open} aria-label={label} onClick={() => setOpen((v) => !v)}>
        More ▾
      </button>
      {open && (
        <div className="menu" role="menu" aria-label={label}>
          {actions.map((action) => (
            <button
              key={action.label}
              role="menuitem"
              className={`menu-item${action.danger ? " danger" : ""}`}
              onClick={() => {
                setOpen(false);
                action.onSelect();
              }}
            >
              {action.label}
            </button>
          ))}
        </div>
      )}
    </div>
  );
}
