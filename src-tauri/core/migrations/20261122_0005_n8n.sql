-- n8n routes: an action key of an n8n integration → the workflow webhook it triggers.
CREATE TABLE n8n_routes (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    integration_id   INTEGER NOT NULL REFERENCES integrations(id) ON DELETE CASCADE,
    action_key       TEXT    NOT NULL,
    webhook_path     TEXT    NOT NULL,
    method           TEXT    NOT NULL DEFAULT 'POST' CHECK (method IN ('GET', 'POST', 'PUT', 'PATCH', 'DELETE')),
    description      TEXT    NOT NULL DEFAULT '',
    default_payload  TEXT,             -- JSON
    workflow_id      TEXT,             -- the n8n workflow, once known
    created_at       INTEGER NOT NULL, -- unix ms
    updated_at       INTEGER NOT NULL, -- unix ms
    UNIQUE (integration_id, action_key)
);
