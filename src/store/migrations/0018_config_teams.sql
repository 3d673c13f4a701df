-- agentdeck store, schema version 18: which developers' teams the config file set. The
-- config's [[team]] members are written on every run (cli/config.rs); a member later
-- removed from the file is then unassigned (or forgotten, when the store knows nothing else
-- of them) instead of staying in the old team for good. The `teams` table holds only what
-- a config states (names and budgets), so it needs no such mark. Rows written before this
-- version are not marked: the next run marks the config's current members.
ALTER TABLE developers ADD COLUMN team_from_config INTEGER NOT NULL DEFAULT 0;
