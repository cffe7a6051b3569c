// UI flow tests: the built UI (ui/dist, served by `vite preview`) in Debian's Chromium through
// playwright-core, with the IPC answered by mock-backend.js. One flow per test.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { createRequire } from "node:module";

const root = resolve(import.meta.dirname, "../..");
const require = createRequire(join(root, "ui/package.json"));
const { chromium } = require("playwright-core");
const mock = readFileSync(join(import.meta.dirname, "mock-backend.js"), "utf8");
const PORT = 4183;
let preview;
let browser;

before(async () => {
  preview = spawn(join(root, "ui/node_modules/.bin/vite"), ["preview", "--port", String(PORT), "--strictPort", "--host", "127.0.0.1"], {
    cwd: join(root, "ui"),
    stdio: "ignore",
  });
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      if ((await fetch(`http://127.0.0.1:${PORT}/`)).ok) break;
    } catch {
      if (Date.now() > deadline) throw new Error("vite preview did not start");
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
  });
});

after(async () => {
  await browser?.close();
  preview?.kill("SIGTERM");
});

async function open() {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await context.addInitScript(mock);
  const page = await context.newPage();
  await page.goto(`http://127.0.0.1:${PORT}/`);
  await page.getByTestId("showing").waitFor();
  return page;
}

const showing = (page) => page.getByTestId("showing").textContent();
const firstName = (page) => page.locator("table[aria-label='Integrations'] tbody tr td:nth-child(2)").first().textContent();

test("paging shows the range, and any filter change resets to page 1", async () => {
  const page = await open();
  assert.equal(await showing(page), "Showing 1–10 of 134");
  await page.getByRole("button", { name: "Next page" }).click();
  await page.getByText("Showing 11–20 of 134").waitFor();
  await page.getByRole("button", { name: "Last page" }).click();
  await page.getByText("Showing 131–134 of 134").waitFor();
  await page.getByLabel("Filter by provider").selectOption("n8n");
  await page.getByText("Showing 1–10 of 44").waitFor();
  await page.getByLabel("Rows per page").selectOption("25");
  await page.getByText("Showing 1–25 of 44").waitFor();
  await page.getByRole("button", { name: "Next page" }).click();
  await page.getByText("Showing 26–44 of 44").waitFor();
  await page.getByRole("searchbox", { name: "Search integrations" }).fill("Service 01");
  await page.getByText("Showing 1–3 of 3").waitFor(); // n8n rows 012, 015, 018
  const calls = await page.evaluate(() => window.__mockCalls.filter((c) => c.cmd === "list_integrations").map((c) => c.args.query));
  // The page query (the other one counts active rows for "Check all").
  const pageQueries = calls.filter((query) => query.per_page === 25);
  assert.deepEqual(pageQueries.at(-1), { page: 1, per_page: 25, sort: "name", desc: false, provider: "n8n", search: "Service 01" });
  await page.context().close();
});

test("sorting toggles direction with an indicator and survives a reload", async () => {
  const page = await open();
  assert.equal(await firstName(page), "Service 001");
  await page.locator("button.sort[data-column='name']").click();
  await page.waitForFunction(() => document.querySelector("table tbody tr td:nth-child(2)")?.textContent === "Service 134");
  assert.equal(await page.locator("th[aria-sort='descending']").textContent(), "Name ▼");
  await page.locator("button.sort[data-column='status']").click();
  await page.locator("th[aria-sort='ascending']", { hasText: "Status" }).waitFor();
  await page.reload();
  await page.locator("th[aria-sort='ascending']", { hasText: "Status" }).waitFor();
  await page.context().close();
});

