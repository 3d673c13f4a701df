-- Source health per run (docs/vendor-apis.md "Source health"): when a source last ran and
-- when it runs next, what the run read (files or pages) and added, the configuration in
-- effect (JSON, never a secret), and the run's own file-level problems (JSON).
ALTER TABLE source_health ADD COLUMN last_run INTEGER;
ALTER TABLE source_health ADD COLUMN next_run INTEGER;
ALTER TABLE source_health ADD COLUMN items_read INTEGER NOT NULL DEFAULT 0;
ALTER TABLE source_health ADD COLUMN item_unit TEXT NOT NULL DEFAULT 'files';
ALTER TABLE source_health ADD COLUMN last_rows INTEGER NOT NULL DEFAULT 0;
ALTER TABLE source_health ADD COLUMN run_problems TEXT;
ALTER TABLE source_health ADD COLUMN settings TEXT;

-- Every line a file collector skipped and why, kept until the file is read again from its
-- start (rewritten or replaced), so `agentdeck sources` and `ingest` can list them after the
-- pass that met them. Written in the same transaction as the cursor that moved past them.
CREATE TABLE skipped_lines (
    source  TEXT NOT NULL,
    path    TEXT NOT NULL,
    line    INTEGER NOT NULL,
    reason  TEXT NOT NULL,                   -- stable label: malformed_json, invalid_utf8, …
    detail  TEXT,                            -- never content from the line
    seen_at INTEGER NOT NULL,
    PRIMARY KEY (source, path, line)
);
