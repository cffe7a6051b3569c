import { describe, expect, it } from "vitest";
import { fireEvent, render, screen } from "@testing-library/preact";
import { useState } from "react";
import { createColumnHelper, getCoreRowModel, useReactTable } from "@tanstack/react-table";
import { DataTable } from "./DataTable";

interface Row {
  id: number;
  name: string;
}
const column = createColumnHelper<Row>();

// Columns made during each render (as the pages do when a cell needs the page's state): new cell
// functions every time.
function Table({ rows }: { rows: Row[] }) {
  const [renders, setRenders] = useState(0);
  const columns = [
    column.accessor("name", { header: () => <span>Name ({renders})</span> }),
    column.display({
      id: "actions",
      cell: (info) => (
        <button aria-label={`Open ${info.row.original.name}`} onClick={() => setRenders((n) => n + 1)}>
          Open {renders}
        </button>
      ),
    }),
  ];
  const table = useReactTable({ data: rows, columns, getCoreRowModel: getCoreRowModel(), getRowId: (row) => String(row.id) });
  return <DataTable table={table} label="Things" />;
}

describe("DataTable", () => {
  it("keeps a cell's elements (and focus) when the columns are redefined by a re-render", () => {
    render(<Table rows={[{ id: 1, name: "alpha" }, { id: 2, name: "beta" }]} />);
    const button = screen.getByRole("button", { name: "Open alpha" });
    button.focus();
    fireEvent.click(button);
    // The content follows the new render, in the same element, which keeps focus.
    expect(button.textContent).toBe("Open 1");
    expect(screen.getByRole("button", { name: "Open alpha" })).toBe(button);
    expect(document.activeElement).toBe(button);
    expect(screen.getAllByRole("columnheader")[0].textContent).toBe("Name (1)");
  });
});
