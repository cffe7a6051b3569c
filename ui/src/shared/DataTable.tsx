// A TanStack table rendered with sortable headers (a button per sortable column, ▲/▼ and aria-sort).
import type { ReactNode } from "react";
import type { Table } from "@tanstack/react-table";

/** A column's header or cell, called as a function. TanStack's `flexRender` mounts a function as a
 * component: columns defined during a render (new functions each time, or a `useMemo` that recomputes
 * when the providers load) then remount every cell, dropping focus, open row menus and the element a
 * click was aimed at. No cell renderer uses hooks. */
function slot<C>(template: unknown, context: C): ReactNode {
  return typeof template === "function" ? (template as (context: C) => ReactNode)(context) : (template as ReactNode);
}

export function DataTable<T>(props: { table: Table<T>; label: string; busy?: boolean; rowProps?: (row: T) => Record<string, unknown> }) {
  const { table } = props;
  return (
    <table className="grid" aria-label={props.label} aria-busy={props.busy}>
      <thead>
        {table.getHeaderGroups().map((group) => (
          <tr key={group.id}>
            {group.headers.map((header) => {
              const sorted = header.column.getIsSorted();
              return (
                <th key={header.id} aria-sort={sorted ? (sorted === "asc" ? "ascending" : "descending") : undefined}>
                  {header.column.getCanSort() ? (
                    <button className="sort" onClick={header.column.getToggleSortingHandler()} data-column={header.id}>
                      {slot(header.column.columnDef.header, header.getContext())}
                      {sorted === "asc" ? " ▲" : sorted === "desc" ? " ▼" : ""}
                    </button>
                  ) : (
                    slot(header.column.columnDef.header, header.getContext())
                  )}
                </th>
              );
            })}
          </tr>
        ))}
      </thead>
      <tbody>
        {table.getRowModel().rows.map((row) => (
          <tr key={row.id} {...(props.rowProps?.(row.original) ?? {})}>
            {row.getVisibleCells().map((cell) => (
              <td key={cell.id} className={cell.column.id === "actions" ? "actions" : cell.column.id === "detail" ? "wrap" : undefined}>
                {slot(cell.column.columnDef.cell, cell.getContext())}
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Sorting handler for a server-sorted table: clicking toggles asc/desc, never "unsorted". */
export function serverSorting<K extends string>(sort: K, desc: boolean, set: (sort: K, desc: boolean) => void) {
  const sorting = [{ id: sort, desc }];
  return {
    sorting,
    onSortingChange: (updater: unknown) => {
      const next = typeof updater === "function" ? (updater as (s: typeof sorting) => typeof sorting)(sorting) : (updater as typeof sorting);
      const first = next[0];
      if (!first) set(sort, !desc);
      else set(first.id as K, first.desc);
    },
  };
}
