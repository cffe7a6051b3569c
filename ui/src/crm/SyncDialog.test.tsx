import { describe, expect, it } from "vitest";
import { render, screen } from "@testing-library/preact";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { mockIPC } from "@tauri-apps/api/mocks";
import type { Integration } from "../bindings/Integration";
import type { Run } from "../bindings/Run";
import type { RunQuery } from "../bindings/RunQuery";
import { ToastProvider } from "../shared/toasts";
import { SyncDialog } from "./SyncDialog";

const kommo: Integration = {
  id: 7, project_id: 1, project_name: "Acme", provider: "kommo", name: "Acme CRM", active: true, check_interval_s: 300,
  config: { subdomain: "acme" }, secrets_set: ["token"], status: "healthy", last_checked_at: null, last_latency_ms: null,
  last_detail: null, last_error_kind: null, created_at: 0, updated_at: 0,
};

function sync(id: number, integrationId: number, status: Run["status"]): Run {
  return {
    id, kind: "crm_sync", status, title: "Kommo (amoCRM) sync: deals (full)", project_id: 1, integration_id: integrationId, integration_name: null,
    progress_done: 250, progress_total: null, summary: "250 fetched: 250 created, 0 updated, 0 unchanged, 0 failed", error: status === "interrupted" ? "Patchbay stopped while this run was in progress" : null,
    created_at: 0, started_at: 0, finished_at: 0, duration_ms: 0,
  };
}

describe("SyncDialog", () => {
  it("offers to resume the integration's interrupted sync, however many syncs of other integrations came after it", async () => {
    // 150 newer syncs of other integrations, then this one's interrupted run: a backend answering like the real one.
    const runs = [...Array.from({ length: 150 }, (_, i) => sync(1000 - i, 8 + (i % 5), "succeeded")), sync(3, kommo.id, "interrupted")];
    mockIPC((cmd, args) => {
      const payload = args as { query: RunQuery & { page: number; per_page: number } };
      switch (cmd) {
        case "list_runs": {
          const matching = runs.filter((run) => payload.query.integration_id === undefined || run.integration_id === payload.query.integration_id);
          return { items: matching.slice(0, payload.query.per_page), total: matching.length, page: 1, per_page: payload.query.per_page };
        }
        case "list_records":
          return { items: [], total: 0, page: 1, per_page: payload.query.per_page };
        case "get_sync_schedule":
          return null;
        default:
          throw new Error(`unexpected command ${cmd}`);
      }
    });
    render(
      <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
        <ToastProvider>
          <SyncDialog integration={kommo} onClose={() => {}} />
        </ToastProvider>
      </QueryClientProvider>,
    );
    expect(await screen.findByRole("button", { name: "Resume sync" })).toBeTruthy();
    expect(screen.getByText("interrupted")).toBeTruthy();
    expect(screen.getByText("Patchbay stopped while this run was in progress")).toBeTruthy();
  });
});
