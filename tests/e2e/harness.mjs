// Shared end-to-end harness: starts tauri-driver (which starts WebKitWebDriver and the real Patchbay
// debug build) on its own port with a fresh data dir, and stops it with SIGTERM (SIGKILL would leave
// WebKitWebDriver behind, SPEC §7).
import { spawn, execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createRequire } from "node:module";

export const root = resolve(import.meta.dirname, "../..");
const require = createRequire(join(root, "ui/package.json"));
export const { Builder, By, Key, until, Capabilities } = require("selenium-webdriver");

// PATCHBAY_BUILD_DIR points benchmarks at another build (e.g. target/bench); tests use the debug build.
const build = process.env.PATCHBAY_BUILD_DIR ?? join(root, "target/debug");
export const application = join(build, "patchbay-app");
export const cli = process.env.PATCHBAY_CLI ?? join(build, "patchbay");

async function waitForDriver(url, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(`${url}/status`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`tauri-driver did not start within ${timeoutMs} ms`);
}

/** Files under `dir` (recursively) that contain any of `secrets`, as UTF-8 or UTF-16 (WebKit's storage). */
export function filesContaining(dir, secrets) {
  const needles = secrets.filter(Boolean).flatMap((secret) => [Buffer.from(secret, "utf8"), Buffer.from(secret, "utf16le")]);
  const hits = [];
  const walk = (path) => {
    for (const entry of readdirSync(path, { withFileTypes: true })) {
      const full = join(path, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile()) {
        let bytes;
        try {
          bytes = readFileSync(full);
        } catch {
          continue; // removed while we walked (WebKit caches)
        }
        for (const needle of needles) if (bytes.includes(needle)) hits.push(`${full} contains a secret (${needle.length} bytes)`);
      }
    }
  };
  if (existsSync(dir)) walk(dir);
  return hits;
}

/** PIDs of processes whose environment has PATCHBAY_DATA_DIR=`dataDir`: the app (and its helpers) this
 * harness started for that session, and nothing else. */
function sessionProcesses(dataDir) {
  const marker = `PATCHBAY_DATA_DIR=${dataDir}\0`;
  return readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry) && Number(entry) !== process.pid)
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/environ`, "latin1").includes(marker);
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** A running app session. `seed(dataDir)` runs before the app starts (e.g. CLI commands). Every value in
 * `secrets` (tests may push more) must not appear in any file of the session — database and WAL, logs,
 * WebKit storage and caches, exports — when it stops: `stop()` scans them and throws on a hit. */
export async function startApp({ port, env = {}, seed, secrets = [] } = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), "patchbay-e2e-"));
  if (seed) await seed(dataDir);
  const nativePort = port + 1;
  const driverProcess = spawn("tauri-driver", ["--port", String(port), "--native-port", String(nativePort)], {
    // WebKit keeps localStorage (the persisted list state) under XDG_DATA_HOME, start at login writes
    // ~/.config/autostart (auto-launch ignores XDG_CONFIG_HOME): isolate both per session.
    env: { ...process.env, ...env, PATCHBAY_DATA_DIR: dataDir, XDG_DATA_HOME: join(dataDir, "xdg-data"), XDG_CACHE_HOME: join(dataDir, "xdg-cache"), XDG_CONFIG_HOME: join(dataDir, "xdg-config"), HOME: join(dataDir, "home"), PATCHBAY_NO_UPDATE_CHECK: "1", MESA_SHADER_CACHE_DISABLE: "true" },
    stdio: ["ignore", "inherit", "inherit"],
  });
  const url = `http://127.0.0.1:${port}`;
  await waitForDriver(url, 20_000);
  const capabilities = new Capabilities();
  capabilities.setBrowserName("wry");
  capabilities.set("tauri:options", { application });
  const driver = await new Builder().withCapabilities(capabilities).usingServer(`${url}/`).build();
  return {
    driver,
    dataDir,
    secrets,
    async stop() {
      let leaks = [];
      try {
        await driver.quit();
      } finally {
        if (driverProcess.exitCode === null && driverProcess.signalCode === null) {
          const exited = new Promise((r) => driverProcess.once("exit", r));
          driverProcess.kill("SIGTERM");
          await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
        }
        // Closing the session's window only hides it when the tray is up, and WebKitWebDriver leaves the
        // app running: end every process started for this session (a second app would otherwise meet
        // the single-instance lock of the first and exit).
        for (const pid of sessionProcesses(dataDir)) {
          try {
            process.kill(pid, "SIGKILL");
          } catch {
            // already gone
          }
        }
        leaks = filesContaining(dataDir, secrets);
        // WebKit's helper processes may still be writing caches for a moment after the session ends; a
        // temp dir left behind must not fail the test.
        try {
          rmSync(dataDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 300 });
        } catch (error) {
          console.warn(`harness: could not remove ${dataDir}: ${error.message}`);
        }
      }
      if (leaks.length > 0) throw new Error(`secret values found in the session's files:\n${leaks.join("\n")}`);
    },
  };
}

