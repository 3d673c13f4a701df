-- The store's schema at the newest migration, generated from the migrations by
-- `AGENTDECK_WRITE_SCHEMA=1 cargo test --lib a_new_store_has_exactly` (src/store/schema.rs).
-- A new store is created from this file; never edit it by hand.

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
, team_from_server INTEGER NOT NULL DEFAULT 0, team_from_config INTEGER NOT NULL DEFAULT 0);

CREATE TABLE projects (
    id           TEXT PRIMARY KEY,           -- canonical: git remote host/owner/repo, else cwd
    display_name TEXT NOT NULL
);

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
    ticket_key      TEXT, branch TEXT, fixed_by TEXT, is_merge INTEGER NOT NULL DEFAULT 0,
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
    ticket_key      TEXT, title_ticket TEXT, head_sha TEXT, merge_sha TEXT, branch TEXT,
    PRIMARY KEY (repo, number)
);

CREATE TABLE deploys (
    repo   TEXT NOT NULL,
    id     TEXT NOT NULL,
    ts     INTEGER NOT NULL,
    sha    TEXT,
    status TEXT NOT NULL, environment TEXT, source TEXT,
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
, source TEXT);

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
    resolved_at INTEGER, unit TEXT, resolved_by TEXT, resolve_note TEXT, origin TEXT NOT NULL DEFAULT 'local', remote_id INTEGER, updated_at INTEGER NOT NULL DEFAULT 0,
    UNIQUE (rule, subject, fired_at)
);

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
    updated_at  INTEGER NOT NULL, fingerprint TEXT,
    PRIMARY KEY (source, path)
);

CREATE TABLE source_health (
    source        TEXT PRIMARY KEY,
    kind          TEXT NOT NULL,
    last_success  INTEGER,
    last_error_at INTEGER,
    last_error    TEXT,
    rows          INTEGER NOT NULL DEFAULT 0
, last_run INTEGER, next_run INTEGER, items_read INTEGER NOT NULL DEFAULT 0, item_unit TEXT NOT NULL DEFAULT 'files', last_rows INTEGER NOT NULL DEFAULT 0, run_problems TEXT, settings TEXT);

CREATE TABLE change_counters (
    topic   TEXT PRIMARY KEY,
    counter INTEGER NOT NULL
);

CREATE TABLE api_tokens (
    id          INTEGER PRIMARY KEY,
    token_hash  TEXT NOT NULL UNIQUE,         -- hex sha256 of the bearer token
    role        TEXT NOT NULL CHECK (role IN ('admin', 'manager', 'member')),
    developer   TEXT NOT NULL,
    team        TEXT,
    created_at  INTEGER NOT NULL,
    revoked_at  INTEGER
, collector INTEGER NOT NULL DEFAULT 0);

CREATE TABLE rollups_hour (
    bucket_start     INTEGER NOT NULL,       -- unix ms, multiple of 3600000
    developer        TEXT NOT NULL,
    project_id       TEXT NOT NULL,
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
    PRIMARY KEY (bucket_start, developer, agent, project_id, model)
) WITHOUT ROWID;

CREATE TABLE rollups_day (
    bucket_start     INTEGER NOT NULL,       -- unix ms, multiple of 86400000 (UTC midnight)
    developer        TEXT NOT NULL,
    project_id       TEXT NOT NULL,
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
    PRIMARY KEY (bucket_start, developer, agent, project_id, model)
) WITHOUT ROWID;

CREATE TABLE alert_deliveries (
    id          INTEGER PRIMARY KEY,
    alert_id    INTEGER NOT NULL,
    target      TEXT NOT NULL,               -- the webhook's name from config (never its URL)
    event       TEXT NOT NULL,               -- fired, resolved
    state       TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'dead')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    last_error  TEXT,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    UNIQUE (alert_id, target, event)
);

CREATE TABLE alert_outbox (
    id          INTEGER PRIMARY KEY,
    origin      TEXT NOT NULL,
    remote_id   INTEGER NOT NULL,
    action      TEXT NOT NULL CHECK (action IN ('ack', 'snooze', 'resolve')),
    note        TEXT,
    until_ms    INTEGER,
    created_at  INTEGER NOT NULL,
    last_error  TEXT
);

CREATE TABLE pricing_state (
    id                    INTEGER PRIMARY KEY CHECK (id = 1),
    fingerprint           TEXT NOT NULL,
    repriced_at           INTEGER NOT NULL,
    requests_changed      INTEGER NOT NULL,
    cost_before_micro_usd INTEGER NOT NULL,
    cost_after_micro_usd  INTEGER NOT NULL
);

CREATE TABLE skipped_lines (
    source  TEXT NOT NULL,
    path    TEXT NOT NULL,
    line    INTEGER NOT NULL,
    reason  TEXT NOT NULL,                   -- stable label: malformed_json, invalid_utf8, …
    detail  TEXT,                            -- never content from the line
    seen_at INTEGER NOT NULL,
    PRIMARY KEY (source, path, line)
);

