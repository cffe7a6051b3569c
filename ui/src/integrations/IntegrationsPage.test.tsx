import { describe, expect, it } from "vitest";
import { render, screen, waitFor, within } from "@testing-library/preact";
import userEvent from "@testing-library/user-event";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { mockIPC } from "@tauri-apps/api/mocks";
import type { Integration, IntegrationQuery, ProviderSpec } from "../api";
import { ToastProvider } from "../shared/toasts";
import { IntegrationsPage } from "./IntegrationsPage";
import { INITIAL_LIST_STATE, toQuery } from "./listState";

const providers: ProviderSpec[] = [
  {
    id: "http",
    label: "HTTP endpoint",
    description: "Any web service.",
    setup_steps: ["Enter the URL to probe."],
    fields: [
      { name: "url", label: "URL", kind: { type: "url" }, required: true, secret: false, default: null, placeholder: null, help: "Absolute URL." },
      { name: "method", label: "Method", kind: { type: "choice", options: ["GET", "HEAD"] }, required: true, secret: false, default: "GET", placeholder: null, help: "Method." },
    ],
  },
  {
    id: "n8n",
    label: "n8n",
    description: "Workflows.",
    setup_steps: ["Open Settings → n8n API."],
    fields: [
      { name: "base_url", label: "Base URL", kind: { type: "url" }, required: true, secret: false, default: null, placeholder: null, help: "Where n8n runs." },
      { name: "api_key", label: "API key", kind: { type: "text" }, required: false, secret: true, default: null, placeholder: null, help: "Key." },
    ],
  },
];

function integration(id: number, name: string, extra: Partial<Integration> = {}): Integration {
  return {
    id, project_id: 1, project_name: "Default", provider: "http", name, active: true, check_interval_s: 300,
    config: { url: "https://example.com", method: "GET" }, secrets_set: [], status: "unknown",
    last_checked_at: null, last_latency_ms: null, last_detail: null, last_error_kind: null,
    created_at: Date.now(), updated_at: Date.now(), ...extra,
  };
}

/** A fake backend holding `rows`, answering list queries like the real one (for the fields used here).
 * While `hold` is set, list queries wait for it. */
function backend(rows: Integration[], hold: { until?: Promise<void> } = {}) {
  const calls: { cmd: string; args: Record<string, unknown> }[] = [];
  mockIPC(async (cmd, args) => {
    const payload = (args ?? {}) as Record<string, unknown>;
    calls.push({ cmd, args: payload });
    if (cmd === "list_integrations" && hold.until) await hold.until;
    switch (cmd) {
      case "list_providers":
        return providers;
      case "list_integrations": {
        const query = payload.query as IntegrationQuery;
        let items = rows.filter((r) => !query.search || r.name.toLowerCase().includes(query.search.toLowerCase()));
        if (query.active !== undefined) items = items.filter((r) => r.active === query.active);
        items = [...items].sort((a, b) => a.name.localeCompare(b.name) * (query.desc ? -1 : 1));
        const start = (query.page - 1) * query.per_page;
        return { items: items.slice(start, start + query.per_page), total: items.length, page: query.page, per_page: query.per_page };
      }
      case "create_integration": {
        const input = payload.input as { name: string; config: Record<string, string> };
        if (input.name === "Legacy") {
          throw { kind: "validation", field: "webhook_secret", message: "webhook_secret: is not a field of n8n; expected one of: base_url, api_key" };
        }
        if (!input.config.base_url?.startsWith("http")) {
          throw { kind: "validation", field: "base_url", message: "base_url: must start with http:// or https://" };
        }
        const created = integration(rows.length + 100, input.name, { provider: "n8n", secrets_set: ["api_key"] });
        rows.push(created);
        return created;
      }
      case "delete_integration": {
        const index = rows.findIndex((r) => r.id === payload.id);
        rows.splice(index, 1);
        return null;
      }
      case "reveal_secret":
        return "revealed-key";
      case "check_all":
        return { total: rows.length, healthy: rows.length - 1, degraded: 0, unhealthy: 1, errors: 0, elapsed_ms: 1200 };
      case "test_integration": {
        const row = rows.find((r) => r.id === payload.id)!;
        if (payload.force === false && row.name === "Busy") {
          throw { kind: "rate_limited", message: "testing integration 1 (10 per minute) is rate limited; retry in 42 s" };
        }
        const result = { status: "unhealthy", latency_ms: 12, detail: "answered HTTP 503", error_kind: "http_status", checked_at: Date.now() };
        return { update: { integration: { ...row, status: "unhealthy" }, result, previous_status: row.status }, cached: false };
      }
      default:
        throw { kind: "internal", message: `unexpected ${cmd}` };
    }
  });
  return calls;
}

