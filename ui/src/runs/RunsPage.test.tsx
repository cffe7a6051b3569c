import { describe, expect, it } from "vitest";
import { render, screen } from "@testing-library/preact";
import type { Run } from "../bindings/Run";
import { Progress } from "./RunsPage";

function run(done: number, total: number | null): Run {
  return {
    id: 4, kind: "crm_sync", status: "running", title: "bitrix24 sync", project_id: 1, integration_id: 2, progress_done: done,
    progress_total: total, summary: null, error: null, created_at: 0, started_at: 0, finished_at: null, duration_ms: null,
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
