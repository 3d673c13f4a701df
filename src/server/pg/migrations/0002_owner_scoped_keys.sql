-- agentdeck team server on PostgreSQL, schema version 2 (the same change as the SQLite
-- store's 0013_owner_scoped_keys.sql): every key is unique per owner (the row's developer),
-- so no row can reach, replace or reveal another developer's rows. Also: session totals of
-- unpriced tokens, the last point of each cumulative metric series, counter ids for sync
-- cursors, and the collector capability of tokens.

ALTER TABLE sessions DROP CONSTRAINT sessions_agent_session_key_key;
ALTER TABLE sessions ADD CONSTRAINT sessions_owner_key UNIQUE (developer, agent, session_key);
ALTER TABLE sessions ADD COLUMN unpriced_tokens BIGINT NOT NULL DEFAULT 0;

ALTER TABLE requests DROP CONSTRAINT requests_dedupe_key_key;
ALTER TABLE requests ADD CONSTRAINT requests_owner_key UNIQUE (developer, dedupe_key);
DROP INDEX requests_by_request_id;
CREATE INDEX requests_by_request_id ON requests (developer, request_id) WHERE request_id IS NOT NULL;
CREATE INDEX requests_by_message ON requests (developer, message_id) WHERE message_id IS NOT NULL;

ALTER TABLE events DROP CONSTRAINT events_dedupe_key_key;
ALTER TABLE events ADD CONSTRAINT events_session_key UNIQUE (session_id, dedupe_key);

ALTER TABLE telemetry_counters DROP CONSTRAINT telemetry_counters_pkey;
ALTER TABLE telemetry_counters ADD COLUMN id BIGSERIAL PRIMARY KEY;
ALTER TABLE telemetry_counters ADD CONSTRAINT telemetry_counters_owner_key UNIQUE (developer, dedupe_key);
CREATE INDEX telemetry_counters_by_developer ON telemetry_counters (developer, id);

CREATE TABLE metric_series (
    developer   TEXT NOT NULL,
    series      TEXT NOT NULL,
    start_nanos BIGINT NOT NULL,
    time_nanos  BIGINT NOT NULL,
    value       BIGINT NOT NULL,
    PRIMARY KEY (developer, series)
);

ALTER TABLE api_tokens ADD COLUMN collector BOOLEAN NOT NULL DEFAULT FALSE;

-- The write pipeline upserts every row's session in the same transaction and never deletes
-- a session, so the per-row foreign-key checks only cost time.
ALTER TABLE requests DROP CONSTRAINT requests_session_id_fkey;
ALTER TABLE events DROP CONSTRAINT events_session_id_fkey;
