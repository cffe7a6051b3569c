-- Search over 100,000 integrations without scanning every name: a trigram full-text index of name and
-- provider (substring match, case-insensitive), kept in step with the table by triggers. Searches shorter
-- than 3 characters still use LIKE.
CREATE VIRTUAL TABLE integrations_search USING fts5(
    name, provider, content = 'integrations', content_rowid = 'id', tokenize = 'trigram'
);
INSERT INTO integrations_search (rowid, name, provider) SELECT id, name, provider FROM integrations;
CREATE TRIGGER integrations_search_insert AFTER INSERT ON integrations BEGIN
    INSERT INTO integrations_search (rowid, name, provider) VALUES (new.id, new.name, new.provider);
END;
CREATE TRIGGER integrations_search_delete AFTER DELETE ON integrations BEGIN
    INSERT INTO integrations_search (integrations_search, rowid, name, provider)
    VALUES ('delete', old.id, old.name, old.provider);
END;
CREATE TRIGGER integrations_search_update AFTER UPDATE OF name, provider ON integrations BEGIN
    INSERT INTO integrations_search (integrations_search, rowid, name, provider)
    VALUES ('delete', old.id, old.name, old.provider);
    INSERT INTO integrations_search (rowid, name, provider) VALUES (new.id, new.name, new.provider);
END;

-- A provider filter with each sort order.
CREATE INDEX integrations_by_provider_status  ON integrations (provider, status_rank, name, id);
CREATE INDEX integrations_by_provider_updated ON integrations (provider, updated_at, id);
CREATE INDEX integrations_by_provider_checked ON integrations (provider, last_checked_at, id);
