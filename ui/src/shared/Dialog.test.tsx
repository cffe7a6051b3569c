import { describe, expect, it } from "vitest";
import { render, screen } from "@testing-library/preact";
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
});
