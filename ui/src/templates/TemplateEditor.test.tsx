import { describe, expect, it } from "vitest";
import { render, screen } from "@testing-library/preact";
import userEvent from "@testing-library/user-event";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { mockIPC } from "@tauri-apps/api/mocks";
import { ToastProvider } from "../shared/toasts";
import { TemplateEditor } from "./TemplateEditor";

/** A backend whose `create_template` refuses with each of `refusals` in turn; the preview never answers. */
function backend(refusals: { field: string; message: string }[]) {
  mockIPC((cmd) => {
    switch (cmd) {
      case "preview_template":
        return new Promise(() => {});
      case "list_integrations":
        return { items: [], total: 0, page: 1, per_page: 100 };
      case "create_template":
        throw { kind: "validation", ...refusals.shift() };
      default:
        throw new Error(`unexpected command ${cmd}`);
    }
  });
}

describe("TemplateEditor", () => {
  it("shows a refusal under the field it is about, any other in a toast, and keeps the draft", async () => {
    backend([
      { field: "subject", message: "subject: must be a single line" },
      { field: "project_id", message: "project_id: project 7 does not exist" },
    ]);
    const user = userEvent.setup();
    render(
      <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
        <ToastProvider>
          <TemplateEditor template={null} projectId={7} onClose={() => {}} onSaved={() => {}} />
        </ToastProvider>
      </QueryClientProvider>,
    );
    await user.type(screen.getByLabelText("Name"), "Welcome");
    await user.click(screen.getByRole("button", { name: "Save" }));
    expect(await screen.findByText("Subject must be a single line")).toBeTruthy();
    expect(screen.getByLabelText("Subject").getAttribute("aria-invalid")).toBe("true");

    await user.click(screen.getByRole("button", { name: "Save" }));
    expect(await screen.findByText("Project 7 does not exist")).toBeTruthy();
    expect(screen.getByText("Could not save")).toBeTruthy();
    expect((screen.getByLabelText("Name") as HTMLInputElement).value).toBe("Welcome");
  });
});
