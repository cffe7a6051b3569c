// Showing rendered documents in the preview frame, and patching an edit into the loaded document by
// re-parsing only the element the edit falls in.
//
// A template edit changes a few characters, but MJML expands 50 KB of source into ~540 KB of nested
// tables, and parsing and diffing the whole document per keystroke costs ~90 ms. Here the new document
// is compared with the shown one as text (common prefix and suffix); the smallest element whose markup
// holds every changed character is found through a source index of the shown document (htmlparser2 gives
// each tag's position), and only that element's new markup is parsed and swapped in. The caller falls
// back to a full parse whenever a step's check fails, and once typing pauses the patched document is
// compared with a full parse of the same source (and corrected if they differ).
import morphdom from "morphdom";
import { Parser } from "htmlparser2";

/** An element of an HTML source: its tag name, where its markup starts and ends (UTF-16 offsets, end
 * exclusive) and its element children in order. */
export interface SourceElement {
  name: string;
  start: number;
  end: number;
  children: SourceElement[];
  /** False when the parser had to close the element itself (no end tag where it closed): markup like
   * that may parse differently in another context, so it is never patched in alone. */
  balanced: boolean;
}

/** Elements that have no end tag. */
const VOID = new Set(["area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr", "keygen"]);

/** Indexes the elements of `html` by position. The root is a pseudo-element `#document` spanning it all.
 * Elements left open at the end close there. */
export function indexElements(html: string): SourceElement {
  const root: SourceElement = { name: "#document", start: 0, end: html.length, children: [], balanced: true };
  const open: SourceElement[] = [root];
  const parser = new Parser(
    {
      onopentagname(name) {
        const element: SourceElement = { name, start: parser.startIndex, end: html.length, children: [], balanced: true };
        open[open.length - 1].children.push(element);
        open.push(element);
      },
      onclosetag(name, implied) {
        const element = open.pop();
        if (element && element !== root) {
          element.end = Math.min(parser.endIndex + 1, html.length);
          if (implied && !VOID.has(name)) element.balanced = false;
        }
        if (open.length === 0) open.push(root);
      },
    },
    { decodeEntities: false, lowerCaseTags: true, lowerCaseAttributeNames: false },
  );
  parser.end(html);
  return root;
}

/** An edit expressed as one element to replace: the element-child indices leading to it from the
 * document, the tag names along that path (to check against the live document), and its new markup. */
export interface ElementPatch {
  path: number[];
  names: string[];
  childCounts: number[];
  markup: string;
  /** The markup's elements as parsed from source, to check the live parse against. */
  shape: SourceElement;
}

/** Start tags that close an open <p> (HTML's tree construction, "in body" insertion mode). */
const CLOSES_P = new Set("address article aside blockquote center details dialog dir div dl dd dt fieldset figcaption figure footer form h1 h2 h3 h4 h5 h6 header hgroup hr li listing main menu nav ol p plaintext pre search section summary table ul xmp".split(" "));

function containsAny(element: SourceElement, names: Set<string>): boolean {
  return names.has(element.name) || element.children.some((child) => containsAny(child, names));
}

function allBalanced(element: SourceElement): boolean {
  return element.balanced && element.children.every(allBalanced);
}

/** True when `element` has the tags and nesting of `source` (the browser moved nothing around). */
function sameShape(element: Element, source: SourceElement): boolean {
  if (element.localName !== source.name || element.children.length !== source.children.length) return false;
  for (let i = 0; i < source.children.length; i++) if (!sameShape(element.children[i], source.children[i])) return false;
  return true;
}

/** Elements whose markup is never re-parsed alone (the fragment parser treats them specially). */
const WHOLE_DOCUMENT = new Set(["html", "head", "body", "frameset"]);

/** Finds the one element of `previous` (indexed as `index`) whose replacement turns it into `next`, or
 * null when the change is not inside a single replaceable element (or nothing changed). */
export function planPatch(previous: string, index: SourceElement, next: string): ElementPatch | null {
  if (previous === next) return null;
  const limit = Math.min(previous.length, next.length);
  let prefix = 0;
  while (prefix < limit && previous.charCodeAt(prefix) === next.charCodeAt(prefix)) prefix++;
  let suffix = 0;
  while (suffix < limit - prefix && previous.charCodeAt(previous.length - 1 - suffix) === next.charCodeAt(next.length - 1 - suffix)) suffix++;
  const changedEnd = previous.length - suffix;

  const path: number[] = [];
  const names: string[] = [];
  const childCounts: number[] = [];
  let target: SourceElement | null = null;
  let parent = index;
  for (;;) {
    // Strictly inside: a change at an element's first or last character (or an insertion right before
    // or after it) belongs to its parent.
    const at = parent.children.findIndex((child) => child.start < prefix && child.end > changedEnd);
    if (at < 0) break;
    const child = parent.children[at];
    path.push(at);
    names.push(child.name);
    childCounts.push(parent.children.length);
    target = child;
    parent = child;
  }
  if (!target || WHOLE_DOCUMENT.has(target.name)) return null;
  const markup = next.slice(target.start, target.end + next.length - previous.length);
  // The new markup must still be exactly one element of the same name, every element in it closed by
  // its own end tag.
  const parsed = indexElements(markup).children;
  if (parsed.length !== 1 || parsed[0].name !== target.name || parsed[0].start !== 0 || parsed[0].end !== markup.length || !allBalanced(parsed[0])) return null;
  // Inside a <p>, a block element closes the paragraph in a full parse but not in a fragment parse.
  if (names.slice(0, -1).includes("p") && containsAny(parsed[0], CLOSES_P)) return null;
  return { path, names, childCounts, markup, shape: parsed[0] };
}

