import { describe, expect, it } from "vitest";
import { PREVIEW_CSP, previewDocument } from "./previewDocument";

describe("previewDocument", () => {
  it("puts the script-blocking CSP first in <head>", () => {
    const doc = previewDocument("<!doctype html><html><head><title>x</title></head><body><script>alert(1)</script></body></html>", false);
    expect(doc.startsWith("<!doctype html><html><head><meta http-equiv=\"Content-Security-Policy\"")).toBe(true);
    expect(PREVIEW_CSP).toContain("default-src 'none'");
    expect(PREVIEW_CSP).not.toContain("script-src");
  });

  it("adds the CSP to fragments without a head", () => {
    expect(previewDocument("<p>hi</p>", false)).toMatch(/^<meta http-equiv="Content-Security-Policy"[^>]*><p>hi<\/p>$/);
  });

  it("uses the template's own dark styles when it has them, else inverts", () => {
    const own = previewDocument("<head><style>@media (prefers-color-scheme: dark){body{background:#000}}</style></head>", true);
    expect(own).toContain("@media (min-width: 0px)");
    expect(own).not.toContain("invert(1)");
    expect(previewDocument("<head></head><p>x</p>", true)).toContain("invert(1)");
  });
});
