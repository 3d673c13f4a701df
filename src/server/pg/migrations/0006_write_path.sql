-- agentdeck team server on PostgreSQL, schema version 6: cheaper writes, same rows.
--
-- Room on every page of the rows each batch updates in place (a session's span and totals,
-- a rollup bucket's sums), so the new row version fits on the same page and PostgreSQL
-- updates it without touching the table's indexes (a "HOT" update) and prunes old versions
-- as it goes. Without it most session updates needed new entries in both session indexes
-- and the table grew with dead versions. Only pages written from now on get the room.
ALTER TABLE sessions SET (fillfactor = 50);
ALTER TABLE rollups SET (fillfactor = 50);

-- Keys and owners are opaque identifiers, only ever compared for equality or sorted for a
-- stable order: byte order (collation "C", as SQLite compares them) instead of the
-- database's language rules, which made every index comparison a locale comparison. The
-- indexes on these columns are rebuilt; the rows are not rewritten.
ALTER TABLE requests
    ALTER COLUMN developer TYPE TEXT COLLATE "C",
    ALTER COLUMN dedupe_key TYPE TEXT COLLATE "C",
    ALTER COLUMN request_id TYPE TEXT COLLATE "C",
    ALTER COLUMN message_id TYPE TEXT COLLATE "C";
ALTER TABLE sessions
    ALTER COLUMN developer TYPE TEXT COLLATE "C",
    ALTER COLUMN agent TYPE TEXT COLLATE "C",
    ALTER COLUMN session_key TYPE TEXT COLLATE "C";
ALTER TABLE rollups
    ALTER COLUMN developer TYPE TEXT COLLATE "C",
    ALTER COLUMN project_id TYPE TEXT COLLATE "C",
    ALTER COLUMN agent TYPE TEXT COLLATE "C",
    ALTER COLUMN model TYPE TEXT COLLATE "C";
ALTER TABLE events ALTER COLUMN dedupe_key TYPE TEXT COLLATE "C";
ALTER TABLE telemetry_counters
    ALTER COLUMN developer TYPE TEXT COLLATE "C",
    ALTER COLUMN dedupe_key TYPE TEXT COLLATE "C";
ALTER TABLE metric_series
    ALTER COLUMN developer TYPE TEXT COLLATE "C",
    ALTER COLUMN series TYPE TEXT COLLATE "C";