/** Runs the `patchbay` CLI against `dataDir`; returns stdout. */
export function patchbay(dataDir, args, input) {
  return execFileSync(cli, ["--data-dir", dataDir, ...args], { input, encoding: "utf8", env: { ...process.env } });
}

export const byText = (tag, text) => By.xpath(`//${tag}[normalize-space()=${JSON.stringify(text)}]`);

/** Clicks the element `locator` finds once it is enabled. An element replaced by a re-render between
 * the find and the click is found again (at most three times), as a user's second click would. */
export async function click(driver, locator) {
  for (let attempt = 1; ; attempt++) {
    try {
      const element = await driver.wait(until.elementLocated(locator), 10_000);
      await driver.wait(until.elementIsEnabled(element), 10_000);
      await element.click();
      return;
    } catch (error) {
      if (error.name !== "StaleElementReferenceError" || attempt === 3) throw error;
    }
  }
}

/** Waits for `locator` like `driver.wait(until.elementLocated(…))`; when it times out, the error also carries
 * what the screen said — the open dialogs' text, else the page's, and its toasts — so that a failure in CI
 * shows what the app showed instead (a validation message, an error toast) rather than only the wait. */
export async function waitFor(driver, locator, ms = 15_000) {
  try {
    return await driver.wait(until.elementLocated(locator), ms);
  } catch (error) {
    if (error.name !== "TimeoutError") throw error;
    const screen = await driver
      .executeScript(() => {
        const dialogs = [...document.querySelectorAll("[role='dialog']")].map((d) => d.innerText);
        const toasts = [...document.querySelectorAll(".toast")].map((t) => t.innerText);
        return [...(dialogs.length > 0 ? dialogs : [document.body.innerText]), ...toasts].join("\n---\n");
      })
      .catch((reason) => `(the screen could not be read: ${reason.message})`);
    error.message += `\nOn screen:\n${String(screen).slice(0, 3000)}`;
    throw error;
  }
}

/** Types `text` over the field at `locator` (waited for as `waitFor` does) as a user would: selects what is
 * there, then types. WebDriver's clear() empties the element without an input event, so a render in between
 * could put the old value back before the typing (seen once: a bridge name typed after the default one). */
export async function typeOver(driver, locator, text) {
  const input = await waitFor(driver, locator);
  await driver.executeScript("arguments[0].select()", input);
  await input.sendKeys(text);
  return input;
}

/** The rendered text of every element matching the CSS `selector`, read in one script. Finding the
 * elements and then reading each one races the list's refetch after a change (a deleted row's cell is
 * gone before its text is read: StaleElementReferenceError, seen in CI); one script reads a snapshot. */
export function texts(driver, selector) {
  return driver.executeScript((css) => [...document.querySelectorAll(css)].map((element) => element.innerText.trim()), selector);
}

/** The names in the integrations table, top to bottom. */
export function rowNames(driver) {
  return texts(driver, "table.grid tbody tr td:nth-child(2)");
}
