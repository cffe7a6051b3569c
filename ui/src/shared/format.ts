/** "just now", "5 min ago", "2 h ago", "12 d ago", "3 mo ago", "2 y ago" for a unix-ms time; "in 5 min"
 * and so on for a time ahead. Computed without the engine's locale data (see `LocalTime` for the full
 * date, which uses it, on hover). */
export function relativeTime(unixMs: number, now = Date.now()): string {
  const seconds = Math.round((now - unixMs) / 1000);
  const ahead = seconds < 0;
  const say = (count: number, unit: string) => (ahead ? `in ${count} ${unit}` : `${count} ${unit} ago`);
  if (Math.abs(seconds) < 45) return ahead ? "in a moment" : "just now";
  const minutes = Math.max(1, Math.round(Math.abs(seconds) / 60));
  if (minutes < 60) return say(minutes, "min");
  const hours = Math.round(minutes / 60);
  if (hours < 48) return say(hours, "h");
  const days = Math.round(hours / 24);
  if (days < 60) return say(days, "d");
  const months = Math.round(days / 30.44);
  if (months < 24) return say(months, "mo");
  return say(Math.round(days / 365.25), "y");
}

/** "Showing 11–20 of 134", or "No results". */
export function showingRange(page: number, perPage: number, shown: number, total: number): string {
  if (total === 0 || shown === 0) return `Showing 0 of ${total}`;
  const first = (page - 1) * perPage + 1;
  return `Showing ${first}–${first + shown - 1} of ${total}`;
}

/** A validation error shown under its field, as a sentence. The core's message carries a "field: " prefix
 * (for the log and the CLI), which goes; a predicate said of the field ("is required", "must start with
 * http://") gets the field's `label` before it; the first letter is a capital. */
export function fieldSentence(label: string, message: string): string {
  const text = message.replace(/^[\w.[\]]+: /, "");
  const said = /^(is|are|must|contains|has|have|should|cannot|needs|does|may)\b/.test(text) ? `${label} ${text}` : text;
  return said.charAt(0).toUpperCase() + said.slice(1);
}

/** An error's message for a toast. A validation error ("field: message", with the field in `field`)
 * reads as `fieldSentence` puts it under a field, with `labels[field]` or else the field's name in words:
 * "interval_minutes: must be 5 to 10080 minutes" → "Interval minutes must be 5 to 10080 minutes". */
export function errorText(error: unknown, labels: Record<string, string> = {}): string {
  const message = error instanceof Error ? error.message : String(error);
  const field = errorField(error);
  if (field === undefined || !message.startsWith(`${field}: `)) return message;
  return fieldSentence(labels[field] ?? field.replace(/[_.]+/g, " "), message);
}

/** A refusal about one of the fields a form shows (`labels`: each shown field → its label in a sentence):
 * that field and the sentence for under it. `null` for any other error: a form that put it in its field
 * errors would lose it, so it belongs in a toast (`errorText`). */
export function shownFieldError(error: unknown, labels: Record<string, string>): { field: string; text: string } | null {
  const field = errorField(error);
  if (field === undefined || !Object.prototype.hasOwnProperty.call(labels, field)) return null;
  return { field, text: fieldSentence(labels[field], (error as Error).message) };
}

/** The field a validation or conflict error is about (`ApiError.field`), read without importing the API. */
function errorField(error: unknown): string | undefined {
  const field = typeof error === "object" && error !== null ? (error as { field?: unknown }).field : undefined;
  return typeof field === "string" ? field : undefined;
}
