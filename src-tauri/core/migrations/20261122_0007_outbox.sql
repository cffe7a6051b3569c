-- Audit webhooks: endpoints (signing secret in the keychain, account `webhook/<id>/secret`) and the
-- outbox of events awaiting delivery, written in the same transaction as the change that caused them.
CREATE TABLE webhook_endpoints (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    name        TEXT    NOT NULL UNIQUE COLLATE NOCASE,
    url         TEXT    NOT NULL,
    headers     TEXT    NOT NULL DEFAULT '',   -- "Name: value" lines
    events      TEXT    NOT NULL,              -- JSON array of event types
    has_secret  INTEGER NOT NULL DEFAULT 0,
    active      INTEGER NOT NULL DEFAULT 1,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);

CREATE TABLE outbox (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    endpoint_id      INTEGER NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
    event_id         TEXT    NOT NULL,
    event_type       TEXT    NOT NULL,
    payload          TEXT    NOT NULL,
    status           TEXT    NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'dead')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  INTEGER NOT NULL,          -- unix ms
    last_status      INTEGER,                   -- HTTP status of the last attempt
    last_error       TEXT,
    created_at       INTEGER NOT NULL,
    delivered_at     INTEGER
);
CREATE INDEX outbox_due ON outbox (status, endpoint_id, id);
CREATE INDEX outbox_by_created ON outbox (created_at, id);