test("secrets are masked, toggled per field, and a validation error keeps the input", async () => {
  const page = await open();
  await page.getByRole("button", { name: "Add integration" }).click();
  await page.getByRole("button", { name: "Add n8n" }).click();
  await page.getByLabel("Name").fill("Flows");
  await page.getByLabel(/Base URL/).fill("n8n.internal");
  const key = page.locator("#field-api_key");
  await key.fill("typed-secret");
  assert.equal(await key.getAttribute("type"), "password");
  await page.getByRole("button", { name: "Show API key" }).click();
  assert.equal(await key.getAttribute("type"), "text");
  await page.getByRole("button", { name: "Create integration" }).click();
  const error = page.locator("#base_url-error");
  await error.waitFor();
  assert.match(await error.textContent(), /must start with http:\/\/ or https:\/\//);
  assert.equal(await page.getByLabel(/Base URL/).inputValue(), "n8n.internal");
  assert.equal(await key.inputValue(), "typed-secret");
  await page.getByLabel(/Base URL/).fill("https://n8n.internal");
  await page.getByRole("button", { name: "Create integration" }).click();
  await page.getByText("Created Flows").waitFor();
  await page.context().close();
});

test("editing never shows a stored secret until Reveal is pressed", async () => {
  const page = await open();
  await page.getByRole("button", { name: "Edit Service 003" }).click();
  const key = page.locator("#field-api_key");
  assert.equal(await key.inputValue(), "");
  assert.match(await key.getAttribute("placeholder"), /stored in the keychain/);
  const revealedBefore = await page.evaluate(() => window.__mockCalls.some((c) => c.cmd === "reveal_secret"));
  assert.equal(revealedBefore, false);
  await page.getByRole("button", { name: "Reveal" }).click();
  await page.waitForFunction(() => document.querySelector("#field-api_key")?.value === "stored-key-3");
  assert.equal(await key.getAttribute("type"), "text");
  await page.context().close();
});

test("check all reports its summary in an accessible toast", async () => {
  const page = await open();
  await page.getByRole("button", { name: "Check all" }).click();
  const toast = page.locator("[role='alert'] [data-testid='toast']");
  await toast.waitFor();
  assert.match(await toast.textContent(), /Checked 3 integrations/);
  assert.match(await toast.textContent(), /2 healthy, 1 unhealthy/);
  await page.context().close();
});

test("a template with scripts, onerror handlers and javascript: links runs nothing and never reaches the IPC", async () => {
  const page = await open();
  await page.getByRole("button", { name: "Templates" }).click();
  await page.getByRole("button", { name: "Write your first template" }).click();
  const frameElement = page.locator("iframe[title='Preview']");
  await frameElement.waitFor();
  assert.equal(await frameElement.getAttribute("sandbox"), "allow-same-origin", "sandbox without allow-scripts, forms, popups or navigation");
  assert.match(await frameElement.getAttribute("srcdoc"), /Content-Security-Policy[^>]*default-src 'none'/);
  const frame = page.frameLocator("iframe[title='Preview']");
  await frame.locator("#content").waitFor();
  await frame.locator("#js-link").click();
  await page.waitForTimeout(500);
  const title = await frame.locator("title").textContent();
  assert.equal(title, "safe", "no script changed the preview's title");
  assert.equal(await page.evaluate(() => window.__xss), undefined, "nothing reached the app window");
  const commands = await page.evaluate(() => window.__mockCalls.map((c) => c.cmd));
  assert.ok(!commands.includes("delete_integration"), `unexpected IPC: ${commands}`);
  await page.context().close();
});

test("the Compatibility tab lists what email clients do not support, from the caniemail data", async () => {
  const page = await open();
  await page.getByRole("button", { name: "Templates" }).click();
  await page.getByRole("button", { name: "Write your first template" }).click();
  await page.locator("iframe[title='Preview']").waitFor();
  await page.getByRole("tab", { name: "Compatibility" }).click();
  const table = page.getByRole("table", { name: "Compatibility" });
  await table.waitFor({ timeout: 15_000 });
  const text = await table.textContent();
  // caniemail.com: several clients drop or replace the <body> element (Gmail replaces it with a <div>).
  assert.match(text, /<body> element\s*not supported/);
  assert.match(text, /Replaced by a `<div>`/);
  // Clients by family, in caniemail's names.
  assert.match(text, /Gmail: Android, Desktop Webmail, iOS, Mobile Webmail/);
  await page.context().close();
});