function renderPage(client = new QueryClient({ defaultOptions: { queries: { retry: false } } })) {
  return render(
    <QueryClientProvider client={client}>
      <ToastProvider>
        <IntegrationsPage projectId={null} projects={[{ id: 1, name: "Default", integration_count: 0, created_at: 0 }]} />
      </ToastProvider>
    </QueryClientProvider>,
  );
}

describe("toQuery", () => {
  it("sends only the filters that are set and the project when one is chosen", () => {
    expect(toQuery(INITIAL_LIST_STATE, null)).toEqual({ page: 1, per_page: 10, sort: "name", desc: false });
    expect(toQuery({ ...INITIAL_LIST_STATE, status: "unhealthy", active: "false", search: "  crm " }, 3)).toEqual({
      page: 1, per_page: 10, sort: "name", desc: false, project_id: 3, status: "unhealthy", active: false, search: "crm",
    });
  });
});

describe("IntegrationsPage", () => {
  it("shows an empty state that opens the provider catalog", async () => {
    backend([]);
    renderPage();
    const user = userEvent.setup();
    await user.click(await screen.findByRole("button", { name: "Add your first integration" }));
    const dialog = screen.getByRole("dialog", { name: "Add an integration" });
    expect(within(dialog).getByText("HTTP endpoint")).toBeTruthy();
  });

  it("pages through rows, shows the range, and resets to page 1 on a filter change", async () => {
    const rows = Array.from({ length: 23 }, (_, i) => integration(i + 1, `Service ${String(i + 1).padStart(2, "0")}`));
    const calls = backend(rows);
    renderPage();
    const user = userEvent.setup();
    expect((await screen.findByTestId("showing")).textContent).toBe("Showing 1–10 of 23");
    await user.click(screen.getByRole("button", { name: "Next page" }));
    await waitFor(() => expect(screen.getByTestId("showing").textContent).toBe("Showing 11–20 of 23"));
    // The rows follow when page 2 arrives (page 1 stays on screen, busy, until then).
    expect(await screen.findByText("Service 11")).toBeTruthy();
    await user.type(screen.getByRole("searchbox", { name: "Search integrations" }), "Service 2");
    await waitFor(() => expect(screen.getByTestId("showing").textContent).toBe("Showing 1–4 of 4"));
    const last = calls.filter((c) => c.cmd === "list_integrations").at(-1)!;
    expect(last.args.query).toMatchObject({ page: 1, search: "Service 2" });
    expect(JSON.parse(localStorage.getItem("patchbay.integrations.list")!)).toMatchObject({ search: "Service 2", page: 1 });
  });

  it("marks the list busy while another page loads, not while the same page refreshes", async () => {
    const rows = Array.from({ length: 23 }, (_, i) => integration(i + 1, `Service ${String(i + 1).padStart(2, "0")}`));
    const hold: { until?: Promise<void> } = {};
    const calls = backend(rows, hold);
    const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
    renderPage(client);
    const user = userEvent.setup();
    await screen.findByText("Service 01");
    const table = screen.getByRole("table", { name: "Integrations" });
    const lists = () => calls.filter((c) => c.cmd === "list_integrations").length;
    let release = () => {};
    // A background refresh (what a batch of health results starts): the rows stay and are not busy.
    hold.until = new Promise((resolve) => (release = resolve));
    const before = lists();
    void client.invalidateQueries({ queryKey: ["integrations"] });
    await waitFor(() => expect(lists()).toBeGreaterThan(before));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(table.getAttribute("aria-busy")).not.toBe("true");
    release();
    // Another page: page 1's rows stay on screen, marked busy, until page 2 arrives.
    hold.until = new Promise((resolve) => (release = resolve));
    await user.click(screen.getByRole("button", { name: "Next page" }));
    await waitFor(() => expect(table.getAttribute("aria-busy")).toBe("true"));
    expect(screen.getByText("Service 01")).toBeTruthy();
    release();
    hold.until = undefined;
    expect(await screen.findByText("Service 11")).toBeTruthy();
    await waitFor(() => expect(table.getAttribute("aria-busy")).not.toBe("true"));
  });

  it("toggles the sort direction when a column header is clicked", async () => {
    backend([integration(1, "alpha"), integration(2, "bravo")]);
    renderPage();
    const user = userEvent.setup();
    await screen.findByText("alpha");
    const rowsBefore = screen.getAllByRole("row").slice(1).map((r) => r.getAttribute("data-integration-id"));
    expect(rowsBefore).toEqual(["1", "2"]);
    await user.click(screen.getByRole("button", { name: /Name/ }));
    await waitFor(() => expect(screen.getAllByRole("row")[1].getAttribute("data-integration-id")).toBe("2"));
    expect(screen.getByRole("columnheader", { name: /Name/ }).getAttribute("aria-sort")).toBe("descending");
  });

  it("shows the backend's validation error next to its field and keeps the input", async () => {
    backend([]);
    renderPage();
    const user = userEvent.setup();
    await user.click(await screen.findByRole("button", { name: "Add your first integration" }));
    await user.click(screen.getByRole("button", { name: "Add n8n" }));
    await user.type(await screen.findByLabelText("Name"), "Flows"); // the form loads on first use
    await user.type(screen.getByLabelText(/Base URL/), "n8n.local");
    await user.type(screen.getByLabelText(/API key/, { selector: "input" }), "secret-key");
    await user.click(screen.getByRole("button", { name: "Create integration" }));
    expect((await screen.findByText("Base URL must start with http:// or https://")).id).toBe("base_url-error");
    expect((screen.getByLabelText(/Base URL/) as HTMLInputElement).value).toBe("n8n.local");
    expect((screen.getByLabelText(/API key/, { selector: "input" }) as HTMLInputElement).type).toBe("password");
    await user.click(screen.getByRole("button", { name: "Show API key" }));
    expect((screen.getByLabelText(/API key/, { selector: "input" }) as HTMLInputElement).type).toBe("text");
  });

  it("shows a refusal about a field the form lacks above the form, keeping the input", async () => {
    backend([]);
    renderPage();
    const user = userEvent.setup();
    await user.click(await screen.findByRole("button", { name: "Add your first integration" }));
    await user.click(screen.getByRole("button", { name: "Add n8n" }));
    await user.type(await screen.findByLabelText("Name"), "Legacy");
    await user.type(screen.getByLabelText(/Base URL/), "http://127.0.0.1:5678");
    await user.click(screen.getByRole("button", { name: "Create integration" }));
    const form = screen.getByRole("dialog", { name: "Add n8n" });
    expect((await within(form).findByRole("alert")).textContent).toBe("Webhook secret is not a field of n8n; expected one of: base_url, api_key");
    expect((screen.getByLabelText("Name") as HTMLInputElement).value).toBe("Legacy");
  });

  it("asks for confirmation before deleting, then deletes and toasts", async () => {
    const calls = backend([integration(1, "Old hook")]);
    renderPage();
    const user = userEvent.setup();
    await user.click(await screen.findByRole("button", { name: "More actions for Old hook" }));
    await user.click(screen.getByRole("menuitem", { name: "Delete…" }));
    expect(calls.some((c) => c.cmd === "delete_integration")).toBe(false);
    const confirm = screen.getByRole("dialog", { name: "Delete Old hook?" });
    await user.click(within(confirm).getByRole("button", { name: "Delete" }));
    expect(await screen.findByText("Deleted Old hook")).toBeTruthy();
    expect(calls.filter((c) => c.cmd === "delete_integration")).toHaveLength(1);
    expect(await screen.findByText("No integrations yet")).toBeTruthy();
  });

  it("closes a help popover with Escape without closing the catalog", async () => {
    backend([]);
    renderPage();
    const user = userEvent.setup();
    await user.click(await screen.findByRole("button", { name: "Add your first integration" }));
    await user.click(screen.getByRole("button", { name: "How to set up n8n" }));
    expect(screen.getByText("Open Settings → n8n API.")).toBeTruthy();
    await user.keyboard("{Escape}");
    expect(screen.queryByText("Open Settings → n8n API.")).toBeNull();
    expect(screen.getByRole("dialog", { name: "Add an integration" })).toBeTruthy();
  });
});

