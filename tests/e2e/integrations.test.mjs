// End-to-end: the real Patchbay app (debug build) in WebKitGTK, driven through tauri-driver +
// WebKitWebDriver. Run by `tests/bootstrap.sh test` inside Xvfb with a D-Bus session and an unlocked
// gnome-keyring, so credentials go to the real Secret Service.
//
// Story: a user opens Patchbay on an empty database, adds two HTTP integrations through the catalog and
// the generated form, sorts the list by name, and deletes one after confirming.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createRequire } from "node:module";

const root = resolve(import.meta.dirname, "../..");
const require = createRequire(join(root, "ui/package.json"));
const { Builder, By, until, Capabilities } = require("selenium-webdriver");

const application = join(root, "target/debug/patchbay-app");
const dataDir = mkdtempSync(join(tmpdir(), "patchbay-e2e-"));
let driverProcess;
let driver;

async function waitForPort(url, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const response = await fetch(`${url}/status`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`tauri-driver did not start within ${timeoutMs} ms`);
}

before(async () => {
  driverProcess = spawn("tauri-driver", ["--port", "4444"], {
    env: { ...process.env, PATCHBAY_DATA_DIR: dataDir },
    stdio: ["ignore", "inherit", "inherit"],
  });
  await waitForPort("http://127.0.0.1:4444", 20_000);
  const capabilities = new Capabilities();
  capabilities.setBrowserName("wry");
  capabilities.set("tauri:options", { application });
  driver = await new Builder().withCapabilities(capabilities).usingServer("http://127.0.0.1:4444/").build();
});

after(async () => {
  try {
    if (driver) await driver.quit();
  } finally {
    // SIGTERM, not SIGKILL: tauri-driver then stops WebKitWebDriver too (SPEC §7).
    driverProcess?.kill("SIGTERM");
    rmSync(dataDir, { recursive: true, force: true });
  }
});

const byText = (tag, text) => By.xpath(`//${tag}[normalize-space()=${JSON.stringify(text)}]`);

async function click(locator) {
  const element = await driver.wait(until.elementLocated(locator), 10_000);
  await driver.wait(until.elementIsEnabled(element), 10_000);
  await element.click();
}

async function rowNames() {
  const cells = await driver.findElements(By.css("table.grid tbody tr td:nth-child(2)"));
  return Promise.all(cells.map((cell) => cell.getText()));
}

async function addHttp(name, url) {
  await click(By.css("button[aria-label='Add HTTP endpoint']"));
  await driver.wait(until.elementLocated(By.id("field-name")), 10_000).sendKeys(name);
  await driver.findElement(By.id("field-url")).sendKeys(url);
  await click(byText("button", "Create integration"));
  await driver.wait(until.elementLocated(byText("div", `Created ${name}`)), 10_000);
}

test("create, list, sort and delete integrations in the real app", async () => {
  await driver.wait(until.elementLocated(byText("h2", "No integrations yet")), 20_000);

  await click(byText("button", "Add your first integration"));
  await addHttp("Zeta status page", "https://status.example.com/health");
  await driver.wait(async () => (await rowNames()).length === 1, 10_000);

  await click(byText("button", "Add integration"));
  await addHttp("Alpha API", "https://api.example.com/health");
  await driver.wait(async () => (await rowNames()).length === 2, 10_000);
  assert.deepEqual(await rowNames(), ["Alpha API", "Zeta status page"]);
  assert.equal(await driver.findElement(By.css("[data-testid='showing']")).getText(), "Showing 1–2 of 2");

  await click(By.css("button.sort[data-column='name']"));
  await driver.wait(async () => (await rowNames())[0] === "Zeta status page", 10_000);
  assert.deepEqual(await rowNames(), ["Zeta status page", "Alpha API"]);
  const header = await driver.findElement(By.xpath("//th[.//button[@data-column='name']]"));
  assert.equal(await header.getAttribute("aria-sort"), "descending");

  if (process.env.PATCHBAY_E2E_SCREENSHOT) {
    mkdirSync(resolve(process.env.PATCHBAY_E2E_SCREENSHOT, ".."), { recursive: true });
    writeFileSync(process.env.PATCHBAY_E2E_SCREENSHOT, await driver.takeScreenshot(), "base64");
  }

  await click(By.css("button[aria-label='Delete Zeta status page']"));
  const dialog = await driver.wait(until.elementLocated(By.css("[role='dialog'][aria-label='Delete Zeta status page?']")), 10_000);
  await dialog.findElement(By.xpath(".//button[normalize-space()='Delete']")).click();
  await driver.wait(until.elementLocated(byText("div", "Deleted Zeta status page")), 10_000);
  await driver.wait(async () => (await rowNames()).length === 1, 10_000);
  assert.deepEqual(await rowNames(), ["Alpha API"]);
});
