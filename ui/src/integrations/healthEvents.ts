// What the UI does with the backend's batches of health results.
import type { Query, QueryClient } from "@tanstack/react-query";
import type { HealthBatch, Integration, IntegrationQuery, Page } from "../api";

/** Whether a cached integration list may show something a quiet result changed: a row of one of `ids`,
 * or an order by the last check. Lists not yet loaded (or of another shape) are refetched to be safe. */
function mayShow(query: Query, ids: Set<number>): boolean {
  const request = query.queryKey[1] as Partial<IntegrationQuery> | undefined;
  const page = query.state.data as Page<Integration> | undefined;
  if (!page?.items) return true;
  return request?.sort === "last_checked" || page.items.some((row) => ids.has(row.id));
}

/** Applies a batch of health results. Rows whose status changed take their new state in place at once,
 * then every integration list and history is refetched: a change of status moves rows between filters and
 * sort positions and changes the counts. Quiet results (ids only, at most one batch per 30 s) changed only
 * their rows' last check, so only the lists that show one of those rows (or sort by the last check) and
 * their histories are refetched — with a page of 10 of 1,000 integrations, a third of the batches touch
 * nothing on screen (docs/performance.md, session 12). */
export function healthApplier(queryClient: QueryClient) {
  return (batch: HealthBatch) => {
    if (batch.changed.length > 0) {
      const fresh = new Map<number, Integration>(batch.changed.map((u) => [u.integration.id, u.integration]));
      queryClient.setQueriesData<Page<Integration>>({ queryKey: ["integrations"] }, (page) =>
        page?.items?.some((i) => fresh.has(i.id)) ? { ...page, items: page.items.map((i) => fresh.get(i.id) ?? i) } : page,
      );
      void queryClient.invalidateQueries({ queryKey: ["integrations"] });
      void queryClient.invalidateQueries({ queryKey: ["history"] });
      return;
    }
    const ids = new Set(batch.checked);
    void queryClient.invalidateQueries({ queryKey: ["integrations"], predicate: (query) => mayShow(query, ids) });
    void queryClient.invalidateQueries({ queryKey: ["history"], predicate: (query) => ids.has(query.queryKey[1] as number) });
  };
}
