// The first screen's data, asked for as the first thing the UI's script does: `main.ts` imports this
// module before any other, so the IPC runs while Preact, TanStack and the components are still being
// evaluated (docs/performance.md, session 10). Everything the Integrations page shows is asked for here —
// the page, the count of active integrations ("Check all") and the provider catalogue (the provider
// column's names) — so that its first frame is complete, not patched a moment later (session 11).
import { api } from "./api";
import { INITIAL_LIST_STATE, LIST_STATE_KEY, fetchPage, toActiveQuery, toQuery } from "./integrations/listState";
import { readPersistent } from "./shared/persistent";

const state = readPersistent(LIST_STATE_KEY, INITIAL_LIST_STATE);

/** The saved list state's first page over all projects (what the first render asks for until the
 * projects are known), and the count of its active integrations. */
const query = toQuery(state, null);
const activeQuery = toActiveQuery(state, null);

/** The first screen's data, already asked for. */
export const firstScreen = {
  query,
  page: fetchPage(query),
  activeQuery,
  activeCount: api.listIntegrations(activeQuery),
  projects: api.listProjects(),
  providers: api.listProviders(),
};
