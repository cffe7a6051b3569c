-- Projects (clients) group integrations. "Default" exists so a single-business user never has to
-- create one.
CREATE TABLE projects (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    name        TEXT    NOT NULL COLLATE NOCASE UNIQUE,
    created_at  INTEGER NOT NULL
);
INSERT INTO projects (name, created_at) VALUES ('Default', CAST(unixepoch('subsec') * 1000 AS INTEGER));

-- One configured connection to an external system. Secret fields are never here: `secret_fields`
-- lists which of them hold a value in the OS keychain.
CREATE TABLE integrations (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id       INTEGER NOT NULL REFERENCES projects(id) ON DELETE RESTRICT,
    provider         TEXT    NOT NULL,
    name             TEXT    NOT NULL COLLATE NOCASE,
    config           TEXT    NOT NULL,              -- JSON object of non-secret fields
    secret_fields    TEXT    NOT NULL DEFAULT '[]', -- JSON array of secret field names set in the keychain
    active           INTEGER NOT NULL DEFAULT 1,
    check_interval_s INTEGER NOT NULL DEFAULT 300,
    status           TEXT    NOT NULL DEFAULT 'unknown'
                     CHECK (status IN ('healthy', 'degraded', 'unhealthy', 'unknown')),
    status_rank      INTEGER GENERATED ALWAYS AS (
                         CASE status WHEN 'unhealthy' THEN 0 WHEN 'degraded' THEN 1
                                     WHEN 'unknown' THEN 2 ELSE 3 END) VIRTUAL,
    last_checked_at  INTEGER,                       -- unix ms
    last_latency_ms  INTEGER,
    last_detail      TEXT,
    last_error_kind  TEXT,
    created_at       INTEGER NOT NULL,              -- unix ms
    updated_at       INTEGER NOT NULL,              -- unix ms
    UNIQUE (project_id, name)
);
CREATE INDEX integrations_by_name     ON integrations (name, id);
CREATE INDEX integrations_by_provider ON integrations (provider, name, id);
CREATE INDEX integrations_by_status   ON integrations (status_rank, name, id);
CREATE INDEX integrations_by_updated  ON integrations (updated_at, id);
CREATE INDEX integrations_by_checked  ON integrations (last_checked_at, id);
CREATE INDEX integrations_by_project  ON integrations (project_id, name, id);

-- Keychain accounts whose entries must be deleted. Written in the same transaction that deletes
-- the integration, removed once the keychain entries are gone; swept at start-up, so a crash or a
-- locked keychain never leaves orphans behind for good.
CREATE TABLE keychain_tombstones (
    account     TEXT PRIMARY KEY,
    created_at  INTEGER NOT NULL
);
