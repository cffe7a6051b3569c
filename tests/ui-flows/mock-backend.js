// A fake Patchbay backend installed as window.__TAURI_INTERNALS__ before the built UI loads, so flow
// tests exercise the real bundle in Chromium without the Rust side. It answers the commands the UI
// uses with behaviour that mirrors the core: server-side paging/sorting/filtering, typed validation
// errors, and secrets that are never returned except by reveal_secret.
(() => {
  const now = Date.now();
  const providers = [
    { id: "http", label: "HTTP endpoint", description: "Any web service.", setup_steps: ["Enter the URL to probe."],
      fields: [
        { name: "url", label: "URL", kind: { type: "url" }, required: true, secret: false, default: null, placeholder: null, help: "Absolute URL." },
      ] },
    { id: "n8n", label: "n8n", description: "Workflows.", setup_steps: ["Settings → n8n API → Create an API key."],
      fields: [
        { name: "base_url", label: "Base URL", kind: { type: "url" }, required: true, secret: false, default: null, placeholder: null, help: "Where n8n runs." },
        { name: "api_key", label: "API key", kind: { type: "text" }, required: false, secret: true, default: null, placeholder: null, help: "Key." },
      ] },
  ];
  const statuses = ["healthy", "unhealthy", "degraded", "unknown"];
  const rows = [];
  for (let i = 1; i <= 134; i++) {
    const provider = i % 3 === 0 ? "n8n" : "http";
    rows.push({
      id: i, project_id: 1, project_name: "Default", provider, name: `Service ${String(i).padStart(3, "0")}`,
      active: i % 7 !== 0, check_interval_s: 300, config: provider === "http" ? { url: "https://example.com" } : { base_url: "https://n8n.example.com" },
      secrets_set: provider === "n8n" ? ["api_key"] : [], status: statuses[i % 4],
      last_checked_at: i % 4 === 3 ? null : now - i * 1000, last_latency_ms: 20, last_detail: "HTTP 200", last_error_kind: null,
      created_at: now - i * 60000, updated_at: now - i * 60000,
    });
  }
  const secrets = new Map();
  rows.filter((r) => r.provider === "n8n").forEach((r) => secrets.set(`${r.id}/api_key`, `stored-key-${r.id}`));
  const rank = { unhealthy: 0, degraded: 1, unknown: 2, healthy: 3 };
  const calls = [];
  window.__mockCalls = calls;
  const fail = (kind, message, field) => Promise.reject({ kind, message, ...(field && { field }) });
  const handlers = {
    list_providers: () => providers,
    list_projects: () => [{ id: 1, name: "Default", integration_count: rows.length, created_at: now }],
    get_settings: () => ({ notifications_muted: false, checks_paused: false, default_check_interval_s: 300, failures_before_unhealthy: 2 }),
    list_integrations: ({ query }) => {
      let items = rows.filter((r) =>
        (!query.provider || r.provider === query.provider) && (!query.status || r.status === query.status) &&
        (query.active === undefined || r.active === query.active) &&
        (!query.search || r.name.toLowerCase().includes(query.search.toLowerCase()) || r.provider.includes(query.search.toLowerCase())));
      const key = { name: (r) => r.name.toLowerCase(), provider: (r) => r.provider + r.name.toLowerCase(), status: (r) => rank[r.status] + r.name.toLowerCase(), updated: (r) => r.updated_at, last_checked: (r) => r.last_checked_at ?? -1 }[query.sort];
      items = [...items].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : a.id - b.id) * (query.desc ? -1 : 1));
      const start = (query.page - 1) * query.per_page;
      return { items: items.slice(start, start + query.per_page), total: items.length, page: query.page, per_page: query.per_page };
    },
    create_integration: ({ input }) => {
      if (!input.name.trim()) return fail("validation", "name: is required", "name");
      const spec = providers.find((p) => p.id === input.provider);
      for (const field of spec.fields.filter((f) => !f.secret)) {
        const value = input.config[field.name] ?? "";
        if (field.required && !value) return fail("validation", `${field.name}: is required`, field.name);
        if (field.kind.type === "url" && value && !/^https?:\/\/[^/]+/.test(value)) {
          return fail("validation", `${field.name}: must start with http:// or https://; got \`${value}\``, field.name);
        }
      }
      const id = rows.length + 1000;
      const created = { ...rows[0], id, name: input.name.trim(), provider: input.provider, config: input.config, secrets_set: Object.keys(input.secrets), status: "unknown", last_checked_at: null, updated_at: Date.now() };
      Object.entries(input.secrets).forEach(([field, value]) => secrets.set(`${id}/${field}`, value));
      rows.push(created);
      return created;
    },
    reveal_secret: ({ id, field }) => secrets.get(`${id}/${field}`) ?? fail("not_found", "no secret"),
    check_all: () => ({ total: 3, healthy: 2, degraded: 0, unhealthy: 1, errors: 0, elapsed_ms: 900 }),
    list_templates: ({ query }) => ({ items: [], total: 0, page: query.page, per_page: query.per_page }),
    preview_template: () => {
      // A hostile template: every way an e-mail could try to run code.
      const html = `<!doctype html><html><head><title>safe</title></head><body>
        <p id="content">Hello</p>
        <script>document.title = "script ran"; try { parent.__xss = "script"; } catch (e) {}
          try { window.__TAURI_INTERNALS__ && window.__TAURI_INTERNALS__.invoke("delete_integration", {id: 1}); } catch (e) {}</script>
        <img src="x" onerror="document.title = 'onerror ran'; parent.__xss = 'onerror'">
        <a id="js-link" href="javascript:document.title='link ran';parent.__xss='link'">click me</a>
        <svg onload="document.title='svg ran'"></svg>
      </body></html>`;
      return { rendered: { subject: "Hi", html, text: "Hello", text_generated: true, eml: "Subject: Hi", size_bytes: 11, html_bytes: html.length, warnings: [], links: ["javascript:..."], variables: [], complete: true }, error: null, variables: [], suggested_data: "{}", html_id: null, html_delta: null };
    },
    "plugin:event|listen": () => 1,
    "plugin:event|unlisten": () => null,
  };
  let callbackId = 0;
  window.__TAURI_INTERNALS__ = {
    metadata: { currentWindow: { label: "main" }, currentWebview: { windowLabel: "main", label: "main" } },
    transformCallback: () => ++callbackId,
    invoke: async (cmd, args) => {
      calls.push({ cmd, args: JSON.parse(JSON.stringify(args ?? {})) });
      const handler = handlers[cmd];
      if (!handler) return Promise.reject({ kind: "internal", message: `mock has no ${cmd}` });
      return handler(args ?? {});
    },
  };
  window.__TAURI_EVENT_PLUGIN_INTERNALS__ = { unregisterListener: () => {} };
})();