/** Applies `patch` to the loaded `doc`: walks the path checking each element's name and its parent's
 * number of element children, parses the markup in the context of the target's parent (in `doc`, so
 * the frame's sandbox and CSP apply to it), and swaps it in. Returns false, having changed nothing, when
 * the live document does not match the source index. */
export function applyPatch(doc: Document, patch: ElementPatch): boolean {
  let node: ParentNode = doc;
  for (let step = 0; step < patch.path.length; step++) {
    if (node.children.length !== patch.childCounts[step]) return false;
    const child: Element | undefined = node.children[patch.path[step]];
    if (!child || child.localName !== patch.names[step]) return false;
    node = child;
  }
  const target = node as Element;
  const parent = target.parentElement;
  if (!parent) return false;
  const holder = parent.cloneNode(false) as Element;
  holder.innerHTML = patch.markup;
  const replacement = holder.firstChild as Element | null;
  if (holder.childNodes.length !== 1 || replacement?.nodeType !== 1 || !sameShape(replacement, patch.shape)) return false;
  target.replaceWith(replacement);
  return true;
}

/** What the frame shows: the document's source, and its element index once computed (after paint). */
interface FrameState {
  doc: string;
  index: SourceElement | null;
  verify?: ReturnType<typeof setTimeout>;
}

const frames = new WeakMap<HTMLIFrameElement, FrameState>();

/** How long after the last patch the patched document is checked against a full parse, in ms. */
const VERIFY_AFTER_MS = 1000;

/** How a new document reached the frame: not at all (it was there), one element patched, the whole
 * document patched (morphdom), or loaded as a new document. */
export type Shown = "same" | "element" | "document" | "loaded";

/** Puts `doc` into the frame. The first document is loaded through `srcdoc`; later ones are patched into
 * the loaded document — one element re-parsed when the edit is inside one ({@link planPatch}), else the
 * whole document parsed inertly (DOMParser) and diffed in with morphdom — so an edit re-lays out only what
 * changed. Scripts never run either way: the frame is sandboxed without `allow-scripts`, every document
 * carries the CSP of `previewDocument`, and markup is only ever parsed inside the frame's document or a
 * DOMParser document. The path taken is left in `frame.dataset.shown`. */
export function showDocument(frame: HTMLIFrameElement, doc: string): Shown {
  const shown = show(frame, doc);
  if (shown !== "same") frame.dataset.shown = shown;
  return shown;
}

function show(frame: HTMLIFrameElement, doc: string): Shown {
  const state = frames.get(frame);
  if (state?.doc === doc) return "same";
  const current = frame.contentDocument;
  if (state && current && frame.dataset.loaded === "yes" && current.readyState === "complete") {
    clearTimeout(state.verify);
    const previous = state.doc;
    const index = state.index ?? indexElements(previous);
    state.doc = doc;
    state.index = null;
    try {
      const patch = planPatch(previous, index, doc);
      if (patch && applyPatch(current, patch)) {
        state.verify = setTimeout(() => state.doc === doc && replaceIfDifferent(current, doc), VERIFY_AFTER_MS);
        indexAfterPaint(state, doc);
        return "element";
      }
      replaceIfDifferent(current, doc);
      indexAfterPaint(state, doc);
      return "document";
    } catch {
      // Fall back to a full load below.
    }
  }
  frames.set(frame, { doc, index: null });
  frame.dataset.loaded = "no";
  frame.addEventListener(
    "load",
    () => {
      frame.dataset.loaded = "yes";
      const loaded = frames.get(frame);
      if (loaded) indexAfterPaint(loaded, loaded.doc);
    },
    { once: true },
  );
  frame.srcdoc = doc;
  return "loaded";
}

/** Parses `doc` inertly and diffs it into `current` unless they are already equal. */
function replaceIfDifferent(current: Document, doc: string) {
  const next = new DOMParser().parseFromString(doc, "text/html");
  if (!current.documentElement.isEqualNode(next.documentElement)) morphdom(current.documentElement, next.documentElement);
}

/** Indexes the shown source for the next edit once the frame has painted (off the edit's critical path). */
function indexAfterPaint(state: FrameState, doc: string) {
  requestAnimationFrame(() =>
    setTimeout(() => {
      if (state.doc === doc && !state.index) state.index = indexElements(doc);
    }, 0),
  );
}

/** Runs `then` after the frame shows its new document and the next frame was painted (or after 300 ms). */
export function afterPaint(frame: HTMLIFrameElement, shown: Shown, then: () => void) {
  if (shown !== "loaded") {
    requestAnimationFrame(() => setTimeout(then, 0));
    return;
  }
  let done = false;
  const run = () => {
    if (done) return;
    done = true;
    frame.removeEventListener("load", onLoad);
    requestAnimationFrame(() => setTimeout(then, 0));
  };
  const onLoad = () => run();
  frame.addEventListener("load", onLoad);
  setTimeout(run, 300);
}
