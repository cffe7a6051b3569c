// A TanStack table rendered with sortable headers (a button per sortable column, ▲/▼ and aria-sort).
import type { ReactNode } from "react";
import { getCoreRowModel, useReactTable, type ColumnDef, type RowData, type SortingState, type Table, type VisibilityState } from "@tanstack/react-table";

declare module "@tanstack/react-table" {
  // The type parameters are TanStack's declaration's, which this one merges into.
  interface ColumnMeta<TData extends RowData, TValue> {
    /** How the column's header and cells are laid out: `number` right-aligned with digits of one width (an
     * amount, a count), `actions` right-aligned (a row's buttons), `wrap` free text that wraps (a run's result). */
    kind?: "number" | "actions" | "wrap";
  }
}

/** A column's header or cell, called as a function. TanStack's `flexRender` mounts a function as a
 * component: columns defined during a render (new functions each time, or a `useMemo` that recomputes
 * when the providers load) then remount every cell, dropping focus, open row menus and the element a
 * click was aimed at. No cell renderer uses hooks. */
function slot<C>(template: unknown, context: C): ReactNode {
  return typeof template === "function" ? (template as (context: C) => ReactNode)(context) : (template as ReactNode);
}

/** A list's table. `busy` (aria-busy) is for rows that are about to be replaced: the previous page's, shown while
 * the page, sort or filter the user chose loads (TanStack Query's `isPlaceholderData`). A background refresh of
 * the same rows (after a batch of health results, the deliveries' polling) is not marked: reading `isFetching`
 * would render the whole list once more per refresh only to set and clear the attribute. */
export function DataTable<T extends RowData>(props: { table: Table<T>; label: string; busy?: boolean; rowProps?: (row: T) => Record<string, unknown> }) {
  const { table } = props;
  return (
    <table className="grid" aria-label={props.label} aria-busy={props.busy}>
      <thead>
        {table.getHeaderGroups().map((group) => (
          <tr key={group.id}>
            {group.headers.map((header) => {
              const sorted = header.column.getIsSorted();
              return (
                <th key={header.id} className={header.column.columnDef.meta?.kind} aria-sort={sorted ? (sorted === "asc" ? "ascending" : "descending") : undefined}>
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
              <td key={cell.id} className={cell.column.columnDef.meta?.kind}>
                {slot(cell.column.columnDef.cell, cell.getContext())}
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

const NO_ROWS: never[] = [];
const coreRowModel = getCoreRowModel();

/** A table over one page of rows the backend has sorted (`manualSorting`): the list state's `sort` and
 * `desc` are the table's sorting, and a click on a header sets them (and goes back to page 1), toggling
 * ascending/descending, never "unsorted". `columnVisibility` maps column ids to shown/hidden. */
export function useServerTable<T extends RowData, S extends { sort: string; desc: boolean; page: number }>(options: {
  data: T[] | undefined;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the columns' value types differ
  columns: ColumnDef<T, any>[];
  state: S;
  setState: (update: (s: S) => S) => void;
  columnVisibility?: VisibilityState;
}) {
  const { state, setState } = options;
  const sorting: SortingState = [{ id: state.sort, desc: state.desc }];
  return useReactTable({
    data: options.data ?? NO_ROWS,
    columns: options.columns,
    getCoreRowModel: coreRowModel,
    manualPagination: true,
    manualSorting: true,
    enableSortingRemoval: false,
    state: { sorting, columnVisibility: options.columnVisibility ?? {} },
    onSortingChange: (updater) => {
      const next = typeof updater === "function" ? updater(sorting) : updater;
      const first = next[0];
      setState((s) => ({ ...s, sort: (first?.id ?? s.sort) as S["sort"], desc: first ? first.desc : !s.desc, page: 1 }));
    },
  });
}
