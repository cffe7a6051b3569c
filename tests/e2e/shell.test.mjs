// End-to-end story of the desktop shell in the real app: "Check for updates" against a local update
// server (latest.json + a bundle signed with a throwaway test key, tests/updater/) finds the newer
// version, shows its notes and verifies the signature; a tampered bundle is refused. "Start at login"
// writes and removes the XDG autostart entry.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { By, until, byText, click as clickIn, root, startApp } from "./harness.mjs";

const fixtures = join(root, "tests/updater");
const bundle = readFileSync(join(fixtures, "update.tar.gz"));
const signature = readFileSync(join(fixtures, "update.tar.gz.sig"), "utf8").trim();
const pubkey = readFileSync(join(fixtures, "test.key.pub"), "utf8").trim();
let tampered = false;
const requests = [];

const server = createServer((request, response) => {
  requests.push(request.url);
  const base = `http://127.0.0.1:${server.address().port}`;
  if (request.url === "/latest.json") {
    response.setHeader("Content-Type", "application/json");
    response.end(
      JSON.stringify({
        version: "9.9.9",
        notes: "Bridges between Bitrix24 portals.\nFaster syncs.",
        pub_date: "2026-11-20T10:00:00Z",
        platforms: { "linux-x86_64": { signature, url: `${base}/update.tar.gz` } },
      }),
    );
  } else if (request.url === "/update.tar.gz") {
    response.end(tampered ? Buffer.concat([bundle, Buffer.from("tampered")]) : bundle);
  } else {
    response.statusCode = 404;
    response.end();
  }
});

let app;
let driver;

before(async () => {
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  app = await startApp({
    port: 4494,
    env: { PATCHBAY_UPDATE_ENDPOINT: `http://127.0.0.1:${server.address().port}/latest.json`, PATCHBAY_UPDATE_PUBKEY: pubkey },
  });
  driver = app.driver;
});

after(async () => {
  await app?.stop();
  server.close();
});

const click = (locator) => clickIn(driver, locator);
const wait = (locator, ms = 15_000) => driver.wait(until.elementLocated(locator), ms);

test("check for updates finds 9.9.9, verifies its signature and refuses a tampered bundle", async () => {
  await click(byText("button", "Settings"));
  await click(byText("button", "Check for updates"));
  const box = await wait(By.xpath("//div[@aria-label='Updates']//div[contains(@class,'facts-box')][contains(., 'Patchbay 9.9.9 is available')]"));
  assert.match(await box.getText(), /Bridges between Bitrix24 portals/);
  await click(byText("button", "Download and verify"));
  await wait(By.xpath("//div[@aria-label='Updates']//p[contains(., 'the signature matches')]"));
  assert.ok(requests.includes("/update.tar.gz"));

  tampered = true;
  await click(byText("button", "Check for updates"));
  await click(byText("button", "Download and verify"));
  const error = await wait(By.xpath("//div[@aria-label='Updates']//div[contains(@class,'error')]"));
  assert.match(await error.getText(), /signature does not match/);
  assert.equal((await driver.findElements(byText("button", "Install and restart"))).length, 0, "nothing to install");
});

test("start at login writes and removes the autostart entry", async () => {
  // auto-launch writes $HOME/.config/autostart (the harness gives the app its own HOME).
  const autostartDir = join(app.dataDir, "home", ".config", "autostart");
  const entries = () => (existsSync(autostartDir) ? readdirSync(autostartDir).filter((f) => f.endsWith(".desktop")) : []);
  const box = await wait(By.xpath("//label[contains(., 'Start Patchbay at login')]/input"));
  assert.equal(await box.isSelected(), false);
  await box.click();
  await driver.wait(async () => (await box.isSelected()) && entries().length === 1, 10_000);
  assert.match(readFileSync(join(autostartDir, entries()[0]), "utf8"), /--hidden/);
  await box.click();
  await driver.wait(async () => !(await box.isSelected()) && entries().length === 0, 10_000);
});

test("the app writes its log to the OS log dir", async () => {
  const log = join(app.dataDir, "xdg-data", "app.patchbay.desktop", "logs", "patchbay.log");
  await driver.wait(() => existsSync(log), 10_000);
  assert.match(readFileSync(log, "utf8"), /INFO\s+patchbay_app Patchbay 0\.1\.0 started/);
  await wait(By.xpath("//dt[normalize-space()='Logs']/following-sibling::dd[1]//button[normalize-space()='Open logs folder']"));
});
