-- Health checks: consecutive failures (an integration turns unhealthy only after N in a row), the
-- scheduler's next due time, and a bounded history of results per integration.
ALTER TABLE integrations ADD COLUMN consecutive_failures INTEGER NOT NULL DEFAULT 0;
ALTER TABLE integrations ADD COLUMN next_check_at INTEGER; -- unix ms; NULL = due (spread at start-up)
CREATE INDEX integrations_due ON integrations (next_check_at) WHERE active = 1;

CREATE TABLE health_checks (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    integration_id  INTEGER NOT NULL REFERENCES integrations(id) ON DELETE CASCADE,
    status          TEXT    NOT NULL CHECK (status IN ('healthy', 'degraded', 'unhealthy')),
    latency_ms      INTEGER NOT NULL,
    detail          TEXT    NOT NULL,
    error_kind      TEXT,
    trigger         TEXT    NOT NULL CHECK (trigger IN ('manual', 'scheduled', 'check_all')),
    checked_at      INTEGER NOT NULL  -- unix ms
);
CREATE INDEX health_checks_by_integration ON health_checks (integration_id, id);

-- User preferences (notifications muted, checks paused …) as JSON values by key.
CREATE TABLE settings (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);
