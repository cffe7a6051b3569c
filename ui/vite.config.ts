import { defineConfig } from "vitest/config";
import react from "@vitejs/plugin-react";
import { fileURLToPath } from "node:url";

const shim = (name: string) => fileURLToPath(new URL(`./src/shims/${name}.ts`, import.meta.url));

// Tauri serves ui/dist through its custom protocol; no dev server is needed to run the app.
export default defineConfig({
  plugins: [react()],
  clearScreen: false,
  // The caniemail data (loaded on demand by the Compatibility tab) is a 750 KB chunk of its own.
  build: { target: "safari16", outDir: "dist", emptyOutDir: true, chunkSizeWarningLimit: 800 },
  // Browser stand-ins for the Node built-ins of the caniemail package (src/shims/node-module.ts).
  resolve: process.env.VITEST ? {} : { alias: { "node:module": shim("node-module"), path: shim("path"), util: shim("util") } },
  // picomatch (under caniemail) reads `process.platform` and `process.version` when it loads.
  define: process.env.VITEST ? {} : { "process.platform": JSON.stringify("browser"), "process.version": JSON.stringify("v20.0.0") },
  test: {
    environment: "jsdom",
    globals: false,
    setupFiles: ["./src/test-setup.ts"],
  },
});
