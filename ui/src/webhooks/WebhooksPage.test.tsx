import { beforeEach, describe, expect, it } from "vitest";
import { cleanup, render, screen, within } from "@testing-library/preact";
import userEvent from "@testing-library/user-event";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { mockIPC } from "@tauri-apps/api/mocks";
import type { Endpoint } from "../bindings/Endpoint";
import { ToastProvider } from "../shared/toasts";
import { WebhooksPage } from "./WebhooksPage";

/** A backend holding `endpoints` that refuses a URL without a scheme as the core does; records the updates. */
function backend(endpoints: Endpoint[]) {
  const updates: { id: number; update: Record<string, unknown> }[] = [];
  mockIPC((cmd, args) => {
    const payload = (args ?? {}) as { id: number; update: Record<string, unknown> & Endpoint };
    switch (cmd) {
      case "list_endpoints":
        return endpoints;
      case "list_deliveries":
        return { items: [], total: 0, page: 1, per_page: 25 };
      case "update_endpoint": {
        updates.push({ id: payload.id, update: payload.update });
        const { update } = payload;
        if (!/^https?:\/\//.test(update.url)) throw { kind: "validation", field: "url", message: `url: must start with http:// or https://; got \`${update.url}\`` };
        const index = endpoints.findIndex((e) => e.id === payload.id);
        const has_secret = update.secret !== undefined || (endpoints[index].has_secret && !update.remove_secret);
        endpoints[index] = { ...endpoints[index], name: update.name, url: update.url, headers: update.headers, events: update.events, has_secret };
        return endpoints[index];
      }
      default:
        throw new Error(`unexpected command ${cmd}`);
    }
  });
  return updates;
}

function renderPage() {
  render(
    <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
      <ToastProvider>
        <WebhooksPage />
      </ToastProvider>
    </QueryClientProvider>,
  );
}

const audit: Endpoint = { id: 3, name: "Audit trail", url: "https://audit.example/hooks", headers: "", events: [], has_secret: true, active: true };

describe("WebhooksPage", () => {
  beforeEach(() => localStorage.clear());

  it("edits an endpoint in place, keeping the stored secret unless asked, and the edit when refused", async () => {
    const updates = backend([{ ...audit }]);
    const user = userEvent.setup();
    renderPage();
    await user.click(await screen.findByRole("button", { name: "Edit Audit trail…" }));
    let form = screen.getByRole("form", { name: "Edit endpoint Audit trail" });
    const secret = within(form).getByLabelText(/Signing secret/) as HTMLInputElement;
    expect(secret.value).toBe("");
    expect(secret.placeholder).toContain("stored in the keychain");
    const url = within(form).getByLabelText("URL") as HTMLInputElement;
    await user.clear(url);
    await user.type(url, "ftp://audit.example/v2");
    await user.click(within(form).getByRole("button", { name: "Save endpoint" }));
    expect(await within(form).findByText("The URL must start with http:// or https://; got `ftp://audit.example/v2`")).toBeTruthy();
    expect(url.getAttribute("aria-invalid")).toBe("true");
    expect(url.value).toBe("ftp://audit.example/v2");

    await user.clear(url);
    await user.type(url, "https://audit.example/v2");
    await user.click(within(form).getByRole("button", { name: "Save endpoint" }));
    expect(await screen.findByText("Endpoint Audit trail saved")).toBeTruthy();
    expect(updates[1]).toEqual({ id: 3, update: { name: "Audit trail", url: "https://audit.example/v2", headers: "", events: [], remove_secret: false } });
    expect(await screen.findByText("https://audit.example/v2")).toBeTruthy();
    expect(screen.queryByRole("form", { name: "Edit endpoint Audit trail" })).toBeNull();

    await user.click(screen.getByRole("button", { name: "Edit Audit trail…" }));
    form = screen.getByRole("form", { name: "Edit endpoint Audit trail" });
    await user.type(within(form).getByLabelText(/Signing secret/), "typed");
    await user.click(within(form).getByRole("checkbox", { name: /Remove the signing secret/ }));
    expect((within(form).getByLabelText(/Signing secret/) as HTMLInputElement).disabled).toBe(true);
    await user.click(within(form).getByRole("button", { name: "Save endpoint" }));
    expect(await screen.findByRole("cell", { name: "no" })).toBeTruthy();
    expect(updates[2].update).toMatchObject({ remove_secret: true });
    expect(updates[2].update.secret).toBeUndefined();
  });

  it("asks before closing the endpoint dialog with unsaved edits", async () => {
    const updates = backend([{ ...audit }]);
    const user = userEvent.setup();
    renderPage();
    await user.click(await screen.findByRole("button", { name: "Edit Audit trail…" }));
    await user.keyboard("{Escape}");
    expect(screen.queryByRole("form", { name: "Edit endpoint Audit trail" })).toBeNull();

    await user.click(screen.getByRole("button", { name: "Edit Audit trail…" }));
    await user.type(within(screen.getByRole("form", { name: "Edit endpoint Audit trail" })).getByLabelText("Name"), " 2");
    await user.keyboard("{Escape}");
    const confirm = screen.getByRole("dialog", { name: "Discard changes?" });
    await user.click(within(confirm).getByRole("button", { name: "Cancel" }));
    expect((screen.getByLabelText("Name") as HTMLInputElement).value).toBe("Audit trail 2");
    await user.keyboard("{Escape}");
    await user.click(within(screen.getByRole("dialog", { name: "Discard changes?" })).getByRole("button", { name: "Discard" }));
    expect(screen.queryByRole("form", { name: "Edit endpoint Audit trail" })).toBeNull();
    expect(updates).toHaveLength(0);
    cleanup();
  });
});
