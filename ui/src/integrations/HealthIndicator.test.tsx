import { describe, expect, it } from "vitest";
import { fireEvent, render, screen } from "@testing-library/preact";
import type { Integration } from "../api";
import { GRACE_MS, HealthIndicator } from "./HealthIndicator";

const NOW = Date.UTC(2026, 11, 7, 12, 0, 0);

function checked(agoMs: number): Integration {
  return {
    id: 1, project_id: 1, project_name: "Default", provider: "http", name: "API", active: true, check_interval_s: 300,
    config: {}, secrets_set: [], status: "healthy", last_checked_at: NOW - agoMs, last_latency_ms: 42, last_detail: "answered HTTP 200",
    last_error_kind: null, created_at: NOW, updated_at: NOW,
  };
}

describe("HealthIndicator", () => {
  it("says a result within its interval plainly", () => {
    render(<HealthIndicator integration={checked(60_000)} now={NOW} />);
    const indicator = screen.getByRole("img");
    expect(indicator.getAttribute("aria-label")).toBe("Healthy");
    fireEvent.pointerEnter(indicator);
    expect(indicator.getAttribute("title")).not.toContain("Overdue");
  });

  it("says a result older than its interval plus the grace is overdue, not only by fading it", () => {
    render(<HealthIndicator integration={checked(300_000 + GRACE_MS + 1_000)} now={NOW} />);
    const indicator = screen.getByRole("img");
    expect(indicator.getAttribute("aria-label")).toBe("Healthy (overdue)");
    expect(indicator.className).toContain("stale");
    fireEvent.pointerEnter(indicator);
    expect(indicator.getAttribute("title")).toContain("Overdue: not checked within its interval");
  });
});
