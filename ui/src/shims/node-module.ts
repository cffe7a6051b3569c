// Browser stand-ins for the three Node built-ins the `caniemail` package touches (see vite.config.ts):
// it loads its data with `createRequire(import.meta.url)("../data/caniemail.json")`, and micromatch asks
// `path` for the separator and `util` to format an error. Only the lazily loaded compatibility chunk
// uses them.
import data from "caniemail/caniemail.json";

export function createRequire() {
  return () => data;
}
