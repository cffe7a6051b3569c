import { describe, expect, it, vi } from "vitest";
import { fireEvent, render, screen } from "@testing-library/preact";
import { LocalTime } from "./LocalTime";

describe("LocalTime", () => {
  it("formats the full date only when the pointer or focus reaches it", () => {
    const at = Date.UTC(2026, 10, 5, 14, 30);
    const format = vi.spyOn(Date.prototype, "toLocaleString");
    render(
      <>
        <LocalTime at={at}>3 d ago</LocalTime>
        <LocalTime at={at}>
          <button>keyboard</button>
        </LocalTime>
      </>,
    );
    const hovered = screen.getByText("3 d ago");
    const focused = screen.getByText("keyboard").parentElement!;
    expect(format).not.toHaveBeenCalled();
    expect(hovered.getAttribute("title")).toBeNull();
    fireEvent.pointerEnter(hovered);
    expect(hovered.getAttribute("title")).toBe(new Date(at).toLocaleString());
    expect(focused.getAttribute("title")).toBeNull();
    fireEvent.focus(screen.getByText("keyboard"));
    expect(focused.getAttribute("title")).toBe(new Date(at).toLocaleString());
    format.mockRestore();
  });
});
