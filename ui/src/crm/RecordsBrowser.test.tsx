import { describe, expect, it } from "vitest";
import { render, screen } from "@testing-library/preact";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { mockIPC } from "@tauri-apps/api/mocks";
import { RecordsBrowser } from "./RecordsBrowser";

/** An integration with nothing synced: every `list_records` answers an empty page. */
function renderEmpty(syncing: boolean) {
  mockIPC((cmd, args) => {
    if (cmd !== "list_records") throw new Error(`unexpected command ${cmd}`);
    const { query } = args as { query: { page: number; per_page: number } };
    return { items: [], total: 0, page: query.page, per_page: query.per_page };
  });
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  render(
    <QueryClientProvider client={client}>
      <RecordsBrowser integrationId={7} syncing={syncing} />
    </QueryClientProvider>,
  );
}

describe("RecordsBrowser", () => {
  it("asks for a sync when nothing is synced and none runs", async () => {
    renderEmpty(false);
    expect(await screen.findByText("Nothing synced yet — start a sync above.")).toBeTruthy();
  });

  it("does not ask for a sync while one runs", async () => {
    renderEmpty(true);
    expect(await screen.findByText("Nothing stored yet — the sync above saves its records page by page.")).toBeTruthy();
    expect(screen.queryByText(/start a sync above/)).toBeNull();
  });
});
