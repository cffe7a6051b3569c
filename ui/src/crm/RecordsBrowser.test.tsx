import { describe, expect, it } from "vitest";
import { render, screen } from "@testing-library/preact";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { mockIPC } from "@tauri-apps/api/mocks";
import type { CrmRecord } from "../bindings/CrmRecord";
import { RecordsBrowser } from "./RecordsBrowser";

/** A record as `list_records` returns it. */
function deal(id: number, amount: number | null, currency: string | null): CrmRecord {
  return {
    id, system: currency ? "bitrix24" : "kommo", entity_type: "deal", external_id: String(id), name: `Deal ${id}`, pipeline: "1",
    pipeline_name: "Wholesale", stage: "C1:WON", stage_name: "Won", amount, currency, remote_updated_at: null, last_sync: 0, sync_status: "synced",
  };
}

/** An integration whose deals are `deals`, with no pipelines or stages synced. */
function renderRecords(deals: CrmRecord[], syncing = false) {
  mockIPC((cmd, args) => {
    if (cmd !== "list_records") throw new Error(`unexpected command ${cmd}`);
    const { query } = args as { query: { page: number; per_page: number; entity_type: string } };
    const items = query.entity_type === "deal" ? deals : [];
    return { items, total: items.length, page: query.page, per_page: query.per_page };
  });
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  render(
    <QueryClientProvider client={client}>
      <RecordsBrowser integrationId={7} syncing={syncing} />
    </QueryClientProvider>,
  );
}

const renderEmpty = (syncing: boolean) => renderRecords([], syncing);

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

  it("shows each amount in its deal's currency, and a bare amount where the CRM gives none", async () => {
    renderRecords([deal(1, 5920, "EUR"), deal(2, 1234.5, "USD"), deal(3, 60000, null), deal(4, null, "EUR")]);
    await screen.findByRole("cell", { name: "Deal 1" });
    const amounts = screen.getAllByRole("row").slice(1).map((row) => row.querySelectorAll("td")[4].textContent);
    const grouped = (n: number) => new Intl.NumberFormat(undefined, { maximumFractionDigits: 2 }).format(n);
    expect(amounts).toEqual([`${grouped(5920)} EUR`, `${grouped(1234.5)} USD`, grouped(60000), "—"]);
  });

  it("offers every synced stage, not only the first page of them", async () => {
    const stages = Array.from({ length: 130 }, (_, i): CrmRecord => ({
      ...deal(1000 + i, null, null), entity_type: "stage", name: `Stage ${String(i).padStart(3, "0")}`, external_id: `C1:S${i}`,
    }));
    mockIPC((cmd, args) => {
      if (cmd !== "list_records") throw new Error(`unexpected command ${cmd}`);
      const { query } = args as { query: { page: number; per_page: number; entity_type: string } };
      const all = query.entity_type === "stage" ? stages : [];
      const items = all.slice((query.page - 1) * query.per_page, query.page * query.per_page);
      return { items, total: all.length, page: query.page, per_page: query.per_page };
    });
    render(
      <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
        <RecordsBrowser integrationId={7} />
      </QueryClientProvider>,
    );
    expect(await screen.findByRole("option", { name: "Wholesale · Stage 129" })).toBeTruthy();
    const select = screen.getByRole("combobox", { name: "Stage" });
    expect(select.querySelectorAll("option").length).toBe(131);
  });
});
