import { describe, expect, it } from "vitest";
import { render, screen, within } from "@testing-library/preact";
import userEvent from "@testing-library/user-event";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { mockIPC } from "@tauri-apps/api/mocks";
import type { Integration } from "../api";
import { ToastProvider } from "../shared/toasts";
import { BridgesDialog } from "./BridgesDialog";

function portal(id: number, name: string): Integration {
  return {
    id, project_id: 1, project_name: "Default", provider: "bitrix24", name, active: true, check_interval_s: 300, config: {}, secrets_set: ["webhook_url"],
    status: "healthy", last_checked_at: null, last_latency_ms: null, last_detail: null, last_error_kind: null, created_at: 0, updated_at: 0,
  };
}

/** A backend with no bridges and no synced stages, whose `save_bridge` refuses with each of `refusals` in turn. */
function backend(refusals: { field: string; message: string }[]) {
  mockIPC((cmd, args) => {
    switch (cmd) {
      case "list_bridges":
        return [];
      case "list_records": {
        const { query } = args as { query: { page: number; per_page: number } };
        return { items: [], total: 0, page: query.page, per_page: query.per_page };
      }
      case "save_bridge":
        throw { kind: "validation", ...refusals.shift() };
      default:
        throw new Error(`unexpected command ${cmd}`);
    }
  });
}

describe("BridgesDialog", () => {
  it("shows a refusal under the field it is about, and one about the source portal (not a field here) below the form", async () => {
    backend([
      { field: "trigger_stage", message: "trigger_stage: is required" },
      { field: "source_integration_id", message: "source_integration_id: integration 1 does not exist" },
    ]);
    const user = userEvent.setup();
    const [source, target] = [portal(1, "Clinic portal"), portal(2, "Head office portal")];
    render(
      <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
        <ToastProvider>
          <BridgesDialog source={source} portals={[source, target]} onClose={() => {}} />
        </ToastProvider>
      </QueryClientProvider>,
    );
    await user.click(await screen.findByRole("button", { name: "New bridge" }));
    const editor = screen.getByRole("dialog", { name: "New bridge" });
    await user.click(within(editor).getByRole("button", { name: "Save bridge" }));
    expect(await within(editor).findByText("The trigger stage is required")).toBeTruthy();

    await user.click(within(editor).getByRole("button", { name: "Save bridge" }));
    expect((await within(editor).findByRole("alert")).textContent).toBe("Integration 1 does not exist");
    expect(within(editor).queryByText("The trigger stage is required")).toBeNull();
  });
});
