// Email-client compatibility of the rendered HTML, from the caniemail.com data (the `caniemail`
// package). Loaded on demand — the data is ~650 KB — when the Compatibility tab is opened.
import type { caniemail } from "caniemail";

type EmailClientGlobs = Parameters<typeof caniemail>[0]["clients"][number];

export interface CompatIssue {
  /** Feature, e.g. "display:flex". */
  title: string;
  /** "none" (not supported) or "partial". */
  support: string;
  /** Line of the rendered HTML it was found at. */
  line: number | null;
  /** Email clients affected, e.g. "outlook.windows". */
  clients: string[];
  /** The same by family, in caniemail's names, e.g. "Outlook: Windows, macOS". */
  clientGroups: string[];
  /** caniemail's notes. */
  notes: string[];
}

/** Clients checked: the ones small businesses' customers read mail in most. */
export const CLIENTS: EmailClientGlobs[] = ["gmail.*", "outlook.*", "apple-mail.*", "yahoo.*", "samsung-email.*", "aol.*", "protonmail.*", "fastmail.*"];

/** caniemail's display names of client families and platforms (its data's `nicenames`). */
export interface ClientNames {
  family: Record<string, string>;
  platform: Record<string, string>;
}

/** `clients` ("family.platform" ids) as one line per family in caniemail's names, families and platforms in the
 *  order first met: ["gmail.android", "gmail.ios", "outlook.windows"] → ["Gmail: Android, iOS", "Outlook:
 *  Windows"]. An id the names do not know is shown as it is. */
export function groupClients(clients: string[], names: ClientNames): string[] {
  const byFamily = new Map<string, string[]>();
  for (const client of clients) {
    const dot = client.indexOf(".");
    const family = dot < 0 ? client : client.slice(0, dot);
    const platform = dot < 0 ? "" : client.slice(dot + 1);
    const platforms = byFamily.get(family) ?? [];
    if (platform) platforms.push(names.platform[platform] ?? platform);
    byFamily.set(family, platforms);
  }
  return [...byFamily].map(([family, platforms]) => {
    const name = names.family[family] ?? family;
    return platforms.length > 0 ? `${name}: ${platforms.join(", ")}` : name;
  });
}

/** The check's outcome: problems grouped by feature, and client families the data could not check. */
export interface CompatReport {
  issues: CompatIssue[];
  unchecked: string[];
}

/** Features of `html` that some of [`CLIENTS`] do not (or only partly) support, grouped by feature. Each
 *  client family is checked on its own: the caniemail data lacks some features for some clients (it
 *  throws "Feature … not found on thunderbird.windows"), and one gap must not hide the other results. */
export async function checkCompatibility(html: string): Promise<CompatReport> {
  const { caniemail, rawData } = await import("caniemail");
  const byFeature = new Map<string, CompatIssue>();
  const unchecked: string[] = [];
  for (const family of CLIENTS) {
    let result: ReturnType<typeof caniemail>;
    try {
      result = caniemail({ clients: [family], html });
    } catch {
      unchecked.push(family.replace(".*", ""));
      continue;
    }
    for (const [kind, issues] of [
      ["none", result.issues.errors],
      ["partial", result.issues.warnings],
    ] as const) {
      for (const [client, list] of issues) {
        for (const issue of list) {
          const key = `${kind}:${issue.title}`;
          const found = byFeature.get(key) ?? {
            title: issue.title,
            support: kind,
            line: issue.position?.start.line ?? null,
            clients: [],
            clientGroups: [],
            notes: issue.notes ?? [],
          };
          if (!found.clients.includes(client)) found.clients.push(client);
          byFeature.set(key, found);
        }
      }
    }
  }
  for (const issue of byFeature.values()) issue.clientGroups = groupClients(issue.clients, rawData.nicenames);
  const issues = [...byFeature.values()].sort((a, b) =>
    a.support === b.support ? b.clients.length - a.clients.length : a.support === "none" ? -1 : 1,
  );
  return { issues, unchecked };
}
