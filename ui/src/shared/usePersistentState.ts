import { useEffect, useState } from "react";
import { readPersistent } from "./persistent";

/** useState that survives restarts (localStorage), merged over `initial` so new keys get defaults. */
export function usePersistentState<T extends object>(key: string, initial: T) {
  const [value, setValue] = useState<T>(() => readPersistent(key, initial));
  useEffect(() => {
    localStorage.setItem(key, JSON.stringify(value));
  }, [key, value]);
  return [value, setValue] as const;
}
