import { describe, expect, it } from "vitest";
import { applyPatch, indexElements, planPatch } from "./previewFrame";

// Documents shaped like mrml's output after CSS inlining: conditional comments, nested tables, void
// elements, a style sheet in the head.
function email(sections: string[], head = "<style>.t { color: #123 }</style>") {
  const body = sections
    .map((text, n) => `<!--[if mso | IE]><table role="presentation"><tr><td><![endif]--><div style="margin:0px auto;max-width:600px;"><table border="0" role="presentation"><tbody><tr><td class="t" style="padding: 10px">${text}<br><img src="data:," alt="x${n}"></td></tr><tr><td><a href="https://example.com/${n}" style="color:#fff">Open</a></td></tr></tbody></table></div><!--[if mso | IE]></td></tr></table><![endif]-->`)
    .join("");
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">${head}<title>T</title></head><body style="margin: 0"><div role="article">${body}</div></body></html>`;
}

function load(html: string): Document {
  return new DOMParser().parseFromString(html, "text/html");
}

/** Patches `before` into `after` the way the preview does; returns the patched document, or null when the
 * edit needs a full parse. */
function patched(before: string, after: string): Document | null {
  const doc = load(before);
  const patch = planPatch(before, indexElements(before), after);
  if (!patch) return null;
  return applyPatch(doc, patch) ? doc : null;
}

describe("indexElements", () => {
  it("records each element's markup span, void elements included", () => {
    const html = '<div id="a"><p>x<br>y</p><img src="data:,"></div><span>z</span>';
    const root = indexElements(html);
    const [div, span] = root.children;
    expect(html.slice(div.start, div.end)).toBe('<div id="a"><p>x<br>y</p><img src="data:,"></div>');
    expect(div.children.map((c) => html.slice(c.start, c.end))).toEqual(["<p>x<br>y</p>", '<img src="data:,">']);
    expect(div.children[0].children.map((c) => c.name)).toEqual(["br"]);
    expect(html.slice(span.start, span.end)).toBe("<span>z</span>");
  });
});

describe("planPatch + applyPatch", () => {
  const sections = Array.from({ length: 30 }, (_, n) => `Section ${n}: Anna`);
  const before = email(sections);

  it("replaces only the element the edit falls in, and the result equals a full parse", () => {
    const after = email(sections.map((s, n) => (n === 29 ? "Section 29: Anna Karenina" : s)));
    const patch = planPatch(before, indexElements(before), after);
    expect(patch).not.toBeNull();
    expect(patch!.names.at(-1)).toBe("td");
    expect(patch!.markup.length).toBeLessThan(200);
    const doc = load(before);
    const untouched = doc.querySelectorAll("td")[0];
    expect(applyPatch(doc, patch!)).toBe(true);
    expect(doc.documentElement.outerHTML).toBe(load(after).documentElement.outerHTML);
    expect(doc.querySelectorAll("td")[0]).toBe(untouched);
  });

  it("handles attribute edits, added elements and edits in the head", () => {
    const cases = [
      before.replace('href="https://example.com/7"', 'href="https://example.com/7?x=1"'),
      before.replace("Section 3: Anna", "Section 3: <b>Anna</b> and <i>Ben</i>"),
      before.replace(".t { color: #123 }", ".t { color: #456 }"),
      before.replace('<td class="t" style="padding: 10px">Section 5', '<td class="t" style="padding: 12px">Section 5'),
    ];
    for (const after of cases) {
      const doc = patched(before, after);
      expect(doc, after.slice(0, 80)).not.toBeNull();
      expect(doc!.documentElement.outerHTML).toBe(load(after).documentElement.outerHTML);
    }
  });

  it("declines edits that are not inside one element or break its markup", () => {
    // Two sections apart: the smallest element holding both is the article wrapper — allowed, but it is
    // still one element; an edit of <body>'s own tag is not.
    expect(planPatch(before, indexElements(before), before.replace('<body style="margin: 0">', '<body style="margin: 1px">'))).toBeNull();
    // An edit that closes the element early and opens another is not one element of the same name.
    const split = before.replace("Section 4: Anna", "Section 4</td><td>Anna");
    expect(planPatch(before, indexElements(before), split)).toBeNull();
    expect(planPatch(before, indexElements(before), before)).toBeNull();
    // A block element inside a paragraph closes the paragraph in a full parse.
    const paragraph = "<html><head></head><body><p>a <span>b</span> c</p></body></html>";
    expect(planPatch(paragraph, indexElements(paragraph), paragraph.replace("b</span>", "b<div>d</div></span>"))).toBeNull();
    expect(patched(paragraph, paragraph.replace("b</span>", "b<em>d</em></span>"))?.body.innerHTML).toBe("<p>a <span>b<em>d</em></span> c</p>");
  });

  it("refuses to patch a document that does not match the index", () => {
    const after = before.replace("Section 9: Anna", "Section 9: Bo");
    const patch = planPatch(before, indexElements(before), after)!;
    const other = load(email(sections.slice(0, 20)));
    const html = other.documentElement.outerHTML;
    expect(applyPatch(other, patch)).toBe(false);
    expect(other.documentElement.outerHTML).toBe(html);
  });

  it("never gives a document other than a full parse would, for random edits", () => {
    const before = email(sections.slice(0, 6));
    let seed = 7;
    const random = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2147483648), seed % n);
    const inserts = ["x", "<b>y</b>", "</td>", "<td>", "<!-- c -->", '"', "<", ">", "&amp;", "<br>", "</div><div>", ""];
    let patchedCount = 0;
    for (let i = 0; i < 300; i++) {
      const at = random(before.length);
      const cut = random(4);
      const after = before.slice(0, at) + inserts[random(inserts.length)] + before.slice(at + cut);
      const doc = patched(before, after);
      if (!doc) continue;
      patchedCount++;
      expect(doc.documentElement.outerHTML, `edit at ${at}`).toBe(load(after).documentElement.outerHTML);
    }
    expect(patchedCount).toBeGreaterThan(100);
  }, 30_000);
});
