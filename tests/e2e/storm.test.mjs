// The UI stays responsive while health checks fail every way at once: 60 integrations whose endpoints
// never answer, answer one byte a second, or refuse the connection; "Check all"; meanwhile the webview
// measures IPC round trips (list_projects) — p95 must stay under 100 ms — and every check must end
// classified (timeout or connect) within the check timeout.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:net";
import { By, until, byText, click as clickIn, patchbay, startApp } from "./harness.mjs";

const sockets = new Set();
// Silent: accept and never answer. Slowloris: a status line, then a byte a second.
const silent = createServer((socket) => sockets.add(socket));
const slow = createServer((socket) => {
  sockets.add(socket);
  socket.on("error", () => {});
  socket.once("data", () => {
    socket.write("HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n");
    const timer = setInterval(() => socket.write(" "), 1000);
    socket.on("close", () => clearInterval(timer));
    socket.on("error", () => clearInterval(timer));
  });
});

let app;
let driver;

before(async () => {
  await Promise.all([silent, slow].map((server) => new Promise((r) => server.listen(0, "127.0.0.1", r))));
  const urls = [`http://127.0.0.1:${silent.address().port}/`, `http://127.0.0.1:${slow.address().port}/`, "http://127.0.0.1:9/"];
  app = await startApp({
    port: 4524,
    seed: (dataDir) => {
      for (let i = 0; i < 60; i++) {
        patchbay(dataDir, ["integration", "add", "--provider", "http", "--name", `Broken ${String(i).padStart(2, "0")}`, "--set", `url=${urls[i % 3]}`]);
      }
    },
  });
  driver = app.driver;
});

after(async () => {
  await app?.stop();
  for (const socket of sockets) socket.destroy();
  silent.close();
  slow.close();
});

const click = (locator) => clickIn(driver, locator);

test("IPC stays fast and every failing check ends classified during a storm of broken endpoints", async () => {
  await driver.wait(until.elementLocated(By.css("table[aria-label='Integrations'] tbody tr")), 20_000);
  await click(byText("button", "Check all"));
  const timings = await driver.executeAsyncScript(`
    const done = arguments[arguments.length - 1];
    (async () => {
      const times = [];
      const until = performance.now() + 6000;
      while (performance.now() < until) {
        const t = performance.now();
        await window.__TAURI_INTERNALS__.invoke('list_projects');
        times.push(performance.now() - t);
        await new Promise((r) => setTimeout(r, 50));
      }
      times.sort((a, b) => a - b);
      done({ count: times.length, median: times[Math.floor(times.length / 2)], p95: times[Math.floor(times.length * 0.95)], max: times[times.length - 1] });
    })().catch((error) => done({ error: String(error) }));
  `);
  console.log(`IPC during the storm: ${JSON.stringify(timings)}`);
  assert.equal(timings.error, undefined);
  assert.ok(timings.count >= 50, `only ${timings.count} round trips in 6 s`);
  assert.ok(timings.p95 < 100, `IPC p95 ${timings.p95.toFixed(1)} ms during the storm`);
  // Every check ends within the check timeout (10 s by default) plus a margin, classified.
  let kinds = [];
  let details = [];
  await driver.wait(async () => {
    const page = JSON.parse(patchbay(app.dataDir, ["--json", "integration", "list", "--per-page", "100"]));
    kinds = page.items.map((i) => i.last_error_kind);
    details = page.items.map((i) => `${i.name}: ${i.last_error_kind} (${i.last_detail})`);
    return kinds.every((kind) => kind !== null);
  }, 20_000).catch(() => undefined);
  const counts = kinds.reduce((all, kind) => ({ ...all, [kind]: (all[kind] ?? 0) + 1 }), {});
  console.log(`check outcomes: ${JSON.stringify(counts)}`);
  assert.equal(kinds.length, 60);
  assert.deepEqual(Object.keys(counts).sort(), ["connect", "timeout"], details.join("\n"));
  assert.equal(counts.connect, 20);
  assert.equal(counts.timeout, 40);
});
