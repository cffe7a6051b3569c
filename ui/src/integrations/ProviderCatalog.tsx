// The provider catalog shown when adding an integration: a card per provider, each with a help popover
// (setup steps) that closes on a click outside or Escape.
import { useEffect, useRef, useState } from "react";
import type { ProviderSpec } from "../api";

function HelpPopover({ spec }: { spec: ProviderSpec }) {
  const [open, setOpen] = useState(false);
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!open) return;
    const onDown = (event: MouseEvent) => {
      if (!ref.current?.contains(event.target as Node)) setOpen(false);
    };
    document.addEventListener("mousedown", onDown);
    return () => document.removeEventListener("mousedown", onDown);
  }, [open]);
  const id = `help-${spec.id}`;
  return (
    <div
      ref={ref}
      onKeyDown={(event) => {
        if (event.key === "Escape" && open) {
          event.stopPropagation();
          setOpen(false);
        }
      }}
    >
      <button
        className="btn small icon"
        aria-label={`How to set up ${spec.label}`}
        aria-expanded={open}
        aria-controls={id}
        onClick={() => setOpen((value) => !value)}
      >
        ?
      </button>
      {open && (
        <div className="popover" id={id} role="tooltip">
          <strong>Setting up {spec.label}</strong>
          <ol>
            {spec.setup_steps.map((step) => (
              <li key={step}>{step}</li>
            ))}
          </ol>
        </div>
      )}
    </div>
  );
}

export function ProviderCatalog({ providers, onPick }: { providers: ProviderSpec[]; onPick: (spec: ProviderSpec) => void }) {
  return (
    <div className="catalog">
      {providers.map((spec) => (
        <div className="card" key={spec.id} data-provider={spec.id}>
          <h3>{spec.label}</h3>
          <p>{spec.description}</p>
          <div className="row">
            <HelpPopover spec={spec} />
            <button className="btn primary small" onClick={() => onPick(spec)} aria-label={`Add ${spec.label}`}>
              Add
            </button>
          </div>
        </div>
      ))}
    </div>
  );
}
