import { describe, expect, it } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/preact";
import userEvent from "@testing-library/user-event";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { mockIPC } from "@tauri-apps/api/mocks";
import type { Integration } from "../api";
import type { Route } from "../bindings/Route";
import { ToastProvider } from "../shared/toasts";
import { RoutesDialog } from "./RoutesDialog";

const n8n: Integration = {
  id: 7, project_id: 1, project_name: "Default", provider: "n8n", name: "Order automations", active: true, check_interval_s: 300,
  config: { base_url: "http://127.0.0.1:5678" }, secrets_set: [], status: "unknown",
  last_checked_at: null, last_latency_ms: null, last_detail: null, last_error_kind: null, created_at: 0, updated_at: 0,
};

function route(id: number, action_key: string): Route {
  return { id, integration_id: n8n.id, action_key, webhook_path: `hooks/${action_key}`, method: "POST", description: "", default_payload: null, workflow_id: null };
}

/** A backend holding `routes` that deletes like the real one and refuses every new route with `refusal`;
 * records the commands it was sent. */
function backend(routes: Route[], refusal?: { kind: string; field: string; message: string }) {
  const calls: string[] = [];
  mockIPC((cmd, args) => {
    calls.push(cmd);
    if (cmd === "list_routes") return routes;
    if (cmd === "add_route" && refusal) throw refusal;
    if (cmd === "update_route") {
      const { id, input } = args as { id: number; input: { action_key: string; webhook_path: string; method: string; description: string; default_payload: string } };
      if (refusal) throw refusal;
      const index = routes.findIndex((r) => r.id === id);
      routes[index] = { ...routes[index], ...input, default_payload: input.default_payload.trim() || null };
      return routes[index];
    }
    if (cmd === "delete_route") {
      const id = (args as { id: number }).id;
      routes.splice(routes.findIndex((r) => r.id === id), 1);
      return null;
    }
    throw new Error(`unexpected command ${cmd}`);
  });
  return calls;
}

function renderDialog(onClose = () => {}) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  render(
    <QueryClientProvider client={client}>
      <ToastProvider>
        <RoutesDialog integration={n8n} onClose={onClose} />
      </ToastProvider>
    </QueryClientProvider>,
  );
}

