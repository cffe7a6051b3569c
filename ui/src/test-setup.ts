import { afterEach } from "vitest";
import { cleanup } from "@testing-library/preact";
import { clearMocks } from "@tauri-apps/api/mocks";

afterEach(() => {
  cleanup();
  clearMocks();
  localStorage.clear();
});
