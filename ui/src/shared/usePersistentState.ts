import { useEffect, useState } from "react";

/** The value saved under `key`, merged over `initial` so new keys get defaults. */
export function readPersistent<T extends object>(key: string, initial: T): T {
  try {
    const stored = localStorage.getItem(key);
    return stored ? { ...initial, ...(JSON.parse(stored) as Partial<T>) } : initial;
  } catch {
    return initial;
  }
}

/** useState that survives restarts (localStorage), merged over `initial` so new keys get defaults. */
export function usePersistentState<T extends object>(key: string, initial: T) {
  const [value, setValue] = useState<T>(() => readPersistent(key, initial));
  useEffect(() => {
    localStorage.setItem(key, JSON.stringify(value));
  }, [key, value]);
  return [value, setValue] as const;
}
