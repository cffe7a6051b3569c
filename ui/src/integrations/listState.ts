// The Integrations list's state (page, sort, filters) and how it becomes a backend query, without React:
// the first screen's request (src/firstScreen.ts) is built from it before the UI's components are evaluated.
import { api, type IntegrationQuery } from "../api";
import type { HealthStatus } from "../bindings/HealthStatus";
import type { PageMarks } from "../bindings/PageMarks";
import type { SortKey } from "../bindings/SortKey";

export interface ListState {
  page: number;
  perPage: number;
  sort: SortKey;
  desc: boolean;
  provider: string;
  status: "" | HealthStatus;
  active: "" | "true" | "false";
  search: string;
}
export const INITIAL_LIST_STATE: ListState = { page: 1, perPage: 10, sort: "name", desc: false, provider: "", status: "", active: "", search: "" };

/** Where the list state is saved (localStorage). */
export const LIST_STATE_KEY = "patchbay.integrations.list";

/** The backend query for a list state and project filter. */
export function toQuery(state: ListState, projectId: number | null): IntegrationQuery {
  return {
    page: state.page,
    per_page: state.perPage,
    sort: state.sort,
    desc: state.desc,
    ...(projectId !== null && { project_id: projectId }),
    ...(state.provider && { provider: state.provider }),
    ...(state.status && { status: state.status }),
    ...(state.active && { active: state.active === "true" }),
    ...(state.search.trim() && { search: state.search.trim() }),
  };
}

/** The query that counts the active integrations in a list state's view (its filters, active only): what
 * "Check all" would check. */
export function toActiveQuery(state: ListState, projectId: number | null): IntegrationQuery {
  return toQuery({ ...state, active: "true", page: 1, perPage: 1 }, projectId);
}

/** The startup log's marks that the list takes (ms since the page started loading). */
export const startup: { script: number; request?: number; data?: number; readySent: boolean } = {
  script: performance.now(),
  readySent: false,
};

/** Fetches one page of integrations (and notes when the first one was asked for, for the startup log). */
export function fetchPage(query: IntegrationQuery) {
  if (startup.readySent || startup.request !== undefined) return api.listIntegrations(query);
  startup.request = performance.now();
  return api.listIntegrations(query).finally(() => (startup.data ??= performance.now()));
}

/** The marks sent with `ui_ready` once the first list was painted. */
export function pageMarks(committed: number): PageMarks {
  return { script: startup.script, request: startup.request ?? null, data: startup.data ?? null, committed, painted: performance.now() };
}
