import { defineConfig } from "vitest/config";
import react from "@vitejs/plugin-react";
import { fileURLToPath } from "node:url";

const shim = (name: string) => fileURLToPath(new URL(`./src/shims/${name}.ts`, import.meta.url));

/** The UI is written against React's API and rendered by Preact (preact/compat): the same hooks and
 * components in a 10 KB renderer instead of React DOM's 200 KB, which WebKit parses at every start
 * (docs/performance.md, session 7). Tests render with it too. */
const preact = [
  { find: /^react-dom\/client$/, replacement: "preact/compat/client" },
  { find: /^react-dom\/test-utils$/, replacement: "preact/test-utils" },
  { find: /^react\/jsx-runtime$/, replacement: "preact/compat/jsx-runtime" },
  { find: /^react\/jsx-dev-runtime$/, replacement: "preact/compat/jsx-dev-runtime" },
  { find: /^react-dom$/, replacement: "preact/compat" },
  { find: /^react$/, replacement: "preact/compat" },
];

// Browser stand-ins for the Node built-ins of the caniemail package (src/shims/node-module.ts).
const nodeShims = [
  { find: "node:module", replacement: shim("node-module") },
  { find: "path", replacement: shim("path") },
  { find: "util", replacement: shim("util") },
];

// Tauri serves ui/dist through its custom protocol; no dev server is needed to run the app.
export default defineConfig({
  plugins: [react()],
  clearScreen: false,
  // The caniemail data (loaded on demand by the Compatibility tab) is a 750 KB chunk of its own.
  build: { target: "safari16", outDir: "dist", emptyOutDir: true, chunkSizeWarningLimit: 800 },
  resolve: { alias: process.env.VITEST ? preact : [...preact, ...nodeShims] },
  // picomatch (under caniemail) reads `process.platform` and `process.version` when it loads.
  define: process.env.VITEST ? {} : { "process.platform": JSON.stringify("browser"), "process.version": JSON.stringify("v20.0.0") },
  test: {
    environment: "jsdom",
    globals: false,
    setupFiles: ["./src/test-setup.ts"],
    // Through Vite, so that their `react` imports meet the aliases above too.
    server: { deps: { inline: [/@tanstack\/react-/] } },
  },
});