describe("RoutesDialog", () => {
  it("deletes a route only after the user confirms, and keeps it when they cancel", async () => {
    const calls = backend([route(1, "order.created"), route(2, "invoice.paid")]);
    const user = userEvent.setup();
    renderDialog();
    const table = await screen.findByRole("table", { name: "Routes" });
    await within(table).findByText("order.created");

    await user.click(screen.getByRole("button", { name: "Delete route order.created…" }));
    let confirm = screen.getByRole("dialog", { name: "Delete route order.created?" });
    await user.click(within(confirm).getByRole("button", { name: "Cancel" }));
    expect(screen.queryByRole("dialog", { name: "Delete route order.created?" })).toBeNull();
    expect(calls).not.toContain("delete_route");

    await user.click(screen.getByRole("button", { name: "Delete route order.created…" }));
    confirm = screen.getByRole("dialog", { name: "Delete route order.created?" });
    await user.click(within(confirm).getByRole("button", { name: "Delete route" }));
    await waitFor(() => expect(within(table).queryByText("order.created")).toBeNull());
    expect(calls.filter((c) => c === "delete_route")).toHaveLength(1);
    expect(within(table).getByText("invoice.paid")).toBeTruthy();
    expect(await screen.findByText("Route order.created deleted")).toBeTruthy();
  });

  it("shows a refusal under the field it is about, and any other field's in a toast, keeping the draft", async () => {
    backend([route(1, "order.created")], { kind: "conflict", field: "action_key", message: "action_key: this integration already has a route order.created" });
    const user = userEvent.setup();
    renderDialog();
    await screen.findByText("order.created");
    await user.type(screen.getByRole("textbox", { name: "Action key" }), "order.created");
    await user.type(screen.getByRole("textbox", { name: "Webhook path" }), "orders/again");
    await user.click(screen.getByRole("button", { name: "Add route" }));
    expect(await screen.findByText("This integration already has a route order.created")).toBeTruthy();
    expect((screen.getByRole("textbox", { name: "Webhook path" }) as HTMLInputElement).value).toBe("orders/again");

    cleanup();
    backend([], { kind: "validation", field: "method", message: "method: must be one of POST, GET, PUT, PATCH, DELETE" });
    renderDialog();
    await user.type(await screen.findByRole("textbox", { name: "Action key" }), "order.paid");
    await user.type(screen.getByRole("textbox", { name: "Webhook path" }), "orders/paid");
    await user.click(screen.getByRole("button", { name: "Add route" }));
    // No field of the form shows the method's error: it must not be lost.
    const toast = await screen.findByText("Could not add the route");
    expect(toast.parentElement?.textContent).toContain("The method must be one of POST, GET, PUT, PATCH, DELETE");
    expect((screen.getByRole("textbox", { name: "Action key" }) as HTMLInputElement).value).toBe("order.paid");
  });

  it("edits a route in place, and keeps the edit when the core refuses it", async () => {
    const routes = [route(1, "order.created"), route(2, "invoice.paid")];
    const calls = backend(routes, undefined);
    const user = userEvent.setup();
    renderDialog();
    const table = await screen.findByRole("table", { name: "Routes" });
    await within(table).findByText("order.created");

    await user.click(screen.getByRole("button", { name: "Edit route order.created…" }));
    let editor = screen.getByRole("form", { name: "Edit route order.created" });
    const save = within(editor).getByRole("button", { name: "Save route" }) as HTMLButtonElement;
    expect(save.disabled).toBe(true); // nothing changed yet
    const path = within(editor).getByRole("textbox", { name: /Webhook path/ });
    await user.clear(path);
    await user.type(path, "orders/v2");
    await user.selectOptions(within(editor).getByRole("combobox", { name: "Method" }), "PUT");
    // Set in one input event: user-event's typing of braces into a Preact-controlled textarea sometimes
    // drops the last one (its tracked value against the re-rendered one); the e2e story types it for real.
    fireEvent.input(within(editor).getByRole("textbox", { name: /Default payload/ }), { target: { value: '{"id": 1}' } });
    await user.click(save);
    expect(await screen.findByText("Route order.created saved")).toBeTruthy();
    await waitFor(() => expect(screen.queryByRole("form", { name: "Edit route order.created" })).toBeNull());
    expect(routes[0]).toMatchObject({ webhook_path: "orders/v2", method: "PUT", default_payload: '{"id": 1}' });
    expect(await within(table).findByText("PUT /webhook/orders/v2")).toBeTruthy();

    cleanup();
    backend(routes, { kind: "validation", field: "default_payload", message: "default_payload: is not valid JSON: EOF while parsing an object at line 1 column 1" });
    renderDialog();
    await user.click(await screen.findByRole("button", { name: "Edit route invoice.paid…" }));
    editor = screen.getByRole("form", { name: "Edit route invoice.paid" });
    await user.type(within(editor).getByRole("textbox", { name: /Default payload/ }), "{{");
    await user.click(within(editor).getByRole("button", { name: "Save route" }));
    expect(await within(editor).findByText("The default payload is not valid JSON: EOF while parsing an object at line 1 column 1")).toBeTruthy();
    expect((within(editor).getByRole("textbox", { name: /Default payload/ }) as HTMLTextAreaElement).value).toBe("{");
    expect(routes[1].default_payload).toBeNull();

    await user.click(within(editor).getByRole("button", { name: "Cancel" }));
    expect(screen.queryByRole("form", { name: "Edit route invoice.paid" })).toBeNull();
    expect(calls.filter((c) => c === "update_route")).toHaveLength(1);
  });

  it("asks before Escape closes it with an unsaved route edit, and closes at once without one", async () => {
    backend([route(1, "order.created")]);
    const user = userEvent.setup();
    let closed = 0;
    renderDialog(() => closed++);
    await user.click(await screen.findByRole("button", { name: "Edit route order.created…" }));
    const editor = screen.getByRole("form", { name: "Edit route order.created" });
    expect(document.activeElement).toBe(within(editor).getByRole("textbox", { name: "Action key" }));
    await user.type(within(editor).getByRole("textbox", { name: /Description/ }), "New order");
    await user.keyboard("{Escape}");
    const confirm = screen.getByRole("dialog", { name: "Discard changes?" });
    expect(closed).toBe(0);
    await user.click(within(confirm).getByRole("button", { name: "Cancel" }));
    expect((within(editor).getByRole("textbox", { name: /Description/ }) as HTMLInputElement).value).toBe("New order");

    await user.click(within(editor).getByRole("button", { name: "Cancel" }));
    await user.keyboard("{Escape}");
    expect(closed).toBe(1);
  });

  it("asks before another route's editor or Trigger panel replaces an unsaved route edit", async () => {
    backend([route(1, "order.created"), route(2, "invoice.paid")]);
    const user = userEvent.setup();
    renderDialog();
    await user.click(await screen.findByRole("button", { name: "Edit route order.created…" }));
    const editor = screen.getByRole("form", { name: "Edit route order.created" });
    await user.type(within(editor).getByRole("textbox", { name: /Description/ }), "New order");

    await user.click(screen.getByRole("button", { name: "Edit route invoice.paid…" }));
    let confirm = screen.getByRole("dialog", { name: "Discard changes?" });
    await user.click(within(confirm).getByRole("button", { name: "Cancel" }));
    expect(screen.queryByRole("form", { name: "Edit route invoice.paid" })).toBeNull();
    expect((within(editor).getByRole("textbox", { name: /Description/ }) as HTMLInputElement).value).toBe("New order");

    const [triggerFirst] = screen.getAllByRole("button", { name: "Trigger…" });
    await user.click(triggerFirst);
    confirm = screen.getByRole("dialog", { name: "Discard changes?" });
    await user.click(within(confirm).getByRole("button", { name: "Cancel" }));
    expect(screen.getByRole("form", { name: "Edit route order.created" })).toBe(editor);

    await user.click(screen.getByRole("button", { name: "Edit route invoice.paid…" }));
    await user.click(within(screen.getByRole("dialog", { name: "Discard changes?" })).getByRole("button", { name: "Discard" }));
    expect(screen.queryByRole("form", { name: "Edit route order.created" })).toBeNull();
    const second = screen.getByRole("form", { name: "Edit route invoice.paid" });
    expect((within(second).getByRole("textbox", { name: /Description/ }) as HTMLInputElement).value).not.toContain("New order");

    // Nothing typed in this one: the Trigger panel replaces it without asking.
    await user.click(screen.getAllByRole("button", { name: "Trigger…" })[1]);
    expect(screen.queryByRole("dialog", { name: "Discard changes?" })).toBeNull();
    expect(screen.queryByRole("form", { name: "Edit route invoice.paid" })).toBeNull();
  });
});
