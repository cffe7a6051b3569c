-- What a sync learnt about the CRM account as a whole: Kommo leads carry a bare `price` in the account's
-- currency (`GET /api/v4/account` → `currency`), so the records browser needs it beside them.
CREATE TABLE crm_accounts (
    integration_id  INTEGER PRIMARY KEY REFERENCES integrations(id) ON DELETE CASCADE,
    currency        TEXT,                      -- ISO 4217 code as the CRM names it, e.g. RUB
    updated_at      INTEGER NOT NULL           -- unix ms
);
