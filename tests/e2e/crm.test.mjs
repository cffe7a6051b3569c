// End-to-end story: a consultant syncs a partner's Bitrix24 portal (300 generated deals on a local
// portal), browses the records (sorted by amount, filtered by stage), then builds a bridge to the main
// portal in the editor, dry-runs it, runs it after confirming, and sees a rerun create nothing. Before
// that, a sync the CLI runs on a slow Kommo account: the app shows it, and neither starts it a second
// time nor claims to cancel it. Last, a CLI sync killed mid-run, which the app marks interrupted while it is open.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { join } from "node:path";
import { By, byText, cli, click as clickIn, Key, patchbay, root, startApp, texts, waitFor, typeOver } from "./harness.mjs";

let app;
let driver;
let portals;
let urls;
let kommoId;

before(async () => {
  const build = process.env.PATCHBAY_BUILD_DIR ?? join(root, "target/debug");
  // 300 deals; each Kommo answer after 4 s, so that a CLI sync of it lasts a while.
  portals = spawn(join(build, "examples/fake_portals"), ["300", "4000"], { stdio: ["pipe", "pipe", "inherit"] });
  const [line] = await once(createInterface({ input: portals.stdout }), "line");
  urls = JSON.parse(line);
  app = await startApp({
    port: 4484,
    // The webhook URLs carry the portals' codes: neither may be written anywhere in clear.
    secrets: [...[urls.source, urls.target].map((url) => new URL(url).pathname.replace(/\/$/, "")), "demo-token"],
    seed: (dataDir) => {
      patchbay(dataDir, ["integration", "add", "--provider", "bitrix24", "--name", "Partner portal", "--secret", "webhook_url"], `${urls.source}\n`);
      patchbay(dataDir, ["integration", "add", "--provider", "bitrix24", "--name", "Main portal", "--secret", "webhook_url", "--inactive"], `${urls.target}\n`);
      kommoId = JSON.parse(
        patchbay(dataDir, ["--json", "integration", "add", "--provider", "kommo", "--name", "Kommo account", "--set", `base_url=${urls.kommo}`, "--secret", "token", "--inactive"], "demo-token\n"),
      ).id;
    },
  });
  driver = app.driver;
});

after(async () => {
  await app?.stop();
  portals?.stdin.end();
});

const click = (locator) => clickIn(driver, locator);
const wait = (locator, ms = 15_000) => waitFor(driver, locator, ms);

const type = (locator, text) => typeOver(driver, locator, text);

