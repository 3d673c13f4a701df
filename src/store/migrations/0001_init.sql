-- agentdeck store, schema version 1. Timestamps are UTC unix milliseconds; money is
-- integer micro-USD; nothing here ever holds prompt text, model output or code.

CREATE TABLE teams (
    name                   TEXT PRIMARY KEY,
    budget_micro_usd_month INTEGER
);

CREATE TABLE developers (
    id           TEXT PRIMARY KEY,           -- email when known, else handle
    email        TEXT,
    handle       TEXT,
    display_name TEXT,
    team         TEXT NOT NULL DEFAULT 'unassigned',
    role         TEXT,
    started_on   TEXT
);

CREATE TABLE projects (
    id           TEXT PRIMARY KEY,           -- canonical: git remote host/owner/repo, else cwd
    display_name TEXT NOT NULL
);

CREATE TABLE sessions (
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
    -- running totals, kept by the writer in the same transaction as `requests`
    requests         INTEGER NOT NULL DEFAULT 0,
    input_tokens     INTEGER NOT NULL DEFAULT 0,
    output_tokens    INTEGER NOT NULL DEFAULT 0,
    cache_write_5m   INTEGER NOT NULL DEFAULT 0,
    cache_write_1h   INTEGER NOT NULL DEFAULT 0,
    cache_read       INTEGER NOT NULL DEFAULT 0,
    reasoning_tokens INTEGER NOT NULL DEFAULT 0,
    cost_micro_usd   INTEGER NOT NULL DEFAULT 0,
    unpriced_tokens  INTEGER NOT NULL DEFAULT 0,
    UNIQUE (agent, session_key)
);
CREATE INDEX sessions_by_activity ON sessions (last_activity_at);

