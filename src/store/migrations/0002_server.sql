-- agentdeck store, schema version 2: what the team server (`agentdeck serve`) needs.
-- Bearer tokens (hashed, never the token itself), telemetry counters, and the request id
-- that lets a request seen both in a transcript and in telemetry count once.

-- The provider's request id, derived from the dedupe key so every writer fills it the same
-- way: transcripts key Claude requests `cc:{message.id}:{requestId}`, telemetry keys them
-- `ccreq:{request_id}`. Other agents' keys carry no cross-source id (NULL).
ALTER TABLE requests ADD COLUMN request_id TEXT GENERATED ALWAYS AS (
    CASE
        WHEN dedupe_key LIKE 'ccreq:%' THEN substr(dedupe_key, 7)
        WHEN dedupe_key LIKE 'cc:%:%' THEN substr(dedupe_key, instr(substr(dedupe_key, 4), ':') + 4)
    END
) VIRTUAL;
CREATE INDEX requests_by_request_id ON requests (request_id) WHERE request_id IS NOT NULL;

CREATE TABLE api_tokens (
    id          INTEGER PRIMARY KEY,
    token_hash  TEXT NOT NULL UNIQUE,         -- hex sha256 of the bearer token
    role        TEXT NOT NULL CHECK (role IN ('admin', 'manager', 'member')),
    developer   TEXT NOT NULL,
    team        TEXT,
    created_at  INTEGER NOT NULL,
    revoked_at  INTEGER
);

-- Telemetry counters that are not requests or events (lines of code added/removed, …):
-- one row per data point increment, keyed so a re-sent export counts once.
CREATE TABLE telemetry_counters (
    dedupe_key  TEXT PRIMARY KEY,
    ts          INTEGER NOT NULL,
    developer   TEXT NOT NULL,
    agent       TEXT NOT NULL,
    session_key TEXT NOT NULL DEFAULT '',
    metric      TEXT NOT NULL,                -- e.g. lines_of_code.added
    value       INTEGER NOT NULL
);
CREATE INDEX telemetry_counters_by_ts ON telemetry_counters (metric, ts);
