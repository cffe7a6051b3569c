import { describe, expect, it } from "vitest";
import { fireEvent, render, screen } from "@testing-library/preact";
import { useState } from "react";
import { createColumnHelper } from "@tanstack/react-table";
import { DataTable, useServerTable } from "./DataTable";

interface Row {
  id: number;
  name: string;
}
interface ListState {
  sort: "name" | "id";
  desc: boolean;
  page: number;
}
const column = createColumnHelper<Row>();

// Columns made during each render (as the pages do when a cell needs the page's state): new cell
// functions every time.
function Table({ rows, hideId = false, onState }: { rows: Row[]; hideId?: boolean; onState?: (state: ListState) => void }) {
  const [renders, setRenders] = useState(0);
  const [state, setState] = useState<ListState>({ sort: "name", desc: false, page: 3 });
  onState?.(state);
  const columns = [
    column.accessor("id", { header: "Id", meta: { kind: "number" } }),
    column.accessor("name", { header: () => <span>Name ({renders})</span> }),
    column.display({
      id: "actions",
      meta: { kind: "actions" },
      cell: (info) => (
        <button aria-label={`Open ${info.row.original.name}`} onClick={() => setRenders((n) => n + 1)}>
          Open {renders}
        </button>
      ),
    }),
  ];
  const table = useServerTable({ data: rows, columns, state, setState, columnVisibility: { id: !hideId } });
  return <DataTable table={table} label="Things" />;
}

const rows = [
  { id: 1, name: "alpha" },
  { id: 2, name: "beta" },
];

describe("DataTable", () => {
  it("keeps a cell's elements (and focus) when the columns are redefined by a re-render", () => {
    render(<Table rows={rows} />);
    const button = screen.getByRole("button", { name: "Open alpha" });
    button.focus();
    fireEvent.click(button);
    // The content follows the new render, in the same element, which keeps focus.
    expect(button.textContent).toBe("Open 1");
    expect(screen.getByRole("button", { name: "Open alpha" })).toBe(button);
    expect(document.activeElement).toBe(button);
    expect(screen.getAllByRole("columnheader")[1].textContent).toBe("Name (1) ▲");
  });

  it("sorts on the server's terms: a header click sets the list's sort and direction and goes to page 1", () => {
    const states: ListState[] = [];
    render(<Table rows={rows} onState={(s) => states.push(s)} />);
    const name = () => screen.getAllByRole("columnheader")[1];
    expect(name().getAttribute("aria-sort")).toBe("ascending");
    fireEvent.click(screen.getByRole("button", { name: /Name/ }));
    expect(states.at(-1)).toEqual({ sort: "name", desc: true, page: 1 });
    expect(name().getAttribute("aria-sort")).toBe("descending");
    // Ascending again, never "unsorted".
    fireEvent.click(screen.getByRole("button", { name: /Name/ }));
    expect(states.at(-1)).toEqual({ sort: "name", desc: false, page: 1 });
    // Another column sorts by itself.
    fireEvent.click(screen.getByRole("button", { name: /Id/ }));
    expect(states.at(-1)).toMatchObject({ sort: "id", page: 1 });
    expect(screen.getAllByRole("columnheader")[0].getAttribute("aria-sort")).not.toBeNull();
    expect(name().getAttribute("aria-sort")).toBeNull();
  });

  it("hides the columns that column visibility turns off, in the header and in every row", () => {
    render(<Table rows={rows} hideId />);
    expect(screen.getAllByRole("columnheader")).toHaveLength(2);
    expect(screen.queryByRole("button", { name: /Id/ })).toBeNull();
    expect(screen.getAllByRole("row")[1].querySelectorAll("td")).toHaveLength(2);
  });

  it("lays a column out by its meta kind, header and cells alike; columns without one get no class", () => {
    render(<Table rows={rows} />);
    const [id, name, actions] = screen.getAllByRole("columnheader");
    expect(id.className).toBe("number");
    expect(name.className).toBe("");
    expect(actions.className).toBe("actions");
    const cells = screen.getAllByRole("row")[1].querySelectorAll("td");
    expect([...cells].map((cell) => cell.className)).toEqual(["number", "", "actions"]);
  });
});
