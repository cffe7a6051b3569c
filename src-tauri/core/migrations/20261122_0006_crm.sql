-- Synced CRM records, which double as the id map of seed 001:
-- (system, entity_type, external_id) → internal id (the row id), last sync and sync status.
CREATE TABLE crm_records (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    integration_id     INTEGER NOT NULL REFERENCES integrations(id) ON DELETE CASCADE,
    system             TEXT    NOT NULL CHECK (system IN ('kommo', 'bitrix24')),
    entity_type        TEXT    NOT NULL CHECK (entity_type IN ('pipeline', 'stage', 'deal', 'contact')),
    external_id        TEXT    NOT NULL,
    name               TEXT    NOT NULL DEFAULT '',
    data               TEXT    NOT NULL,          -- the record as the CRM returned it (JSON)
    remote_updated_at  INTEGER,                   -- unix s, as the CRM reports it
    last_sync          INTEGER NOT NULL,          -- unix ms
    sync_status        TEXT    NOT NULL DEFAULT 'synced' CHECK (sync_status IN ('synced', 'failed')),
    UNIQUE (integration_id, entity_type, external_id)
);
CREATE INDEX crm_records_by_type ON crm_records (integration_id, entity_type, name, id);
CREATE INDEX crm_records_by_sync ON crm_records (integration_id, last_sync, id);
