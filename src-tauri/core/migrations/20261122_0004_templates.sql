-- E-mail templates per project: subject, HTML or MJML body, optional text body, sample data (JSON).
CREATE TABLE templates (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id   INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    name         TEXT    NOT NULL COLLATE NOCASE,
    subject      TEXT    NOT NULL,
    format       TEXT    NOT NULL CHECK (format IN ('html', 'mjml')),
    body         TEXT    NOT NULL,
    text_body    TEXT,
    sample_data  TEXT    NOT NULL DEFAULT '{}',
    created_at   INTEGER NOT NULL,  -- unix ms
    updated_at   INTEGER NOT NULL,  -- unix ms
    UNIQUE (project_id, name)
);
CREATE INDEX templates_by_updated ON templates (updated_at, id);