CREATE TABLE requests (
    id             INTEGER PRIMARY KEY,
    dedupe_key     TEXT NOT NULL UNIQUE,
    session_id     INTEGER NOT NULL REFERENCES sessions (id),
    ts             INTEGER NOT NULL,
    agent          TEXT NOT NULL,
    model          TEXT NOT NULL,            -- 'unknown' when the log does not say
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
    ord            INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX requests_by_message ON requests (message_id) WHERE message_id IS NOT NULL;
CREATE INDEX requests_by_session ON requests (session_id, ts);
CREATE INDEX requests_by_ts ON requests (ts);

CREATE TABLE events (
    id          INTEGER PRIMARY KEY,
    dedupe_key  TEXT NOT NULL UNIQUE,
    session_id  INTEGER NOT NULL REFERENCES sessions (id),
    ts          INTEGER NOT NULL,
    kind        TEXT NOT NULL,
    tool_name   TEXT,
    decision    TEXT,
    status_code INTEGER,
    duration_ms INTEGER,
    detail      TEXT,
    ord         INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX events_by_session ON events (session_id, ts);
CREATE INDEX events_by_kind_ts ON events (kind, ts);

-- Pre-aggregated usage per 15-minute UTC bucket (every real time zone offset is a
-- multiple of 15 minutes, so any --tz day or week is an exact sum of buckets).
CREATE TABLE rollups (
    bucket_start     INTEGER NOT NULL,       -- unix ms, multiple of 900000
    developer        TEXT NOT NULL,
    project_id       TEXT NOT NULL,          -- '' when unknown
    agent            TEXT NOT NULL,
    model            TEXT NOT NULL,
    requests         INTEGER NOT NULL DEFAULT 0,
    input_tokens     INTEGER NOT NULL DEFAULT 0,
    output_tokens    INTEGER NOT NULL DEFAULT 0,
    cache_write_5m   INTEGER NOT NULL DEFAULT 0,
    cache_write_1h   INTEGER NOT NULL DEFAULT 0,
    cache_read       INTEGER NOT NULL DEFAULT 0,
    reasoning_tokens INTEGER NOT NULL DEFAULT 0,
    cost_micro_usd   INTEGER NOT NULL DEFAULT 0,
    reported_micro_usd INTEGER NOT NULL DEFAULT 0,
    unpriced_requests INTEGER NOT NULL DEFAULT 0,
    unpriced_tokens  INTEGER NOT NULL DEFAULT 0,
    -- Key order serves the hottest query (usage by period and model) without a sort.
    PRIMARY KEY (bucket_start, model, agent, developer, project_id)
) WITHOUT ROWID;

CREATE TABLE daily_usage (
    source          TEXT NOT NULL,           -- copilot, cursor, anthropic_cc, …
    day             TEXT NOT NULL,           -- YYYY-MM-DD (UTC, as the vendor reports)
    developer       TEXT NOT NULL DEFAULT '',
    team            TEXT NOT NULL DEFAULT '',
    suggestions     INTEGER NOT NULL DEFAULT 0,
    acceptances     INTEGER NOT NULL DEFAULT 0,
    lines_suggested INTEGER NOT NULL DEFAULT 0,
    lines_accepted  INTEGER NOT NULL DEFAULT 0,
    requests        INTEGER NOT NULL DEFAULT 0,
    spend_micro_usd INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (source, day, developer, team)
);

CREATE TABLE commits (
    repo            TEXT NOT NULL,
    sha             TEXT NOT NULL,
    author          TEXT NOT NULL,
    ts              INTEGER NOT NULL,
    ai_agent        TEXT,                    -- NULL: human
    ai_detected_by  TEXT,                    -- trailer, author, telemetry
    lines_added     INTEGER NOT NULL DEFAULT 0,
    lines_removed   INTEGER NOT NULL DEFAULT 0,
    reverted_by     TEXT,
    ticket_key      TEXT,
    PRIMARY KEY (repo, sha)
);

CREATE TABLE pull_requests (
    repo            TEXT NOT NULL,
    number          INTEGER NOT NULL,
    author          TEXT NOT NULL,
    opened_at       INTEGER NOT NULL,
    merged_at       INTEGER,
    closed_at       INTEGER,
    ai_agent        TEXT,
    ai_detected_by  TEXT,
    review_rounds   INTEGER NOT NULL DEFAULT 0,
    first_review_at INTEGER,
    reverted        INTEGER NOT NULL DEFAULT 0,
    coverage_delta  REAL,
    ticket_key      TEXT,
    PRIMARY KEY (repo, number)
);

CREATE TABLE deploys (
    repo   TEXT NOT NULL,
    id     TEXT NOT NULL,
    ts     INTEGER NOT NULL,
    sha    TEXT,
    status TEXT NOT NULL,
    PRIMARY KEY (repo, id)
);

CREATE TABLE incidents (
    id          TEXT PRIMARY KEY,
    repo        TEXT,
    opened_at   INTEGER NOT NULL,
    resolved_at INTEGER,
    severity    TEXT NOT NULL,
    caused_by_sha TEXT,
    ai_linked   INTEGER NOT NULL DEFAULT 0,
    title       TEXT
);

CREATE TABLE alerts (
    id          INTEGER PRIMARY KEY,
    rule        TEXT NOT NULL,
    subject     TEXT NOT NULL,               -- e.g. team:platform, developer:a@b, source:cursor
    severity    TEXT NOT NULL,               -- critical, warning, info
    state       TEXT NOT NULL CHECK (state IN ('firing', 'acked', 'snoozed', 'resolved')),
    value       REAL,
    threshold   REAL,
    message     TEXT NOT NULL DEFAULT '',
    fired_at    INTEGER NOT NULL,
    acked_at    INTEGER,
    acked_by    TEXT,
    note        TEXT,
    snoozed_until INTEGER,
    resolved_at INTEGER,
    UNIQUE (rule, subject, fired_at)
);
CREATE INDEX alerts_by_state ON alerts (state, fired_at);

-- Where each source stopped reading. For files: identity (device+inode), size, offset and
-- mtime, plus the parser's carried state (Codex model and running totals) as JSON.
CREATE TABLE cursors (
    source      TEXT NOT NULL,
    path        TEXT NOT NULL,
    device      INTEGER NOT NULL DEFAULT 0,
    inode       INTEGER NOT NULL DEFAULT 0,
    size        INTEGER NOT NULL DEFAULT 0,
    offset      INTEGER NOT NULL DEFAULT 0,
    line        INTEGER NOT NULL DEFAULT 0,  -- lines consumed, for messages naming a line
    mtime_ns    INTEGER NOT NULL DEFAULT 0,
    state       TEXT,
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (source, path)
);

CREATE TABLE source_health (
    source        TEXT PRIMARY KEY,
    kind          TEXT NOT NULL,
    last_success  INTEGER,
    last_error_at INTEGER,
    last_error    TEXT,
    rows          INTEGER NOT NULL DEFAULT 0
);

-- Bumped by the writer in the same transaction as the rows of each topic.
CREATE TABLE change_counters (
    topic   TEXT PRIMARY KEY,
    counter INTEGER NOT NULL
);
