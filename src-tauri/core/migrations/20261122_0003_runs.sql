-- Runs: units of work started by the user or the scheduler (check all, n8n triggers, CRM syncs …),
-- with progress, timing, error and a cursor so an interrupted run can resume.
CREATE TABLE runs (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    kind            TEXT    NOT NULL CHECK (kind IN ('health_check_all', 'n8n_trigger', 'crm_sync', 'bridge_transfer', 'test_email')),
    status          TEXT    NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled', 'interrupted')),
    title           TEXT    NOT NULL,
    project_id      INTEGER REFERENCES projects(id) ON DELETE SET NULL,
    integration_id  INTEGER REFERENCES integrations(id) ON DELETE SET NULL,
    progress_done   INTEGER NOT NULL DEFAULT 0,
    progress_total  INTEGER,
    summary         TEXT,           -- one line, e.g. "10 healthy, 2 unhealthy"
    error           TEXT,
    cursor          TEXT,           -- JSON, resumable position
    created_at      INTEGER NOT NULL,  -- unix ms
    started_at      INTEGER,
    finished_at     INTEGER,
    heartbeat_at    INTEGER,        -- unix ms; the running process refreshes it, stale = interrupted
    duration_ms     INTEGER GENERATED ALWAYS AS (finished_at - started_at) VIRTUAL
);
CREATE INDEX runs_by_started  ON runs (started_at, id);
CREATE INDEX runs_by_kind     ON runs (kind, started_at, id);
CREATE INDEX runs_by_status   ON runs (status, started_at, id);
CREATE INDEX runs_by_project  ON runs (project_id, started_at, id);

CREATE TABLE run_logs (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id   INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    at       INTEGER NOT NULL,  -- unix ms
    level    TEXT    NOT NULL CHECK (level IN ('info', 'warn', 'error')),
    message  TEXT    NOT NULL
);
CREATE INDEX run_logs_by_run ON run_logs (run_id, id);