CREATE TABLE vendor_usage (
    source              TEXT NOT NULL,
    day                 TEXT NOT NULL,       -- YYYY-MM-DD, UTC as the vendor reports
    developer           TEXT NOT NULL DEFAULT '',
    model               TEXT NOT NULL DEFAULT '',
    input_tokens        INTEGER NOT NULL DEFAULT 0,
    output_tokens       INTEGER NOT NULL DEFAULT 0,
    cache_write_tokens  INTEGER NOT NULL DEFAULT 0,
    cache_read_tokens   INTEGER NOT NULL DEFAULT 0,
    requests            INTEGER NOT NULL DEFAULT 0,
    billed_micro_usd    INTEGER,
    estimated_micro_usd INTEGER,
    sessions            INTEGER NOT NULL DEFAULT 0,
    lines_added         INTEGER NOT NULL DEFAULT 0,
    lines_removed       INTEGER NOT NULL DEFAULT 0,
    commits             INTEGER NOT NULL DEFAULT 0,
    pull_requests       INTEGER NOT NULL DEFAULT 0,
    tool_accepted       INTEGER NOT NULL DEFAULT 0,
    tool_rejected       INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (source, day, developer, model)
);

CREATE TABLE vendor_seats (
    source               TEXT NOT NULL,
    developer            TEXT NOT NULL,
    plan                 TEXT,
    last_activity_at     INTEGER,
    last_activity_editor TEXT,
    created_at           INTEGER,
    pending_cancellation TEXT,
    seen_at              INTEGER NOT NULL,
    PRIMARY KEY (source, developer)
);

CREATE TABLE http_etags (
    source  TEXT NOT NULL,                   -- github, gitlab
    url     TEXT NOT NULL,
    etag    TEXT NOT NULL,
    seen_at INTEGER NOT NULL,
    PRIMARY KEY (source, url)
);

CREATE TABLE project_budgets (
    project_id             TEXT PRIMARY KEY,   -- as `report project` shows it
    budget_micro_usd_month INTEGER NOT NULL
);

CREATE TABLE rollups_day_dev (
    bucket_start     INTEGER NOT NULL,       -- unix ms, multiple of 86400000 (UTC midnight)
    developer        TEXT NOT NULL,
    project_id       TEXT NOT NULL,          -- always ''
    agent            TEXT NOT NULL,
    model            TEXT NOT NULL,          -- always ''
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
    PRIMARY KEY (bucket_start, developer, agent, project_id, model)
) WITHOUT ROWID;

CREATE TABLE "sessions" (
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

CREATE TABLE "events" (
    id          INTEGER PRIMARY KEY,
    dedupe_key  TEXT NOT NULL,
    session_id  INTEGER NOT NULL REFERENCES "sessions" (id),
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

CREATE TABLE "telemetry_counters" (
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

CREATE TABLE metric_series (
    developer   TEXT NOT NULL,
    series      TEXT NOT NULL,
    start_nanos INTEGER NOT NULL,
    time_nanos  INTEGER NOT NULL,
    value       INTEGER NOT NULL,
    PRIMARY KEY (developer, series)
) WITHOUT ROWID;

CREATE TABLE store_secrets (
    name  TEXT PRIMARY KEY,
    value BLOB NOT NULL
) WITHOUT ROWID;

CREATE TABLE "requests" (
    id             INTEGER PRIMARY KEY,
    dedupe_key     TEXT NOT NULL,
    request_id     TEXT,                     -- cross-source id, from the typed key
    session_id     INTEGER NOT NULL REFERENCES "sessions" (id),
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
    key_hash       INTEGER NOT NULL,         -- identity hashes (store/identity.rs)
    request_hash   INTEGER,
    message_hash   INTEGER
);

CREATE TABLE file_owners (
    source    TEXT NOT NULL,
    path      TEXT NOT NULL,
    developer TEXT NOT NULL,
    PRIMARY KEY (source, path)
) WITHOUT ROWID;

CREATE INDEX alerts_by_state ON alerts (state, fired_at);

CREATE INDEX commits_by_ts ON commits (ts);

CREATE INDEX commits_by_ticket ON commits (ticket_key) WHERE ticket_key IS NOT NULL;

CREATE UNIQUE INDEX alerts_by_remote ON alerts (origin, remote_id) WHERE remote_id IS NOT NULL;

CREATE INDEX vendor_usage_by_day ON vendor_usage (day);

CREATE INDEX sessions_by_activity ON sessions (last_activity_at);

CREATE INDEX sessions_by_start ON sessions (started_at);

CREATE INDEX events_by_session ON events (session_id, ts);

CREATE INDEX events_by_kind_ts ON events (kind, ts);

CREATE INDEX telemetry_counters_by_ts ON telemetry_counters (metric, ts);

CREATE INDEX requests_by_ts ON requests (ts);

CREATE INDEX requests_by_developer_ts ON requests (developer, ts);

CREATE INDEX requests_by_key ON requests (key_hash);

CREATE INDEX requests_by_request_id ON requests (request_hash) WHERE request_hash IS NOT NULL;

CREATE INDEX requests_by_message ON requests (message_hash) WHERE message_hash IS NOT NULL;