describe("health actions", () => {
  it("disables Check all with a reason when nothing in view is active", async () => {
    backend([integration(1, "Off", { active: false })]);
    renderPage();
    await screen.findByText("Off");
    const button = await screen.findByRole("button", { name: "Check all" });
    await waitFor(() => expect((button as HTMLButtonElement).disabled).toBe(true));
    expect(button.getAttribute("title")).toBe("No active integrations in this view to check");
  });

  it("does not say nothing is active while the count has not come", async () => {
    const rows = [integration(1, "Counted later")];
    mockIPC((cmd, args) => {
      const query = (args as { query?: IntegrationQuery } | undefined)?.query;
      if (cmd === "list_providers") return providers;
      // The count of active integrations never answers; the page itself does.
      if (cmd === "list_integrations" && query?.active === true) return new Promise(() => {});
      if (cmd === "list_integrations") return { items: rows, total: rows.length, page: 1, per_page: 10 };
      return null;
    });
    renderPage();
    await screen.findByText("Counted later");
    const button = screen.getByRole("button", { name: "Check all" }) as HTMLButtonElement;
    expect(button.disabled).toBe(false);
    expect(button.getAttribute("title")).toBe("Check the active integrations in this view");
    expect(screen.queryByText("No active integrations to check")).toBeNull();
  });

  it("runs Check all over the current filter and shows the summary", async () => {
    const calls = backend([integration(1, "A"), integration(2, "B")]);
    renderPage();
    const user = userEvent.setup();
    const button = await screen.findByRole("button", { name: "Check all" });
    await waitFor(() => expect((button as HTMLButtonElement).disabled).toBe(false));
    await user.click(button);
    expect(await screen.findByText("Checked 2 integrations")).toBeTruthy();
    expect(screen.getByText("1 healthy, 1 unhealthy in 1.2 s")).toBeTruthy();
    expect(calls.find((c) => c.cmd === "check_all")!.args.query).toMatchObject({ sort: "name", page: 1 });
  });

  it("tests one integration and reports a rate limit clearly", async () => {
    backend([integration(1, "Api"), integration(2, "Busy")]);
    renderPage();
    const user = userEvent.setup();
    await user.click(await screen.findByRole("button", { name: "Test Api" }));
    expect(await screen.findByText("Api: unhealthy")).toBeTruthy();
    expect(screen.getByText(/answered HTTP 503 — 12 ms/)).toBeTruthy();
    await user.click(screen.getByRole("button", { name: "Test Busy" }));
    expect(await screen.findByText(/retry in 42 s/)).toBeTruthy();
  });
});
