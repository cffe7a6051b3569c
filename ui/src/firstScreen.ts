// The first screen's data, asked for as the first thing the UI's script does: `main.ts` imports this
// module before any other, so the IPC runs while Preact, TanStack and the components are still being
// evaluated (docs/performance.md, session 10).
import { api } from "./api";
import { INITIAL_LIST_STATE, LIST_STATE_KEY, fetchPage, toQuery } from "./integrations/listState";
import { readPersistent } from "./shared/persistent";

/** The saved list state's first page over all projects (what the first render asks for until the
 * projects are known). */
const query = toQuery(readPersistent(LIST_STATE_KEY, INITIAL_LIST_STATE), null);

/** The first page of integrations and every project, already asked for. */
export const firstScreen = { query, page: fetchPage(query), projects: api.listProjects() };
