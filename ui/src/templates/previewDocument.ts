// Builds the document shown in the preview iframe. The iframe is sandboxed without `allow-scripts`, and
// the document carries its own CSP that forbids scripts, plugins and every network load: a template
// with <script>, onerror= handlers or javascript: links cannot run anything or reach the app's IPC.

export const PREVIEW_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:; form-action 'none'; base-uri 'none'";

/** Emulates a mail client's dark mode: the template's own `prefers-color-scheme: dark` rules when it has
 * them, otherwise the colour inversion many clients apply. */
function darken(html: string): string {
  if (/prefers-color-scheme\s*:\s*dark/i.test(html)) {
    return html
      .replace(/prefers-color-scheme\s*:\s*dark/gi, "min-width: 0px")
      .replace(/prefers-color-scheme\s*:\s*light/gi, "max-width: 0px");
  }
  const invert = "<style>html{filter:invert(1) hue-rotate(180deg);background:#fff}img,picture,video{filter:invert(1) hue-rotate(180deg)}</style>";
  return injectIntoHead(html, invert);
}

function injectIntoHead(html: string, markup: string): string {
  const head = /<head(\s[^>]*)?>/i.exec(html);
  if (head) return html.slice(0, head.index + head[0].length) + markup + html.slice(head.index + head[0].length);
  return markup + html;
}

export function previewDocument(html: string, dark: boolean): string {
  const meta = `<meta http-equiv="Content-Security-Policy" content="${PREVIEW_CSP}">`;
  return injectIntoHead(dark ? darken(html) : html, meta);
}
