import type { Integration } from "../api";
import { relativeTime } from "../shared/format";
import { useLazyTitle } from "../shared/LocalTime";

/** Grace after a missed check, ms: a result older than the check interval plus this fades — the status
 * may no longer be true (the scheduler should have checked again by then). */
export const GRACE_MS = 2 * 60 * 1000;

const SYMBOL = { healthy: "✓", unhealthy: "✗", degraded: "!", unknown: "?" } as const;
/** Why a faded status is faded: said in the tooltip and (as "overdue") to screen readers, not only by its opacity. */
const OVERDUE = "Overdue: not checked within its interval, so this may no longer be true";
const LABEL = { healthy: "Healthy", unhealthy: "Error", degraded: "Degraded", unknown: "Never checked" } as const;

export function HealthIndicator({ integration, testing, now = Date.now() }: { integration: Integration; testing?: boolean; now?: number }) {
  const { status, last_checked_at, last_latency_ms, last_detail } = integration;
  const stale = last_checked_at !== null && now - last_checked_at > integration.check_interval_s * 1000 + GRACE_MS;
  const tooltip = useLazyTitle(() =>
    last_checked_at === null
      ? "Never checked"
      : [
          `${LABEL[status]} — checked ${relativeTime(last_checked_at, now)} (${new Date(last_checked_at).toLocaleString()})`,
          last_latency_ms !== null ? `${last_latency_ms} ms` : null,
          last_detail,
          stale ? OVERDUE : null,
        ]
          .filter(Boolean)
          .join("\n"),
  );
  if (testing) return <span className="health unknown" role="img" aria-label="Testing…" title="Testing…">⟳</span>;
  return (
    <span className={`health ${status}${stale ? " stale" : ""}`} role="img" aria-label={stale ? `${LABEL[status]} (overdue)` : LABEL[status]} {...tooltip} data-stale={stale}>
      {SYMBOL[status]}
    </span>
  );
}
