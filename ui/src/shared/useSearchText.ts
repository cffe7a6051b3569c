import { useEffect, useState } from "react";

/** How long typing must pause before a search is run, ms: one query per word typed, not per key. */
export const SEARCH_PAUSE_MS = 250;

/** A search field's text, which the field shows at once, and `commit`ted — the list asked for it — once
 * typing has paused for [`SEARCH_PAUSE_MS`]. `committed` is the search the list has now (from saved state); the
 * field starts with it. */
export function useSearchText(committed: string, commit: (text: string) => void): [string, (text: string) => void] {
  const [text, setText] = useState(committed);
  useEffect(() => {
    if (text === committed) return;
    const timer = setTimeout(() => commit(text), SEARCH_PAUSE_MS);
    return () => clearTimeout(timer);
    // Only a new keystroke restarts the pause; `commit` is a new function on every render.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [text]);
  return [text, setText];
}
