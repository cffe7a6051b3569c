import { describe, expect, it, vi } from "vitest";
import { fireEvent, render, screen } from "@testing-library/preact";
import { ConfirmDialog, Dialog } from "./Dialog";

describe("Dialog", () => {
  it("starts in the field marked data-autofocus and leaves no autofocus attribute for WebKit to act on later", () => {
    render(
      <Dialog title="New bridge" onClose={() => {}}>
        <input aria-label="Target" />
        <input aria-label="Name" data-autofocus />
      </Dialog>,
    );
    expect(document.activeElement).toBe(screen.getByRole("textbox", { name: "Name" }));
    expect(document.querySelector("[autofocus]")).toBeNull();
  });

  it("starts a confirmation on Cancel, not on the destructive button", () => {
    render(<ConfirmDialog title="Delete Shop?" message="Gone for good." confirmLabel="Delete" onConfirm={() => {}} onCancel={() => {}} />);
    expect(document.activeElement).toBe(screen.getByRole("button", { name: "Cancel" }));
    expect(document.querySelector("[autofocus]")).toBeNull();
  });

  it("closes the topmost dialog on Escape, also when the focus is outside every dialog", () => {
    const outer = vi.fn();
    const inner = vi.fn();
    render(
      <Dialog title="CRM sync" onClose={outer}>
        <button>Bridges…</button>
        <Dialog title="Bridges" onClose={inner}>
          <button>Run…</button>
        </Dialog>
      </Dialog>,
    );
    (document.activeElement as HTMLElement).blur();
    expect(document.activeElement).toBe(document.body);
    fireEvent.keyDown(document.body, { key: "Escape" });
    expect(inner).toHaveBeenCalledTimes(1);
    expect(outer).not.toHaveBeenCalled();
    fireEvent.keyDown(screen.getByRole("button", { name: "Run…" }), { key: "Escape" });
    expect(inner).toHaveBeenCalledTimes(2);
    expect(outer).not.toHaveBeenCalled();
  });
});
