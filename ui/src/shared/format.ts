/** "5 min ago", "2 h ago", "just now" for a unix-ms time. */
export function relativeTime(unixMs: number, now = Date.now()): string {
  const seconds = Math.round((now - unixMs) / 1000);
  if (seconds < 45) return "just now";
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return `${hours} h ago`;
  return new Date(unixMs).toLocaleDateString();
}

/** "Showing 11–20 of 134", or "No results". */
export function showingRange(page: number, perPage: number, shown: number, total: number): string {
  if (total === 0 || shown === 0) return `Showing 0 of ${total}`;
  const first = (page - 1) * perPage + 1;
  return `Showing ${first}–${first + shown - 1} of ${total}`;
}
