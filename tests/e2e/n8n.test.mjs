// End-to-end story: n8n routes in the real app. A route is added, then edited (path, method, default
// payload) — the edit is kept after a refusal and saved once fixed — and triggering it sends the edited
// request to the n8n webhook (a local HTTP server standing in for n8n's webhook listener on 127.0.0.1).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { By, until, byText, click as clickIn, patchbay, startApp, typeOver } from "./harness.mjs";

const received = [];
const n8n = createServer((request, response) => {
  let body = "";
  request.on("data", (chunk) => (body += chunk));
  request.on("end", () => {
    received.push({ method: request.method, url: request.url, body });
    response.setHeader("content-type", "application/json");
    response.end(JSON.stringify({ message: "Workflow was started" }));
  });
});

let app;
let driver;

before(async () => {
  await new Promise((r) => n8n.listen(0, "127.0.0.1", r));
  app = await startApp({
    port: 4534,
    seed: (dataDir) =>
      patchbay(dataDir, ["integration", "add", "--provider", "n8n", "--name", "Order automations", "--set", `base_url=http://127.0.0.1:${n8n.address().port}`, "--inactive"]),
  });
  driver = app.driver;
});

after(async () => {
  await app?.stop();
  n8n.close();
});

const click = (locator) => clickIn(driver, locator);
const wait = (locator, ms = 15_000) => driver.wait(until.elementLocated(locator), ms);

const type = (locator, text) => typeOver(driver, locator, text);

test("a route is added, edited and triggered with its edited path, method and default payload", async () => {
  await wait(By.css("table[aria-label='Integrations'] tbody tr"));
  await click(By.css("button[aria-label='More actions for Order automations']"));
  await click(By.xpath("//*[@role='menuitem'][normalize-space()='n8n routes…']"));
  await type(By.css("input[aria-label='Action key']"), "order.created");
  await type(By.css("input[aria-label='Webhook path']"), "orders/new");
  await click(byText("button", "Add route"));
  await wait(By.xpath("//table[@aria-label='Routes']//td[normalize-space()='POST /webhook/orders/new']"));

  await click(By.css("button[aria-label='Edit route order.created…']"));
  const editor = "//form[@aria-label='Edit route order.created']";
  await type(By.id("route-webhook_path"), "orders/v2");
  await driver.findElement(By.xpath("//select[@id='route-method']/option[normalize-space()='PUT']")).click();
  await type(By.id("route-default_payload"), '{"id": 7');
  await click(By.xpath(`${editor}//button[normalize-space()='Save route']`));
  // The core refuses the broken JSON: its message shows under the field and the edit stays.
  await wait(By.xpath(`${editor}//div[contains(@class,'error')][starts-with(normalize-space(), 'The default payload is not valid JSON')]`));
  const payload = await driver.findElement(By.id("route-default_payload"));
  assert.equal(await payload.getAttribute("value"), '{"id": 7');
  await payload.sendKeys("}");
  await click(By.xpath(`${editor}//button[normalize-space()='Save route']`));
  await wait(By.xpath("//table[@aria-label='Routes']//td[normalize-space()='PUT /webhook/orders/v2']"));
  assert.equal((await driver.findElements(By.xpath(editor))).length, 0, "the editor closes once saved");

  // The edit is in the store (the CLI reads the same database).
  const routes = JSON.parse(patchbay(app.dataDir, ["--json", "n8n", "route", "list", "1"]));
  assert.deepEqual(
    routes.map(({ action_key, webhook_path, method, default_payload }) => ({ action_key, webhook_path, method, default_payload })),
    [{ action_key: "order.created", webhook_path: "orders/v2", method: "PUT", default_payload: '{"id": 7}' }],
  );

  await click(By.xpath("//table[@aria-label='Routes']//tr[td/code[normalize-space()='order.created']]//button[normalize-space()='Trigger…']"));
  const triggerPayload = await wait(By.id("trigger-payload"));
  assert.equal(await triggerPayload.getAttribute("value"), '{"id": 7}', "the trigger starts from the default payload");
  await click(byText("button", "Trigger"));
  await wait(By.xpath("//div[contains(@class,'facts-box')]//span[normalize-space()='succeeded']"));
  assert.deepEqual(
    received.map(({ method, url, body }) => ({ method, url, body: JSON.parse(body) })),
    [{ method: "PUT", url: "/webhook/orders/v2", body: { id: 7 } }],
  );
});
