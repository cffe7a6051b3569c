// End-to-end: the real Patchbay app (debug build) in WebKitGTK, driven through tauri-driver +
// WebKitWebDriver. Run by `tests/bootstrap.sh test` inside Xvfb with a D-Bus session and an unlocked
// gnome-keyring, so credentials go to the real Secret Service.
//
// Story: a user opens Patchbay on an empty database, adds two HTTP integrations through the catalog and
// the generated form, sorts the list by name, and deletes one after confirming.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { By, until, byText, click as clickIn, rowNames as namesIn, startApp } from "./harness.mjs";

let app;
let driver;

before(async () => {
  // A screenshot needs WebKit's compositor (WebKitWebDriver never answers without it; see screenshots.mjs).
  app = await startApp({ port: 4444, env: process.env.PATCHBAY_E2E_SCREENSHOT ? { WEBKIT_DISABLE_COMPOSITING_MODE: "0" } : {} });
  driver = app.driver;
});

after(async () => {
  await app?.stop();
});

const click = (locator) => clickIn(driver, locator);
const rowNames = () => namesIn(driver);

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

  await click(By.css("button[aria-label='More actions for Zeta status page']"));
  await click(By.xpath("//*[@role='menuitem'][normalize-space()='Delete…']"));
  const dialog = await driver.wait(until.elementLocated(By.css("[role='dialog'][aria-label='Delete Zeta status page?']")), 10_000);
  await dialog.findElement(By.xpath(".//button[normalize-space()='Delete']")).click();
  await driver.wait(until.elementLocated(byText("div", "Deleted Zeta status page")), 10_000);
  await driver.wait(async () => (await rowNames()).length === 1, 10_000);
  assert.deepEqual(await rowNames(), ["Alpha API"]);
});
