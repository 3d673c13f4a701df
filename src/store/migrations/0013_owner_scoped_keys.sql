-- agentdeck store, schema version 13: every key is unique per owner (the row's developer),
-- never globally, so no row can reach, replace or reveal another developer's rows:
-- sessions by (developer, agent, session id), requests by (developer, key), events within
-- their session, telemetry counters by (developer, key). The cross-source request id
-- becomes a plain column the writer fills from the typed key (no SQL copy of the grammar).
-- Also: the last point of each cumulative metric series (so a restart neither double-counts
-- nor drops), and the collector capability of tokens.

CREATE TABLE sessions_new (
    id               INTEGER PRIMARY KEY,
    agent            TEXT NOT NULL,
    session_key      TEXT NOT NULL,
    source           TEXT NOT NULL,
    developer        TEXT NOT NULL,
    project_id       TEXT,
    branch           TEXT,
    started_at       INTEGER NOT NULL,
    last_activity_at INTEGER NOT NULL,
    title            TEXT,
    status           TEXT NOT NULL DEFAULT 'ended',
    requests         INTEGER NOT NULL DEFAULT 0,
    input_tokens     INTEGER NOT NULL DEFAULT 0,
    output_tokens    INTEGER NOT NULL DEFAULT 0,
    cache_write_5m   INTEGER NOT NULL DEFAULT 0,
    cache_write_1h   INTEGER NOT NULL DEFAULT 0,
    cache_read       INTEGER NOT NULL DEFAULT 0,
    reasoning_tokens INTEGER NOT NULL DEFAULT 0,
    cost_micro_usd   INTEGER NOT NULL DEFAULT 0,
    unpriced_tokens  INTEGER NOT NULL DEFAULT 0,
    UNIQUE (developer, agent, session_key)
);
INSERT INTO sessions_new SELECT id, agent, session_key, source, developer, project_id, branch,
    started_at, last_activity_at, title, status, requests, input_tokens, output_tokens,
    cache_write_5m, cache_write_1h, cache_read, reasoning_tokens, cost_micro_usd, unpriced_tokens
FROM sessions;

CREATE TABLE requests_new (
    id             INTEGER PRIMARY KEY,
    dedupe_key     TEXT NOT NULL,
    request_id     TEXT,                     -- cross-source id, from the typed key
    session_id     INTEGER NOT NULL REFERENCES sessions_new (id),
    ts             INTEGER NOT NULL,
    agent          TEXT NOT NULL,
    model          TEXT NOT NULL,
    developer      TEXT NOT NULL,
    project_id     TEXT,
    input_tokens   INTEGER NOT NULL,
    output_tokens  INTEGER NOT NULL,
    cache_write_5m INTEGER NOT NULL,
    cache_write_1h INTEGER NOT NULL,
    cache_read     INTEGER NOT NULL,
    reasoning_tokens INTEGER NOT NULL,
    cost_micro_usd INTEGER NOT NULL,
    cost_source    TEXT NOT NULL CHECK (cost_source IN ('reported', 'computed', 'unpriced')),
    sidechain      INTEGER NOT NULL DEFAULT 0,
    fast           INTEGER NOT NULL DEFAULT 0,
    message_id     TEXT,
    ord            INTEGER NOT NULL DEFAULT 0,
    UNIQUE (developer, dedupe_key)
);
INSERT INTO requests_new SELECT id, dedupe_key, request_id, session_id, ts, agent, model,
    developer, project_id, input_tokens, output_tokens, cache_write_5m, cache_write_1h,
    cache_read, reasoning_tokens, cost_micro_usd, cost_source, sidechain, fast, message_id, ord
FROM requests;

CREATE TABLE events_new (
    id          INTEGER PRIMARY KEY,
    dedupe_key  TEXT NOT NULL,
    session_id  INTEGER NOT NULL REFERENCES sessions_new (id),
    ts          INTEGER NOT NULL,
    kind        TEXT NOT NULL,
    tool_name   TEXT,
    decision    TEXT,
    status_code INTEGER,
    duration_ms INTEGER,
    detail      TEXT,
    ord         INTEGER NOT NULL DEFAULT 0,
    UNIQUE (session_id, dedupe_key)
);
INSERT INTO events_new SELECT id, dedupe_key, session_id, ts, kind, tool_name, decision,
    status_code, duration_ms, detail, ord FROM events;

-- Children first, so dropping the old sessions table leaves no reference behind; renaming
-- sessions_new rewrites the new children's references to it.
DROP TABLE events;
DROP TABLE requests;
DROP TABLE sessions;
ALTER TABLE sessions_new RENAME TO sessions;
ALTER TABLE requests_new RENAME TO requests;
ALTER TABLE events_new RENAME TO events;

CREATE INDEX sessions_by_activity ON sessions (last_activity_at);
CREATE INDEX sessions_by_start ON sessions (started_at);
CREATE INDEX requests_by_message ON requests (developer, message_id) WHERE message_id IS NOT NULL;
CREATE INDEX requests_by_session ON requests (session_id, ts);
CREATE INDEX requests_by_ts ON requests (ts);
CREATE INDEX requests_by_request_id ON requests (developer, request_id) WHERE request_id IS NOT NULL;
CREATE INDEX events_by_session ON events (session_id, ts);
CREATE INDEX events_by_kind_ts ON events (kind, ts);

CREATE TABLE telemetry_counters_new (
    id          INTEGER PRIMARY KEY,
    dedupe_key  TEXT NOT NULL,
    ts          INTEGER NOT NULL,
    developer   TEXT NOT NULL,
    agent       TEXT NOT NULL,
    session_key TEXT NOT NULL DEFAULT '',
    metric      TEXT NOT NULL,
    value       INTEGER NOT NULL,
    UNIQUE (developer, dedupe_key)
);
INSERT INTO telemetry_counters_new (dedupe_key, ts, developer, agent, session_key, metric, value)
SELECT dedupe_key, ts, developer, agent, session_key, metric, value FROM telemetry_counters;
DROP TABLE telemetry_counters;
ALTER TABLE telemetry_counters_new RENAME TO telemetry_counters;
CREATE INDEX telemetry_counters_by_ts ON telemetry_counters (metric, ts);

-- The last point of each cumulative metric series, per owner.
CREATE TABLE metric_series (
    developer   TEXT NOT NULL,
    series      TEXT NOT NULL,
    start_nanos INTEGER NOT NULL,
    time_nanos  INTEGER NOT NULL,
    value       INTEGER NOT NULL,
    PRIMARY KEY (developer, series)
) WITHOUT ROWID;

-- A manager token that may also forward telemetry for its team (an OpenTelemetry Collector).
ALTER TABLE api_tokens ADD COLUMN collector INTEGER NOT NULL DEFAULT 0;
