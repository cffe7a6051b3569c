-- An integration's runs, newest first (the CRM sync dialog asks for the latest sync of one integration
-- among every integration's runs).
CREATE INDEX runs_by_integration ON runs (integration_id, started_at, id);
