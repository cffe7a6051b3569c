-- The process that runs a run: the token of its lock file in `owners/` (see owners.rs). NULL for runs
-- recorded before this column and for in-memory stores: those are judged by their heartbeat alone.
ALTER TABLE runs ADD COLUMN owner TEXT;
