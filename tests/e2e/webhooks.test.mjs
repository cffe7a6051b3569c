// End-to-end story: an audit-webhook endpoint added in the real app receives `integration_created`
// signed with its secret (the receiver checks the HMAC); the first attempt gets a 500 and the delivery
// log shows the retry, then "delivered"; redelivery sends the same event id again; the endpoint edited
// with a new secret keeps its log and signs the next event with that secret.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { createHmac, timingSafeEqual } from "node:crypto";
import { By, until, byText, click as clickIn, patchbay, startApp, typeOver } from "./harness.mjs";

const secret = "whsec-e2e";
const rotated = "whsec-rotated";
const received = [];
let answered = 0;
const receiver = createServer((request, response) => {
  let body = "";
  request.on("data", (chunk) => (body += chunk));
  request.on("end", () => {
    const [t, v1] = (request.headers["x-patchbay-signature"] ?? "").split(",").map((part) => part.split("=")[1]);
    const signs = (key) => v1 && timingSafeEqual(Buffer.from(v1), Buffer.from(createHmac("sha256", key).update(`${t}.${body}`).digest("hex")));
    const signedWith = [secret, rotated].find(signs);
    received.push({ id: request.headers["x-patchbay-event-id"], valid: signedWith === secret, signedWith, event: JSON.parse(body) });
    response.statusCode = answered++ === 0 ? 500 : 200;
    response.end();
  });
});

let app;
let driver;

before(async () => {
  await new Promise((r) => receiver.listen(0, "127.0.0.1", r));
  app = await startApp({ port: 4504, secrets: [secret, rotated] });
  driver = app.driver;
});

after(async () => {
  await app?.stop();
  receiver.close();
});

const click = (locator) => clickIn(driver, locator);
const wait = (locator, ms = 15_000) => driver.wait(until.elementLocated(locator), ms);

const type = (xpath, text) => typeOver(driver, By.xpath(xpath), text);

test("signed audit events reach the endpoint, with retries and redelivery in the log", async () => {
  await click(byText("button", "Webhooks"));
  await wait(byText("h2", "No webhook endpoints"));
  await click(byText("button", "Add endpoint"));
  await type("//label[contains(., 'Name')]/input", "Audit trail");
  await type("//label[contains(., 'URL')]/input", `http://127.0.0.1:${receiver.address().port}/hooks`);
  await driver.findElement(By.xpath("//label[code[normalize-space()='integration_created']]/input")).click();
  await type("//label[contains(., 'Signing secret')]/input", secret);
  await click(By.xpath("//*[@role='dialog']//button[normalize-space()='Add endpoint']"));
  await wait(By.xpath("//table[@aria-label='Endpoints']//td[normalize-space()='Audit trail']"));
  const row = await driver.findElement(By.xpath("//table[@aria-label='Endpoints']//tr[td[normalize-space()='Audit trail']]"));
  assert.match(await row.getText(), /HMAC-SHA256/);

  // A change made from the CLI on the same database is an event too.
  patchbay(app.dataDir, ["integration", "add", "--provider", "http", "--name", "Shop", "--set", "url=http://127.0.0.1:9/"]);
  await driver.wait(() => received.length >= 2, 30_000);
  assert.equal(received[0].event.type, "integration_created");
  assert.equal(received[0].event.data.integration.name, "Shop");
  assert.ok(received.every((r) => r.valid), "every delivery is signed with the endpoint's secret");
  assert.equal(received[1].id, received[0].id, "the retry carries the same event id");
  await wait(By.xpath("//table[@aria-label='Deliveries']//span[normalize-space()='delivered']"), 15_000);
  const attempts = await driver.findElement(By.xpath("//table[@aria-label='Deliveries']//tbody/tr[1]/td[5]")).getText();
  assert.equal(attempts, "2");

  await click(By.xpath("//table[@aria-label='Deliveries']//button[normalize-space()='Redeliver']"));
  await driver.wait(() => received.length >= 3, 15_000);
  assert.equal(received[2].id, received[0].id);

  // Edited in place: a new secret, every event; the delivery log stays.
  await click(By.xpath("//button[@aria-label='Edit Audit trail…']"));
  await driver.findElement(By.xpath("//label[code[normalize-space()='integration_created']]/input")).click();
  await type("//label[contains(., 'Signing secret')]/input", rotated);
  await click(byText("button", "Save endpoint"));
  await wait(byText("div", "Endpoint Audit trail saved"));
  const cells = await driver.findElements(By.xpath("//table[@aria-label='Endpoints']//tr[td[normalize-space()='Audit trail']]/td"));
  assert.deepEqual(await Promise.all(cells.slice(2, 4).map((cell) => cell.getText())), ["all", "HMAC-SHA256"]);
  patchbay(app.dataDir, ["integration", "add", "--provider", "http", "--name", "Storefront", "--set", "url=http://127.0.0.1:9/"]);
  await driver.wait(() => received.length >= 4, 30_000);
  assert.equal(received[3].event.data.integration.name, "Storefront");
  assert.equal(received[3].signedWith, rotated, "the edited endpoint signs with its new secret");
  await driver.wait(async () => (await driver.findElements(By.xpath("//table[@aria-label='Deliveries']//tbody/tr"))).length === 2, 15_000);
});
