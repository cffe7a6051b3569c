import { defineConfig } from "vitest/config";
import react from "@vitejs/plugin-react";

// Tauri serves ui/dist through its custom protocol; no dev server is needed to run the app.
export default defineConfig({
  plugins: [react()],
  clearScreen: false,
  build: { target: "safari16", outDir: "dist", emptyOutDir: true },
  test: {
    environment: "jsdom",
    globals: false,
    setupFiles: ["./src/test-setup.ts"],
  },
});
