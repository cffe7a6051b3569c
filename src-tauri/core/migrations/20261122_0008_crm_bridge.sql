-- Records browser columns (pipeline, stage, amount) and the Bitrix24 portal-to-portal bridge.
ALTER TABLE crm_records ADD COLUMN pipeline TEXT;   -- external id of the record's pipeline (category)
ALTER TABLE crm_records ADD COLUMN stage TEXT;      -- external id of the record's stage (status)
ALTER TABLE crm_records ADD COLUMN amount REAL;     -- deal amount (Kommo `price`, Bitrix24 `OPPORTUNITY`)

UPDATE crm_records SET
    pipeline = CAST(json_extract(data, '$.pipeline_id') AS TEXT),
    stage    = CAST(json_extract(data, '$.status_id') AS TEXT),
    amount   = json_extract(data, '$.price')
WHERE system = 'kommo' AND entity_type = 'deal';
UPDATE crm_records SET pipeline = CAST(json_extract(data, '$.pipeline_id') AS TEXT)
WHERE system = 'kommo' AND entity_type = 'stage';
UPDATE crm_records SET
    pipeline = CAST(json_extract(data, '$.CATEGORY_ID') AS TEXT),
    stage    = json_extract(data, '$.STAGE_ID'),
    amount   = CAST(json_extract(data, '$.OPPORTUNITY') AS REAL)
WHERE system = 'bitrix24' AND entity_type = 'deal';

-- The browser sorts titles case-insensitively; nothing reads records by last sync.
DROP INDEX crm_records_by_type;
DROP INDEX crm_records_by_sync;
CREATE INDEX crm_records_by_title   ON crm_records (integration_id, entity_type, lower(name), id);
CREATE INDEX crm_records_by_stage   ON crm_records (integration_id, entity_type, stage, id);
-- Sorting by amount or update time uses a top-N sort over the integration's records instead of an
-- index each: two fewer b-trees per upsert (benches/crm_sync.rs measures both sides).

-- Optional periodic sync per CRM integration.
CREATE TABLE sync_schedules (
    integration_id   INTEGER PRIMARY KEY REFERENCES integrations(id) ON DELETE CASCADE,
    interval_minutes INTEGER NOT NULL CHECK (interval_minutes BETWEEN 5 AND 10080),
    entities         TEXT    NOT NULL,            -- JSON array: ["pipelines","deals","contacts"]
    next_run_at      INTEGER NOT NULL             -- unix ms
);

-- A bridge copies deals in a trigger stage of a source Bitrix24 portal into a target portal.
CREATE TABLE bridges (
    id                     INTEGER PRIMARY KEY AUTOINCREMENT,
    name                   TEXT    NOT NULL,
    source_integration_id  INTEGER NOT NULL REFERENCES integrations(id) ON DELETE CASCADE,
    target_integration_id  INTEGER NOT NULL REFERENCES integrations(id) ON DELETE CASCADE,
    trigger_stage          TEXT    NOT NULL,      -- source STAGE_ID, e.g. C2:WON
    mapping                TEXT    NOT NULL,      -- JSON: field rules and stage map (see crm::bridge)
    on_rerun               TEXT    NOT NULL DEFAULT 'skip' CHECK (on_rerun IN ('skip', 'update')),
    created_at             INTEGER NOT NULL,
    updated_at             INTEGER NOT NULL,
    CHECK (source_integration_id <> target_integration_id)
);

-- The bridge's id map: source deal → target deal. A deal is never created twice by one bridge.
CREATE TABLE bridge_links (
    bridge_id        INTEGER NOT NULL REFERENCES bridges(id) ON DELETE CASCADE,
    source_deal_id   TEXT    NOT NULL,
    target_deal_id   TEXT    NOT NULL,
    transferred_at   INTEGER NOT NULL,             -- unix ms
    updated_at       INTEGER NOT NULL,             -- unix ms, last update on rerun
    PRIMARY KEY (bridge_id, source_deal_id)
);
