// End-to-end story of the desktop shell in the real app: "Check for updates" against a local update
// server (latest.json + a bundle signed with a throwaway test key, tests/updater/) finds the newer
// version, shows its notes and verifies the signature; a tampered bundle is refused. "Start at login"
// writes and removes the XDG autostart entry. Export with encrypted secrets to Downloads, then import
// the file back into a new project: wrong passphrase, success, and a second import refused for its clash.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { By, Key, until, byText, click as clickIn, patchbay, root, startApp } from "./harness.mjs";

const fixtures = join(root, "tests/updater");
const bundle = readFileSync(join(fixtures, "update.tar.gz"));
const signature = readFileSync(join(fixtures, "update.tar.gz.sig"), "utf8").trim();
const pubkey = readFileSync(join(fixtures, "test.key.pub"), "utf8").trim();
let tampered = false;
const SECRET = "e2e-kommo-token-4c1d";
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
    secrets: [SECRET, "e2e passphrase"],
    seed: (dir) =>
      patchbay(dir, ["integration", "add", "--provider", "kommo", "--name", "Sales", "--set", "subdomain=acme", "--secret", "token"], `${SECRET}\n`),
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

test("export with encrypted secrets, then import into a new project: wrong passphrase, success, clash", async () => {
  await click(byText("button", "Settings"));
  const exportForm = By.xpath("//form[@aria-label='Export a project']");
  await wait(exportForm);
  await click(By.xpath("//form[@aria-label='Export a project']//label[contains(., 'Include secrets')]/input"));
  await driver.findElement(By.id("export-passphrase")).sendKeys("e2e passphrase");
  await driver.findElement(By.id("export-repeat")).sendKeys("e2e passphrase!");
  await click(byText("button", "Export to Downloads"));
  assert.match(await (await wait(By.id("export-repeat-error"))).getText(), /differ/);
  await driver.findElement(By.id("export-repeat")).sendKeys(Key.BACK_SPACE);
  await click(byText("button", "Export to Downloads"));
  const saved = await wait(By.xpath("//form[@aria-label='Export a project']//p[@role='status']/code"));
  const path = await saved.getText();
  assert.ok(path.startsWith(join(app.dataDir, "home", "Downloads")), path);
  const text = readFileSync(path, "utf8");
  assert.match(text, /-----BEGIN AGE ENCRYPTED FILE-----/);
  assert.ok(!text.includes(SECRET), "secret in clear in the export");

  const chooseFile = async () => {
    await driver.findElement(By.id("import-file")).sendKeys(path);
    await wait(By.xpath("//p[@aria-label='File contents'][contains(., '1 integrations')][contains(., 'secrets included')]"));
  };
  await chooseFile();
  const project = await driver.findElement(By.id("import-project"));
  assert.equal(await project.getAttribute("value"), "Default");
  await project.clear();
  await project.sendKeys("Restored");
  await driver.findElement(By.id("import-passphrase")).sendKeys("not it at all");
  await click(byText("button", "Import"));
  assert.match(await (await wait(By.id("import-passphrase-error"))).getText(), /wrong passphrase/);
  assert.equal(await project.getAttribute("value"), "Restored", "the form keeps the user's input");
  const passphrase = await driver.findElement(By.id("import-passphrase"));
  await passphrase.clear();
  await passphrase.sendKeys("e2e passphrase");
  await click(byText("button", "Import"));
  const report = await wait(By.xpath("//form[@aria-label='Import a project']//p[@role='status']"));
  assert.match(await report.getText(), /Imported into Restored \(new project\): 1 integrations .* 1 secrets/);
  const restored = JSON.parse(patchbay(app.dataDir, ["--json", "integration", "list", "--project", "Restored"]));
  assert.deepEqual(
    restored.items.map((i) => [i.name, i.provider, i.config.subdomain, i.secrets_set]),
    [["Sales", "kommo", "acme", ["token"]]],
  );

  await chooseFile();
  const again = await driver.findElement(By.id("import-project"));
  await again.clear();
  await again.sendKeys("Restored");
  await driver.findElement(By.id("import-passphrase")).sendKeys("e2e passphrase");
  await click(byText("button", "Import"));
  const clash = await wait(By.xpath("//form[@aria-label='Import a project']//div[@role='alert']"));
  assert.match(await clash.getText(), /nothing was imported: 1 already exists \(integration `Sales`\)/);
});
