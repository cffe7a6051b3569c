import { useState, type ReactNode } from "react";

/** Tooltip props whose text is made when the pointer or keyboard focus reaches the element, not at
 * render: the full local date (`toLocaleString`) loads the engine's locale data (ICU, ≈ 3 MiB of the
 * web process and its start-up), which a list of timestamps nobody hovers need not pay for. */
export function useLazyTitle(make: () => string) {
  const [title, setTitle] = useState<string>();
  const fill = () => setTitle(make());
  // Focus does not bubble: the capture phase also sees a focused child (a button inside the element).
  return { title, onPointerEnter: fill, onFocusCapture: fill };
}

/** `children` (e.g. "5 min ago") with the full local date and time of `at` (unix ms) as its tooltip. */
export function LocalTime({ at, children }: { at: number; children: ReactNode }) {
  return <span {...useLazyTitle(() => new Date(at).toLocaleString())}>{children}</span>;
}
