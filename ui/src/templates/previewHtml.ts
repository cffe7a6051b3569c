// The preview's HTML arrives as a delta from the previous render when the app still holds it (see
// `PreviewCache` in src-tauri/src/commands.rs): MJML output is ~10× its source and typing changes a few
// characters, so the IPC message stays small. This keeps the last few renders by id and rebuilds the
// full HTML, so components always see `rendered.html` whole.
import type { PreviewResponse } from "../bindings/PreviewResponse";

/** Renders kept, so a response that overtook an older one can still be rebuilt from its base. */
const KEPT = 4;

export class PreviewHtml {
  private recent: { id: number; html: string }[] = [];

  /** The id to send as `base` with the next preview, if any. */
  base(): number | null {
    return this.recent.at(-1)?.id ?? null;
  }

  /** Fills in `response.rendered.html` from its delta (when it has one) and remembers it. Throws when
   * the delta's base is no longer known (the caller asks again without a base). */
  resolve(response: PreviewResponse): PreviewResponse {
    const { rendered, html_id: id, html_delta: delta } = response;
    if (!rendered || id === null || id === undefined) return response;
    if (delta) {
      const base = this.recent.find((entry) => entry.id === delta.base);
      if (!base) throw new Error(`preview base ${delta.base} is gone`);
      rendered.html = base.html.slice(0, delta.prefix) + delta.middle + base.html.slice(base.html.length - delta.suffix);
    }
    this.recent = [...this.recent.filter((entry) => entry.id !== id), { id, html: rendered.html }].slice(-KEPT);
    return response;
  }

  /** Forgets every render (the next preview comes whole). */
  clear() {
    this.recent = [];
  }
}
