import { QueryClient } from "@tanstack/react-query";
import { describe, expect, it } from "vitest";
import type { HealthUpdate, Integration, Page } from "../api";
import { healthApplier } from "./healthEvents";

const row = (id: number, status: Integration["status"]): Integration => ({
  id, project_id: 1, project_name: "Default", provider: "http", name: `Service ${id}`, active: true, check_interval_s: 300,
  config: {}, secrets_set: [], status, last_checked_at: 1, last_latency_ms: 3, last_detail: "HTTP 200", last_error_kind: null,
  created_at: 0, updated_at: 0,
});

function setup() {
  const client = new QueryClient();
  const byName = ["integrations", { page: 1, per_page: 10, sort: "name", desc: false }];
  const byCheck = ["integrations", { page: 1, per_page: 10, sort: "last_checked", desc: true }];
  const page: Page<Integration> = { items: [row(1, "healthy"), row(2, "healthy")], total: 2, page: 1, per_page: 10 };
  client.setQueryData(byName, page);
  client.setQueryData(byCheck, { ...page, items: [row(3, "healthy")] });
  client.setQueryData(["history", 2], []);
  client.setQueryData(["history", 3], []);
  const stale = (key: unknown[]) => client.getQueryState(key)?.isInvalidated;
  return { client, byName, byCheck, page, stale };
}

describe("healthApplier", () => {
  it("refetches the lists that show a quiet result's row, without touching the rows", () => {
    const { client, byName, byCheck, page, stale } = setup();
    healthApplier(client)({ changed: [], checked: [2, 40] });
    expect(client.getQueryData(byName)).toBe(page);
    expect(stale(byName)).toBe(true);
    expect(stale(["history", 2])).toBe(true);
    expect(stale(["history", 3])).toBe(false);
    expect(stale(byCheck), "a list ordered by the last check moves with any result").toBe(true);
  });

  it("leaves lists alone when quiet results touch no row on them", () => {
    const { client, byName, stale } = setup();
    healthApplier(client)({ changed: [], checked: [40, 41] });
    expect(stale(byName)).toBe(false);
    expect(stale(["history", 2])).toBe(false);
  });

  it("shows a change of status in place at once and refetches every list", () => {
    const { client, byName, byCheck, page, stale } = setup();
    const failing = row(2, "unhealthy");
    const update: HealthUpdate = {
      integration: failing,
      result: { status: "unhealthy", latency_ms: 5, detail: "HTTP 500", error_kind: "http_status", checked_at: 2 },
      previous_status: "healthy",
    };
    healthApplier(client)({ changed: [update], checked: [1] });
    const shown = client.getQueryData<Page<Integration>>(byName);
    expect(shown?.items[1]).toEqual(failing);
    expect(shown?.items[0]).toBe(page.items[0]);
    expect(stale(byName)).toBe(true);
    expect(stale(byCheck)).toBe(true);
    expect(stale(["history", 3])).toBe(true);
  });
});
