import { beforeEach, describe, expect, it } from "vitest";
import { render, screen, waitFor, within } from "@testing-library/preact";
import userEvent from "@testing-library/user-event";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { mockIPC } from "@tauri-apps/api/mocks";
import type { Template } from "../bindings/Template";
import type { TemplateQuery } from "../bindings/TemplateQuery";
import { TemplatesPage } from "./TemplatesPage";

function template(id: number, name: string, subject: string): Template {
  return { id, project_id: 1, name, subject, format: "html", body: "<p>Hi</p>", text_body: null, sample_data: "{}", created_at: 0, updated_at: 0 };
}

const templates = Array.from({ length: 25 }, (_, i) => template(i + 1, `Notice ${String(i + 1).padStart(2, "0")}`, "Hello"));
templates.push(template(26, "Заказ отправлен", "Ваш заказ"));

/** A backend that pages and searches `templates` by name or subject, ignoring case; records the queries. */
function backend() {
  const queries: TemplateQuery[] = [];
  mockIPC((cmd, args) => {
    if (cmd !== "list_templates") throw new Error(`unexpected command ${cmd}`);
    const query = (args as { query: TemplateQuery }).query;
    queries.push(query);
    const term = query.search?.toLowerCase();
    const items = templates.filter((t) => !term || t.name.toLowerCase().includes(term) || t.subject.toLowerCase().includes(term));
    const start = (query.page - 1) * query.per_page;
    return { items: items.slice(start, start + query.per_page), total: items.length, page: query.page, per_page: query.per_page };
  });
  return queries;
}

function renderPage() {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  render(
    <QueryClientProvider client={client}>
      <TemplatesPage projectId={null} />
    </QueryClientProvider>,
  );
}

describe("TemplatesPage", () => {
  beforeEach(() => localStorage.clear());

  it("searches once typing pauses, from page 1, and says when nothing matches", async () => {
    const queries = backend();
    const user = userEvent.setup();
    renderPage();
    await screen.findByText("Notice 01");
    await user.click(screen.getByRole("button", { name: "Next page" }));
    await screen.findByText("Notice 11");

    await user.type(screen.getByRole("searchbox", { name: "Search templates" }), "ЗАКАЗ");
    const table = await screen.findByRole("table", { name: "Templates" });
    await waitFor(() => expect(within(table).queryByText("Notice 11")).toBeNull());
    expect(within(table).getByText("Заказ отправлен")).toBeTruthy();
    // One query for the whole word, not one per key, and from the first page.
    const searched = queries.filter((q) => q.search !== undefined);
    expect(searched).toHaveLength(1);
    expect(searched[0]).toMatchObject({ search: "ЗАКАЗ", page: 1 });

    await user.clear(screen.getByRole("searchbox", { name: "Search templates" }));
    await user.type(screen.getByRole("searchbox", { name: "Search templates" }), "invoice");
    expect(await screen.findByRole("heading", { name: "No templates match “invoice”" })).toBeTruthy();
    await user.click(screen.getByRole("button", { name: "Clear the search" }));
    expect(await screen.findByText("Notice 01")).toBeTruthy();
    expect((screen.getByRole("searchbox", { name: "Search templates" }) as HTMLInputElement).value).toBe("");
  });
});
