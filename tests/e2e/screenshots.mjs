// Takes the README's screenshots from the real app (light and dark) into docs/screenshots/.
// Run inside the test session: tests/bootstrap.sh screenshots.
import { createServer } from "node:http";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { execFile, execFileSync, spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { By, until, byText, cli, click, patchbay, root, startApp, typeOver } from "./harness.mjs";

const out = join(root, "docs/screenshots");
mkdirSync(out, { recursive: true });

const up = createServer((request, response) => response.end(request.url === "/ping" ? "Ok.\n" : "ok"));
const down = createServer((_, response) => {
  response.statusCode = 503;
  response.end("maintenance");
});
await Promise.all([up, down].map((server) => new Promise((r) => server.listen(0, "127.0.0.1", r))));
const upUrl = `http://127.0.0.1:${up.address().port}`;
// Local Kommo and Bitrix24 portals with generated deals (the test suite's fakes).
const portals = spawn(join(root, "target/debug/examples/fake_portals"), ["600"], { stdio: ["pipe", "pipe", "inherit"] });
const [portalLine] = await once(createInterface({ input: portals.stdout }), "line");
const crm = JSON.parse(portalLine);
const downUrl = `http://127.0.0.1:${down.address().port}`;

async function seed(dataDir) {
  const add = (...args) => patchbay(dataDir, ["integration", "add", ...args]);
  patchbay(dataDir, ["project", "add", "Acme Trading"]);
  patchbay(dataDir, ["project", "add", "Birch Clinic"]);
  add("--provider", "http", "--name", "Shop storefront", "--project", "Acme Trading", "--set", `url=${upUrl}/`);
  add("--provider", "http", "--name", "Billing API", "--project", "Acme Trading", "--set", `url=${downUrl}/health`);
  const n8n = JSON.parse(patchbay(dataDir, ["--json", "integration", "add", "--provider", "n8n", "--name", "Order automations", "--project", "Acme Trading", "--set", `base_url=${upUrl}`, "--inactive"]));
  patchbay(dataDir, ["n8n", "route", "add", String(n8n.id), "--key", "order.created", "--path", "orders/new", "--description", "New web-shop order"]);
  patchbay(dataDir, ["n8n", "route", "add", String(n8n.id), "--key", "invoice.paid", "--path", "billing/paid"]);
  patchbay(dataDir, ["integration", "add", "--provider", "kommo", "--name", "Acme CRM", "--project", "Acme Trading", "--set", "subdomain=acme", "--set", `base_url=${crm.kommo}`, "--secret", "token"], "demo-token\n");
  add("--provider", "smtp", "--name", "Clinic mail", "--project", "Birch Clinic", "--set", "host=smtp.birch.test", "--set", "username=desk@birch.test", "--inactive");
  add("--provider", "clickhouse", "--name", "Analytics", "--project", "Birch Clinic", "--set", `base_url=${upUrl}`);
  patchbay(dataDir, ["integration", "add", "--provider", "bitrix24", "--name", "Clinic portal", "--project", "Birch Clinic", "--secret", "webhook_url"], `${crm.source}\n`);
  patchbay(dataDir, ["integration", "add", "--provider", "bitrix24", "--name", "Head office portal", "--project", "Birch Clinic", "--secret", "webhook_url"], `${crm.target}\n`);
  // Asynchronously: the local servers above live in this process and must keep answering.
  await new Promise((resolve) => execFile(cli, ["--data-dir", dataDir, "check", "--all"], () => resolve()));
}

// WebKitWebDriver takes screenshots from WebKit's compositor: when WebKit draws without it (what Patchbay
// chooses on a machine without a GPU, src-tauri/src/rendering.rs) the screenshot command never answers.
// These screenshots are taken with compositing on; the pixels are the same.
const compositing = { WEBKIT_DISABLE_COMPOSITING_MODE: "0" };

async function shoot(theme) {
  const env = theme === "dark" ? { ...compositing, GTK_THEME: "Adwaita:dark" } : compositing;
  const app = await startApp({ port: theme === "dark" ? 4464 : 4474, seed, env });
  const { driver } = app;
  const save = async (name) => {
    const file = join(out, `${name}-${theme}.png`);
    // Toasts already captured by an earlier screenshot belong to an earlier step: dismissed, so that only
    // the toasts of this step show.
    await driver.executeScript(`
      document.querySelectorAll("[data-testid='toast'][data-shot-seen] [aria-label='Dismiss notification']").forEach((b) => b.click());`);
    // The compositor can hand back its frame before the window's first paint has reached it (a blank
    // integrations-light.png was once committed this way): retake until the image has more than one colour.
    for (let attempt = 1; ; attempt++) {
      await new Promise((r) => setTimeout(r, 400));
      writeFileSync(file, await driver.takeScreenshot(), "base64");
      const colours = Number(execFileSync("identify", ["-format", "%k", file], { encoding: "utf8" }));
      if (colours > 1) {
        await driver.executeScript(`document.querySelectorAll("[data-testid='toast']").forEach((t) => t.setAttribute("data-shot-seen", ""));`);
        return;
      }
      if (attempt === 10) throw new Error(`${name}-${theme}.png: still one colour after ${attempt} screenshots`);
    }
  };
  try {
    await driver.wait(until.elementLocated(By.css("table[aria-label='Integrations'] tbody tr")), 20_000);
    await save("integrations");
    // An audit-webhook endpoint first, so the runs below fill its delivery log.
    await click(driver, byText("button", "Webhooks"));
    await click(driver, byText("button", "Add endpoint"));
    const endpointName = await driver.wait(until.elementLocated(By.xpath("//label[contains(., 'Name')]/input")), 10_000);
    await endpointName.sendKeys("Audit trail");
    const endpointUrl = await driver.findElement(By.xpath("//label[contains(., 'URL')]/input"));
    await endpointUrl.clear();
    await endpointUrl.sendKeys(`${upUrl}/hooks`);
    await driver.findElement(By.xpath("//label[contains(., 'Signing secret')]/input")).sendKeys("whsec-demo");
    await click(driver, By.xpath("//*[@role='dialog']//button[normalize-space()='Add endpoint']"));
    await driver.wait(until.elementLocated(By.xpath("//table[@aria-label='Endpoints']//td[normalize-space()='Audit trail']")), 10_000);
    await click(driver, byText("button", "Integrations"));
    await click(driver, byText("button", "Add integration"));
    await click(driver, By.css("button[aria-label='How to set up Bitrix24']"));
    await driver.wait(until.elementLocated(By.css("[role='tooltip']")), 10_000);
    await save("provider-catalog");
    await click(driver, By.css("button[aria-label='Add Kommo (amoCRM)']"));
    await driver.wait(until.elementLocated(By.id("field-name")), 10_000).sendKeys("New CRM");
    await driver.findElement(By.id("field-token")).sendKeys("secret-token");
    await click(driver, byText("button", "Create integration"));
    await driver.wait(until.elementLocated(By.id("subdomain-error")), 10_000);
    await save("integration-form");
    await click(driver, byText("button", "Cancel"));
    await click(driver, byText("button", "Discard"));
    await click(driver, By.css("button[aria-label='More actions for Order automations']"));
    await click(driver, By.xpath("//*[@role='menuitem'][normalize-space()='n8n routes…']"));
    await driver.wait(until.elementLocated(By.css("table[aria-label='Routes'] tbody tr")), 10_000);
    await click(driver, By.xpath("//table[@aria-label='Routes']//tr[td/code[normalize-space()='order.created']]//button[normalize-space()='Trigger…']"));
    await click(driver, byText("button", "Trigger"));
    await driver.wait(until.elementLocated(By.css(".facts-box")), 10_000);
    await save("n8n-routes");
    await click(driver, By.css("button[aria-label='Edit route order.created…']"));
    await driver.wait(until.elementLocated(By.css("form[aria-label='Edit route order.created']")), 10_000);
    await save("n8n-route-editor");
    await click(driver, By.xpath("//form[@aria-label='Edit route order.created']//button[normalize-space()='Cancel']"));
    await click(driver, byText("button", "Close"));
    await click(driver, By.css("button[aria-label='More actions for Acme CRM']"));
    await click(driver, By.xpath("//*[@role='menuitem'][normalize-space()='CRM sync…']"));
    await click(driver, byText("button", "Start sync"));
    await driver.wait(until.elementLocated(By.xpath("//div[contains(@class,'facts-box')]//span[normalize-space()='succeeded']")), 30_000);
    await save("crm-sync");
    await click(driver, byText("button", "Close"));
    await click(driver, By.css("button[aria-label='More actions for Clinic portal']"));
    await click(driver, By.xpath("//*[@role='menuitem'][normalize-space()='CRM sync…']"));
    await click(driver, byText("button", "Start sync"));
    await driver.wait(until.elementLocated(By.xpath("//div[contains(@class,'facts-box')]//span[normalize-space()='succeeded']")), 30_000);
    // The stage filter's options arrive after the sync's records.
    await click(driver, By.css("select[aria-label='Stage'] option[value='C1:WON']"));
    await save("crm-records");
    await click(driver, byText("button", "Bridges to other portals…"));
    await click(driver, byText("button", "New bridge"));
    const fill = (xpath, text) => typeOver(driver, By.xpath(xpath), text);
    await fill("//label[contains(., 'Name')]/input", "Clinic wins → head office");
    await driver.findElement(By.xpath("//label[contains(., 'Target portal')]/select/option[contains(., 'Head office')]")).click();
    await fill("//label[contains(., 'Trigger stage')]/input", "C1:WON");
    await fill("//label[contains(., 'Stage of the created deals')]/input", "NEW");
    await save("bridge-editor");
    await click(driver, byText("button", "Save bridge"));
    await click(driver, byText("button", "Dry run"));
    await driver.wait(until.elementLocated(By.css("div[aria-label='Bridge report']")), 15_000);
    await save("bridge-dry-run");
    await click(driver, byText("button", "Close"));
    await click(driver, byText("button", "Close"));
    await click(driver, byText("button", "Runs"));
    await driver.wait(until.elementLocated(By.css("table[aria-label='Runs'] tbody tr")), 10_000);
    await save("runs");
    await click(driver, By.css("table[aria-label='Runs'] tbody tr button"));
    await driver.wait(until.elementLocated(By.css("pre[aria-label='Run log']")), 10_000);
    await save("run-detail");
    await click(driver, byText("button", "Close"));
    await click(driver, byText("button", "Webhooks"));
    await driver.wait(until.elementLocated(By.xpath("//table[@aria-label='Deliveries']//span[normalize-space()='delivered']")), 15_000);
    await save("webhooks");
    await click(driver, By.xpath("//button[@aria-label='Edit Audit trail…']"));
    await driver.wait(until.elementLocated(By.css("form[aria-label='Edit endpoint Audit trail']")), 10_000);
    await save("webhook-endpoint-editor");
    await click(driver, By.xpath("//*[@role='dialog']//button[normalize-space()='Cancel']"));
    await click(driver, byText("button", "Templates"));
    await click(driver, byText("button", "Write your first template"));
    await driver.wait(until.elementLocated(By.css("iframe[title='Preview']")), 10_000);
    await driver.findElement(By.id("template-name")).sendKeys("Order shipped");
    await click(driver, byText("button", "Save"));
    await driver.wait(until.elementLocated(byText("div", "Saved Order shipped")), 10_000);
    await save("template-editor");
    await click(driver, By.xpath("//button[@role='tab'][normalize-space()='Compatibility']"));
    await driver.wait(until.elementLocated(By.css("table[aria-label='Compatibility'], [data-testid='compat-ok']")), 20_000);
    await save("template-compatibility");
    await click(driver, byText("button", "← Templates"));
    await click(driver, byText("button", "Settings"));
    await driver.wait(until.elementLocated(By.css("section[aria-label='Settings'] dl")), 10_000);
    await save("settings");
    const exportForm = await driver.findElement(By.xpath("//form[@aria-label='Export a project']"));
    await driver.executeScript("arguments[0].scrollIntoView()", exportForm);
    await click(driver, By.xpath("//form[@aria-label='Export a project']//label[contains(., 'Include secrets')]/input"));
    await save("settings-export-import");
  } finally {
    await app.stop();
  }
}

await shoot("light");
await shoot("dark");
up.close();
down.close();
portals.stdin.end();
console.log(`screenshots written to ${out}`);
