// Values kept across restarts in localStorage. No React here: the first screen's request
// (src/firstScreen.ts) reads the saved list state before the UI's other modules are evaluated.

/** The value saved under `key`, merged over `initial` so new keys get defaults. */
export function readPersistent<T extends object>(key: string, initial: T): T {
  try {
    const stored = localStorage.getItem(key);
    return stored ? { ...initial, ...(JSON.parse(stored) as Partial<T>) } : initial;
  } catch {
    return initial;
  }
}
