// Pagination controls shared by every list: "Showing 11–20 of 134", rows per page, first/prev/next/last.
import { showingRange } from "./format";

export const PAGE_SIZES = [10, 25, 50, 100] as const;

export function Pager(props: {
  page: number;
  perPage: number;
  shown: number;
  total: number;
  onPage: (page: number) => void;
  onPerPage: (perPage: number) => void;
}) {
  const pageCount = Math.max(1, Math.ceil(props.total / props.perPage));
  return (
    <nav className="pager" aria-label="Pagination">
      <span data-testid="showing">{showingRange(props.page, props.perPage, props.shown, props.total)}</span>
      <span className="spacer" />
      <label>
        Rows per page{" "}
        <select className="input" value={props.perPage} onChange={(e) => props.onPerPage(Number(e.target.value))}>
          {PAGE_SIZES.map((size) => (
            <option key={size} value={size}>
              {size}
            </option>
          ))}
        </select>
      </label>
      <button className="btn" onClick={() => props.onPage(1)} disabled={props.page <= 1} aria-label="First page">
        «
      </button>
      <button className="btn" onClick={() => props.onPage(props.page - 1)} disabled={props.page <= 1} aria-label="Previous page">
        ‹ Prev
      </button>
      <span>
        Page {props.page} of {pageCount}
      </span>
      <button className="btn" onClick={() => props.onPage(props.page + 1)} disabled={props.page >= pageCount} aria-label="Next page">
        Next ›
      </button>
      <button className="btn" onClick={() => props.onPage(pageCount)} disabled={props.page >= pageCount} aria-label="Last page">
        »
      </button>
    </nav>
  );
}