test("a sync the CLI runs is shown in the app, not started twice, and not cancelled from here", async () => {
  await wait(By.css("table[aria-label='Integrations'] tbody tr"));
  await click(By.css("button[aria-label='More actions for Kommo account']"));
  await click(By.xpath("//*[@role='menuitem'][normalize-space()='CRM sync…']"));
  await wait(byText("button", "Start sync"));

  // The dialog is open and idle when the CLI starts a sync of the same account.
  const cliSync = spawn(cli, ["--data-dir", app.dataDir, "--json", "sync", "run", String(kommoId), "--entities", "deals"], { stdio: ["ignore", "pipe", "pipe"] });
  let cliErr = "";
  cliSync.stderr.on("data", (chunk) => (cliErr += chunk));
  const cliExit = once(cliSync, "exit");
  const deadline = Date.now() + 15_000;
  while (!JSON.parse(patchbay(app.dataDir, ["--json", "sync", "list"])).items.some((run) => run.status === "running")) {
    assert.ok(Date.now() < deadline, `the CLI sync never showed as running: ${cliErr}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }

  await click(byText("button", "Start sync"));
  await wait(By.xpath("//*[contains(@class,'toast')][contains(., 'Cannot start the sync')][contains(., 'already running in another Patchbay window or command')]"));
  // The dialog now shows the CLI's run; this window cannot stop it and says so.
  await wait(By.xpath("//div[contains(@class,'facts-box')]//span[normalize-space()='running']"));
  await click(byText("button", "Cancel sync"));
  await wait(By.xpath("//*[contains(@class,'toast')][contains(., 'Cannot cancel the sync')][contains(., 'another Patchbay window or command runs it')]"));

  const [code] = await cliExit;
  assert.equal(code, 0, cliErr);
  // The dialog follows the other process's run to its end.
  await wait(By.xpath("//div[contains(@class,'facts-box')]//span[normalize-space()='succeeded']"), 15_000);
  await wait(By.xpath("//div[contains(@class,'facts-box')][contains(., '300 fetched: 300 created')]"));
  await driver.actions().sendKeys(Key.ESCAPE).perform();
  await wait(By.css("table[aria-label='Integrations'] tbody tr"));
});

test("sync a portal, browse its deals, bridge them to another portal once", async () => {
  await wait(By.css("table[aria-label='Integrations'] tbody tr"));
  await click(By.css("button[aria-label='More actions for Partner portal']"));
  await click(By.xpath("//*[@role='menuitem'][normalize-space()='CRM sync…']"));
  await click(byText("button", "Start sync"));
  await wait(By.xpath("//div[contains(@class,'facts-box')]//span[normalize-space()='succeeded']"), 30_000);
  const summary = await driver.findElement(By.css(".facts-box")).getText();
  assert.match(summary, /352 fetched: 352 created/, "3 pipelines, 9 stages, 300 deals, 40 contacts");

  // Records browser: deals by amount, descending; then one stage only.
  await wait(By.xpath("//section[@aria-label='Synced records']//*[@data-testid='showing'][contains(., 'of 300')]"));
  // Amounts sort largest first on the first click (TanStack's default for numbers).
  await click(By.css("table[aria-label='Synced records'] button[data-column='amount']"));
  await wait(By.css("table[aria-label='Synced records'] th[aria-sort='descending'] button[data-column='amount']"));
  await wait(By.xpath("//table[@aria-label='Synced records']//tbody/tr[1]/td[1][normalize-space()='Deal 300']"));
  // The stage menu is filled by its own query, refetched as the sync progressed: wait for the option.
  await click(By.xpath("//select[@aria-label='Stage']/option[@value='C1:WON']"));
  await wait(By.xpath("//section[@aria-label='Synced records']//*[@data-testid='showing'][contains(., 'of 33')]"));
  const stages = await texts(driver, "table[aria-label='Synced records'] tbody tr td:nth-child(3)");
  assert.ok(stages.length > 0);
  for (const stage of stages) assert.equal(stage, "Won");

  // A bridge from this portal to the main one.
  await click(byText("button", "Bridges to other portals…"));
  await wait(byText("p", "No bridge from this portal yet."));
  await click(byText("button", "New bridge"));
  await type(By.xpath("//label[contains(., 'Name')]/input"), "Partner wins → main");
  await click(By.xpath("//label[contains(., 'Target portal')]/select/option[contains(., 'Main portal')]"));
  await type(By.xpath("//label[contains(., 'Trigger stage')]/input"), "C1:WON");
  // Saving without a target stage names the problem and keeps the form.
  await click(byText("button", "Save bridge"));
  await wait(By.xpath("//div[contains(@class,'error')][contains(., 'Map the trigger stage C1:WON to a stage of the target portal')]"));
  await type(By.xpath("//label[contains(., 'Stage of the created deals')]/input"), "NEW");
  await click(byText("button", "Add field"));
  await type(By.css("input[aria-label='Target field 4']"), "COMMENTS");
  await click(By.css("select[aria-label='Source kind 4'] option[value='constant']"));
  await type(By.css("input[aria-label='Source 4']"), "From the partner portal");
  await click(byText("button", "Save bridge"));
  await wait(By.xpath("//table[@aria-label='Bridges']//td[normalize-space()='Partner wins → main']"));

  await click(byText("button", "Dry run"));
  await wait(By.xpath("//div[@aria-label='Bridge report'][contains(., '33 would be created')]"));
  await click(By.xpath("//table[@aria-label='Bridges']//button[normalize-space()='Run…']"));
  await click(byText("button", "Run bridge"));
  await wait(By.xpath("//div[@aria-label='Bridge report'][contains(., '33 created')]"), 30_000);
  await wait(By.xpath("//table[@aria-label='Bridges']//tr[td[normalize-space()='Partner wins → main']]/td[4][normalize-space()='33']"));

  await click(By.xpath("//table[@aria-label='Bridges']//button[normalize-space()='Run…']"));
  await click(byText("button", "Run bridge"));
  await wait(By.xpath("//div[@aria-label='Bridge report'][contains(., '0 created')][contains(., '33 already transferred')]"), 30_000);
});

test("a CLI sync killed while the app is open is shown as interrupted, not running forever", async () => {
  // The story before left the bridges dialog open over the sync dialog, its focus on a button that was
  // disabled while the bridge ran: Escape still closes the topmost dialog, then the next.
  await driver.actions().sendKeys(Key.ESCAPE).perform();
  await wait(By.xpath("//h2[normalize-space()='CRM sync — Partner portal']"));
  assert.equal((await driver.findElements(By.xpath("//h2[starts-with(normalize-space(), 'Bridges from')]"))).length, 0);
  await driver.actions().sendKeys(Key.ESCAPE).perform();
  const closed = Date.now() + 5_000;
  while ((await driver.findElements(By.css(".dialog-backdrop"))).length > 0) {
    assert.ok(Date.now() < closed, "Escape did not close the sync dialog");
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await click(By.xpath("//nav[@aria-label='Main']//button[normalize-space()='Runs']"));
  await wait(By.css("table[aria-label='Runs'] tbody tr"));

  const cliSync = spawn(cli, ["--data-dir", app.dataDir, "--json", "sync", "run", String(kommoId), "--entities", "deals", "--full"], { stdio: "ignore" });
  const deadline = Date.now() + 15_000;
  const running = () => JSON.parse(patchbay(app.dataDir, ["--json", "sync", "list"])).items.find((run) => run.status === "running");
  while (!running()) {
    assert.ok(Date.now() < deadline, "the CLI sync never showed as running");
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const { id } = running();
  cliSync.kill("SIGKILL");
  await once(cliSync, "exit");

  // Its lock is free at once: the app's next sweep (every 15 s) marks it interrupted and the page shows it.
  const row = `//table[@aria-label='Runs']//tr[.//button[contains(., 'Kommo (amoCRM) sync')]][contains(., 'Kommo account')]`;
  await wait(By.xpath(`${row}//span[normalize-space()='interrupted']`), 60_000);
  const run = JSON.parse(patchbay(app.dataDir, ["--json", "sync", "list"])).items.find((r) => r.id === id);
  assert.equal(run.status, "interrupted");
});
