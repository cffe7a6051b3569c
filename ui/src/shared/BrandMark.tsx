// Patchbay's mark (the app icon's design), drawn inline. As an `<img src="…svg">` it was one more request
// through the app's asset protocol and a separate SVG document for WebKit to set up during the first frame:
// inline, the first list is painted ≈ 5 ms sooner in the page (docs/performance.md, session 14).
export function BrandMark() {
  return (
    <svg className="brand-mark" viewBox="0 0 512 512" width="22" height="22" aria-hidden="true" focusable="false">
      <rect x="16" y="16" width="480" height="480" rx="96" fill="#2f6fde" />
      <g stroke="#fff" strokeWidth="32" strokeLinecap="round">
        <line x1="150" y1="180" x2="362" y2="180" />
        <line x1="150" y1="332" x2="362" y2="332" />
        <line x1="150" y1="180" x2="362" y2="332" />
      </g>
      <g fill="#fff">
        <circle cx="150" cy="180" r="30" />
        <circle cx="362" cy="180" r="30" />
        <circle cx="150" cy="332" r="30" />
        <circle cx="362" cy="332" r="30" />
      </g>
    </svg>
  );
}
