import { describe, expect, it } from "vitest";
import type { PreviewResponse } from "../bindings/PreviewResponse";
import { PreviewHtml } from "./previewHtml";

function response(id: number, html: string, delta: PreviewResponse["html_delta"] = null): PreviewResponse {
  return {
    rendered: { subject: "s", html, text: "", text_generated: false, eml: "", size_bytes: 0, html_bytes: 0, warnings: [], links: [], variables: [], complete: false },
    error: null,
    variables: [],
    suggested_data: "{}",
    html_id: id,
    html_delta: delta,
  };
}

describe("PreviewHtml", () => {
  it("rebuilds the HTML from a delta of a render it holds, in UTF-16 units", () => {
    const cache = new PreviewHtml();
    expect(cache.base()).toBeNull();
    cache.resolve(response(1, "<p>Hello 𝄞 Anna</p>"));
    expect(cache.base()).toBe(1);
    // "<p>Hello 𝄞 " is 12 UTF-16 units (𝄞 is two); "</p>" is 4.
    const next = cache.resolve(response(2, "", { base: 1, prefix: 12, suffix: 4, middle: "Anna K." }));
    expect(next.rendered!.html).toBe("<p>Hello 𝄞 Anna K.</p>");
    expect(cache.base()).toBe(2);
  });

  it("rebuilds a response that overtook an older one, and refuses an unknown base", () => {
    const cache = new PreviewHtml();
    cache.resolve(response(1, "abc"));
    cache.resolve(response(3, "abcd"));
    expect(cache.resolve(response(2, "", { base: 1, prefix: 3, suffix: 0, middle: "e" })).rendered!.html).toBe("abce");
    expect(() => cache.resolve(response(9, "", { base: 7, prefix: 0, suffix: 0, middle: "" }))).toThrow(/base 7/);
  });

  it("leaves errors and responses without an id alone", () => {
    const cache = new PreviewHtml();
    const failed = { ...response(1, ""), rendered: null, html_id: null };
    expect(cache.resolve(failed)).toBe(failed);
    expect(cache.base()).toBeNull();
  });
});
