import { describe, expect, it } from "vitest";
import { render, screen } from "@testing-library/preact";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { mockIPC } from "@tauri-apps/api/mocks";
import type { Run } from "../bindings/Run";
import { Progress, RunsPage, runDuration } from "./RunsPage";

function run(done: number, total: number | null, changes: Partial<Run> = {}): Run {
  return {
    id: 4, kind: "crm_sync", status: "running", title: "Bitrix24 sync", project_id: 1, integration_id: 2, integration_name: "Clinic portal",
    progress_done: done, progress_total: total, summary: null, error: null, created_at: 0, started_at: 0, finished_at: null, duration_ms: null,
    ...changes,
  };
}

describe("Progress", () => {
  it("shows a bar and done/total when the total is known", () => {
    render(<Progress run={run(3, 12)} />);
    expect(screen.getByRole("progressbar", { name: "25% done" })).toBeTruthy();
    expect(screen.getByText(/3\/12/)).toBeTruthy();
  });

  it("says what a bare count is when the total is not known yet", () => {
    render(<Progress run={run(652, null)} />);
    expect(screen.queryByRole("progressbar")).toBeNull();
    expect(screen.getByText("652 done")).toBeTruthy();
  });
});

describe("runDuration", () => {
  it("gives an interrupted run's time to its last heartbeat as a lower bound, and no time before its first", () => {
    expect(runDuration(run(0, null, { status: "succeeded", duration_ms: 40_000 }))).toBe("40.0 s");
    expect(runDuration(run(0, null, { status: "interrupted", duration_ms: 40_000 }))).toBe("≥ 40.0 s");
    expect(runDuration(run(0, null, { status: "interrupted", duration_ms: 0 }))).toBe("—");
    expect(runDuration(run(0, null, { status: "running", duration_ms: null }))).toBe("—");
  });
});

describe("RunsPage", () => {
  it("names each run's integration, and says when it was deleted", async () => {
    const runs = [
      run(652, null),
      run(1, 1, { id: 3, kind: "n8n_trigger", title: "order.created → orders/new", integration_id: null, integration_name: null }),
      run(6, 6, { id: 2, kind: "health_check_all", title: "Check all — all projects", integration_id: null, integration_name: null }),
    ];
    mockIPC((cmd, args) => {
      if (cmd !== "list_runs") throw new Error(`unexpected command ${cmd}`);
      const { query } = args as { query: { page: number; per_page: number } };
      return { items: runs, total: runs.length, page: query.page, per_page: query.per_page };
    });
    render(
      <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
        <RunsPage projectId={null} />
      </QueryClientProvider>,
    );
    await screen.findByText("Bitrix24 sync");
    const titles = screen.getAllByRole("row").slice(1).map((row) => row.querySelectorAll("td")[2].textContent);
    expect(titles).toEqual(["Bitrix24 syncClinic portal", "order.created → orders/new(deleted integration)", "Check all — all projects"]);
  });
});
