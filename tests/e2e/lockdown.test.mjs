// Webview lockdown in the real app. (1) XSS payloads in a template — script tags, event handlers,
// javascript: links, SVG, <meta refresh>, CSS url() exfiltration, forms, nested frames, objects — render
// inert in the sandboxed preview: none reaches the Tauri IPC (each tries to create a project through
// it), none loads anything from a local server, the app window stays where it was. (2) A navigation of
// the app window to an external page is refused and the link handed to the system browser (`xdg-open`,
// which the opener runs on Linux, is a recorder first on PATH here).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { existsSync, mkdtempSync, readFileSync, writeFileSync, chmodSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { By, until, byText, click as clickIn, patchbay, startApp } from "./harness.mjs";

const hits = [];
const server = createServer((request, response) => {
  hits.push(request.url);
  response.end("fetched");
});

const recorderDir = mkdtempSync(join(tmpdir(), "patchbay-browser-"));
const recorded = join(recorderDir, "opened.txt");
const recorder = join(recorderDir, "xdg-open");
writeFileSync(recorder, `#!/bin/sh\necho "$@" >> ${JSON.stringify(recorded)}\n`);
chmodSync(recorder, 0o755);

let app;
let driver;

before(async () => {
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  app = await startApp({ port: 4514, env: { PATH: `${recorderDir}:${process.env.PATH}` } });
  driver = app.driver;
});

after(async () => {
  await app?.stop();
  server.close();
});

const click = (locator) => clickIn(driver, locator);
const wait = (locator, ms = 15_000) => driver.wait(until.elementLocated(locator), ms);

function payloads(base) {
  const ipc = (name) => `parent.__TAURI_INTERNALS__.invoke('create_project',{name:'${name}'})`;
  return [
    ["script tag", `<script>${ipc("pwned-script")}</script><script>top.__TAURI_INTERNALS__.invoke('create_project',{name:'pwned-top'})</script>`],
    ["onerror handler", `<img src=x onerror="${ipc("pwned-onerror")}">`],
    ["javascript: link", `<a id="js" href="javascript:${ipc("pwned-link")}">click me</a>`],
    ["svg onload", `<svg xmlns="http://www.w3.org/2000/svg" onload="${ipc("pwned-svg")}"><script>${ipc("pwned-svg-script")}</script></svg>`],
    ["meta refresh", `<meta http-equiv="refresh" content="0;url=${base}/meta"><meta http-equiv="refresh" content="0;url=javascript:${ipc("pwned-meta")}">`],
    ["css url() exfiltration", `<style>body{background:url(${base}/css)} @import url(${base}/import);</style><div style="background-image:url('${base}/inline')">x</div>`],
    ["remote image and stylesheet", `<img src="${base}/img"><link rel="stylesheet" href="${base}/link">`],
    ["form action", `<form action="${base}/form" method="post"><input name="a" value="b"><button id="go">go</button></form>`],
    ["nested frame, object, embed", `<iframe src="${base}/frame"></iframe><object data="${base}/object"></object><embed src="${base}/embed">`],
    ["base and link target", `<base href="${base}/base/"><a id="top" href="${base}/top" target="_top">top</a><a id="blank" href="${base}/blank" target="_blank">blank</a>`],
  ];
}

test("XSS payloads in a template preview are inert and never reach the IPC or the network", async () => {
  await click(byText("button", "Templates"));
  await click(byText("button", "Write your first template"));
  await wait(By.css("iframe[title='Preview']"));
  const format = await driver.findElement(By.id("template-format"));
  await format.findElement(By.css("option[value='html']")).click();
  const sandbox = (await driver.findElement(By.css("iframe[title='Preview']")).getAttribute("sandbox")).split(/\s+/);
  for (const token of ["allow-scripts", "allow-forms", "allow-popups", "allow-top-navigation", "allow-modals"]) {
    assert.ok(!sandbox.includes(token), `the preview frame allows ${token}`);
  }
  const appUrl = await driver.getCurrentUrl();
  const base = `http://127.0.0.1:${server.address().port}`;
  // Each payload twice: as a new body (the whole document is diffed in) and inside an element that stays
  // (only that element's markup is parsed, in the frame's document).
  const cases = [
    ...payloads(base).map(([name, payload]) => [name, (marker) => `<html><head></head><body><p>${marker}</p>${payload}</body></html>`]),
    ...payloads(base).map(([name, payload]) => [`${name} (in place)`, (marker) => `<html><head></head><body><div id="keep"><p>${marker}</p>${payload}</div></body></html>`]),
  ];
  const paths = new Set();
  for (const [name, template] of cases) {
    const marker = `case-${name.replace(/\W+/g, "-")}`;
    await driver.executeScript(
      `const textarea = document.getElementById('template-body');
       Object.getOwnPropertyDescriptor(HTMLTextAreaElement.prototype, 'value').set.call(textarea, arguments[0]);
       textarea.dispatchEvent(new Event('input', { bubbles: true }));`,
      template(marker),
    );
    await driver.wait(
      () => driver.executeScript("return document.querySelector(\"iframe[title='Preview']\").contentDocument?.body?.textContent ?? ''").then((text) => text.includes(marker)),
      10_000,
    );
    // Activate the clickable ones (links, the submit button) inside the frame's document.
    await driver.executeScript(
      `const doc = document.querySelector("iframe[title='Preview']").contentDocument;
       for (const id of ["js", "go", "top", "blank"]) doc.getElementById(id)?.click();`,
    );
    paths.add(await driver.executeScript("return document.querySelector(\"iframe[title='Preview']\").dataset.shown"));
    await driver.sleep(700);
    assert.equal(await driver.getCurrentUrl(), appUrl, `${name}: the app window navigated`);
    await wait(By.css("iframe[title='Preview']"));
  }
  assert.ok(paths.has("element") && paths.has("document"), `both ways of patching were tried: ${[...paths]}`);
  const projects = JSON.parse(patchbay(app.dataDir, ["--json", "project", "list"]));
  assert.deepEqual(
    projects.map((p) => p.name).filter((n) => n.startsWith("pwned")),
    [],
    "a payload reached the Tauri IPC",
  );
  assert.deepEqual(hits, [], "a payload loaded something from the network");
});

test("a navigation of the app window to an external page is refused and opened in the system browser", async () => {
  const appUrl = await driver.getCurrentUrl();
  const external = `http://127.0.0.1:${server.address().port}/outside?from=app`;
  await driver.executeScript("window.location.href = arguments[0];", external);
  await driver.sleep(1000);
  assert.equal(await driver.getCurrentUrl(), appUrl, "the app window left the app");
  await wait(byText("button", "Templates"));
  assert.deepEqual(hits, [], "the app window loaded the external page");
  const log = join(app.dataDir, "xdg-data", "app.patchbay.desktop", "logs", "patchbay.log");
  await driver.wait(() => existsSync(log) && readFileSync(log, "utf8").includes("in the system browser"), 10_000);
  await driver.wait(() => existsSync(recorded) && readFileSync(recorded, "utf8").includes("/outside?from=app"), 10_000).catch(() => undefined);
  assert.ok(existsSync(recorded) && readFileSync(recorded, "utf8").includes("/outside?from=app"), "the system browser (xdg-open) was not asked to open the link");
});
