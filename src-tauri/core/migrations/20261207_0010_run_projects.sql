-- A run about one integration (CRM sync, n8n trigger, bridge transfer, test e-mail) belongs to that
-- integration's project, so that the Runs page's project filter and the `run_finished` webhook's
-- `project` include it; until now only "Check all" runs recorded their project. New runs take it at
-- their start (`start_run`); this fills it in for the runs recorded before.
UPDATE runs
SET project_id = (SELECT i.project_id FROM integrations i WHERE i.id = runs.integration_id)
WHERE project_id IS NULL AND integration_id IS NOT NULL;
