import { afterEach, describe, expect, it, vi } from "vitest";
import { act, render, screen } from "@testing-library/preact";
import { usePersistentState } from "./usePersistentState";

function Counter({ storageKey }: { storageKey: string }) {
  const [state, setState] = usePersistentState(storageKey, { count: 0, label: "default" });
  return (
    <button onClick={() => setState((s) => ({ ...s, count: s.count + 1 }))}>
      {state.label} {state.count}
    </button>
  );
}

describe("usePersistentState", () => {
  afterEach(() => {
    vi.restoreAllMocks();
    localStorage.clear();
  });

  it("starts from the stored value merged over the defaults, without writing it back", () => {
    localStorage.setItem("counter", JSON.stringify({ count: 4 }));
    const setItem = vi.spyOn(Storage.prototype, "setItem");
    render(<Counter storageKey="counter" />);
    expect(screen.getByRole("button").textContent).toBe("default 4");
    expect(setItem).not.toHaveBeenCalled();
  });

  it("does not write the defaults when nothing is stored", () => {
    const setItem = vi.spyOn(Storage.prototype, "setItem");
    render(<Counter storageKey="fresh" />);
    expect(setItem).not.toHaveBeenCalled();
    expect(localStorage.getItem("fresh")).toBeNull();
  });

  it("writes every change, which the next mount reads", () => {
    const first = render(<Counter storageKey="counter" />);
    act(() => screen.getByRole("button").click());
    act(() => screen.getByRole("button").click());
    expect(JSON.parse(localStorage.getItem("counter") ?? "null")).toEqual({ count: 2, label: "default" });
    first.unmount();
    render(<Counter storageKey="counter" />);
    expect(screen.getByRole("button").textContent).toBe("default 2");
  });

  it("writes the value under a new key when the key changes", () => {
    const view = render(<Counter storageKey="a" />);
    act(() => screen.getByRole("button").click());
    view.rerender(<Counter storageKey="b" />);
    expect(JSON.parse(localStorage.getItem("b") ?? "null")).toEqual({ count: 1, label: "default" });
  });
});
