import { useEffect, useRef, useState } from "react";
import { readPersistent } from "./persistent";

/** useState that survives restarts (localStorage), merged over `initial` so new keys get defaults.
 * Written when the value (or the key) changes, not on mount: the value it starts with is what the
 * storage already holds, or the defaults it falls back to — rewriting it cost the first screen ≈ 2.5 ms
 * of WebKit's storage work between the first paint and the ready mark (docs/performance.md, session 13). */
export function usePersistentState<T extends object>(key: string, initial: T) {
  const [value, setValue] = useState<T>(() => readPersistent(key, initial));
  const stored = useRef({ key, value });
  useEffect(() => {
    if (stored.current.key === key && stored.current.value === value) return;
    stored.current = { key, value };
    localStorage.setItem(key, JSON.stringify(value));
  }, [key, value]);
  return [value, setValue] as const;
}
