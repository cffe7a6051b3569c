// End-to-end story: a consultant with 22 integrations (added earlier from the CLI) adds three more of
// three different providers in the real app, sorts by name and pages through all 25, then tests one that
// points at a local server and sees its indicator turn healthy.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { By, until, byText, click as clickIn, rowNames as namesIn, patchbay, startApp } from "./harness.mjs";

let app;
let driver;
let server;
let serverUrl;

before(async () => {
  server = createServer((_, response) => response.end("ok"));
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  serverUrl = `http://127.0.0.1:${server.address().port}/health`;
  app = await startApp({
    port: 4454,
    secrets: ["n8n-key-e2e", "kommo-token-e2e"],
    seed: (dataDir) => {
      for (let i = 1; i <= 22; i++) {
        const name = `Client site ${String(i).padStart(2, "0")}`;
        // Unchecked and inactive, so only the one the story tests changes state.
        patchbay(dataDir, ["integration", "add", "--provider", "http", "--name", name, "--inactive", "--set", "url=http://127.0.0.1:9/"]);
      }
    },
  });
  driver = app.driver;
});

after(async () => {
  await app?.stop();
  server?.close();
});

const click = (locator) => clickIn(driver, locator);
const rowNames = () => namesIn(driver);
const showing = () => driver.findElement(By.css("[data-testid='showing']")).getText();

async function fill(id, value) {
  const input = await driver.wait(until.elementLocated(By.id(id)), 10_000);
  await input.sendKeys(value);
}

async function add(providerLabel, fields) {
  await click(byText("button", "Add integration"));
  await click(By.css(`button[aria-label='Add ${providerLabel}']`));
  for (const [id, value] of fields) await fill(id, value);
  await click(byText("button", "Create integration"));
  await driver.wait(until.elementLocated(byText("div", `Created ${fields[0][1]}`)), 10_000);
}

test("page through 25 integrations of three providers and test one", async () => {
  await driver.wait(until.elementLocated(By.css("[data-testid='showing']")), 20_000);
  assert.equal(await showing(), "Showing 1–10 of 22");

  await add("HTTP endpoint", [["field-name", "Alpha shop"], ["field-url", serverUrl]]);
  await add("n8n", [["field-name", "Automations"], ["field-base_url", "http://127.0.0.1:9"], ["field-api_key", "n8n-key-e2e"]]);
  await add("Kommo (amoCRM)", [["field-name", "Acme CRM"], ["field-subdomain", "acme"], ["field-base_url", "http://127.0.0.1:9"], ["field-token", "kommo-token-e2e"]]);
  await driver.wait(async () => (await showing()) === "Showing 1–10 of 25", 10_000);

  // Sorted by name (ascending by default): page 1 starts with the three new ones.
  assert.deepEqual((await rowNames()).slice(0, 4), ["Acme CRM", "Alpha shop", "Automations", "Client site 01"]);
  await click(By.css("button[aria-label='Next page']"));
  await driver.wait(async () => (await showing()) === "Showing 11–20 of 25", 10_000);
  assert.equal((await rowNames())[0], "Client site 08");
  await click(By.css("button[aria-label='Last page']"));
  await driver.wait(async () => (await showing()) === "Showing 21–25 of 25", 10_000);
  assert.deepEqual(await rowNames(), ["Client site 18", "Client site 19", "Client site 20", "Client site 21", "Client site 22"]);

  // Descending sort goes back to page 1.
  await click(By.css("button.sort[data-column='name']"));
  await driver.wait(async () => (await showing()) === "Showing 1–10 of 25", 10_000);
  assert.equal((await rowNames())[0], "Client site 22");
  await click(By.css("button.sort[data-column='name']"));
  await driver.wait(async () => (await rowNames())[0] === "Acme CRM", 10_000);

  // Test the integration that points at the local server: its indicator turns healthy.
  await click(By.css("button[aria-label='Test Alpha shop']"));
  await driver.wait(until.elementLocated(byText("div", "Alpha shop: healthy")), 15_000);
  const indicator = By.css("tr[data-integration-id] button[aria-label='Health history of Alpha shop'] [role='img']");
  await driver.wait(async () => (await driver.findElement(indicator).getAttribute("aria-label")) === "Healthy", 10_000);
  assert.equal(await driver.findElement(indicator).getText(), "✓");

  // The history panel lists the result.
  await click(By.css("button[aria-label='Health history of Alpha shop']"));
  const history = await driver.wait(until.elementLocated(By.css("table[aria-label='Health history'] tbody tr")), 10_000);
  assert.match(await history.getText(), /healthy/);
  assert.match(await history.getText(), /HTTP 200/);
});
