-- agentdeck team server on PostgreSQL, schema version 1: the tables `serve` writes and the
-- sync API reads, with the same meaning as the SQLite store's (0001_init.sql and
-- 0002_server.sql). Timestamps are UTC unix milliseconds; money is integer micro-USD.

CREATE TABLE developers (
    id           TEXT PRIMARY KEY,
    email        TEXT,
    handle       TEXT,
    display_name TEXT,
    team         TEXT NOT NULL DEFAULT 'unassigned',
    role         TEXT,
    started_on   TEXT
);

CREATE TABLE projects (
    id           TEXT PRIMARY KEY,
    display_name TEXT NOT NULL
);

CREATE TABLE sessions (
    id               BIGSERIAL PRIMARY KEY,
    agent            TEXT NOT NULL,
    session_key      TEXT NOT NULL,
    source           TEXT NOT NULL,
    developer        TEXT NOT NULL,
    project_id       TEXT,
    branch           TEXT,
    started_at       BIGINT NOT NULL,
    last_activity_at BIGINT NOT NULL,
    title            TEXT,
    requests         BIGINT NOT NULL DEFAULT 0,
    input_tokens     BIGINT NOT NULL DEFAULT 0,
    output_tokens    BIGINT NOT NULL DEFAULT 0,
    cache_write_5m   BIGINT NOT NULL DEFAULT 0,
    cache_write_1h   BIGINT NOT NULL DEFAULT 0,
    cache_read       BIGINT NOT NULL DEFAULT 0,
    reasoning_tokens BIGINT NOT NULL DEFAULT 0,
    cost_micro_usd   BIGINT NOT NULL DEFAULT 0,
    UNIQUE (agent, session_key)
);

CREATE TABLE requests (
    id               BIGSERIAL PRIMARY KEY,
    dedupe_key       TEXT NOT NULL UNIQUE,
    request_id       TEXT,                   -- cross-source id (see domain::request_key)
    session_id       BIGINT NOT NULL REFERENCES sessions (id),
    ts               BIGINT NOT NULL,
    agent            TEXT NOT NULL,
    model            TEXT NOT NULL,
    developer        TEXT NOT NULL,
    project_id       TEXT,
    input_tokens     BIGINT NOT NULL,
    output_tokens    BIGINT NOT NULL,
    cache_write_5m   BIGINT NOT NULL,
    cache_write_1h   BIGINT NOT NULL,
    cache_read       BIGINT NOT NULL,
    reasoning_tokens BIGINT NOT NULL,
    cost_micro_usd   BIGINT NOT NULL,
    cost_source      TEXT NOT NULL CHECK (cost_source IN ('reported', 'computed', 'unpriced')),
    sidechain        BOOLEAN NOT NULL DEFAULT FALSE,
    fast             BOOLEAN NOT NULL DEFAULT FALSE,
    message_id       TEXT,
    ord              BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX requests_by_request_id ON requests (request_id) WHERE request_id IS NOT NULL;
CREATE INDEX requests_by_developer ON requests (developer, id);

CREATE TABLE events (
    id          BIGSERIAL PRIMARY KEY,
    dedupe_key  TEXT NOT NULL UNIQUE,
    session_id  BIGINT NOT NULL REFERENCES sessions (id),
    ts          BIGINT NOT NULL,
    kind        TEXT NOT NULL,
    tool_name   TEXT,
    decision    TEXT,
    status_code BIGINT,
    duration_ms BIGINT,
    detail      TEXT,
    ord         BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE rollups (
    bucket_start       BIGINT NOT NULL,
    developer          TEXT NOT NULL,
    project_id         TEXT NOT NULL,
    agent              TEXT NOT NULL,
    model              TEXT NOT NULL,
    requests           BIGINT NOT NULL DEFAULT 0,
    input_tokens       BIGINT NOT NULL DEFAULT 0,
    output_tokens      BIGINT NOT NULL DEFAULT 0,
    cache_write_5m     BIGINT NOT NULL DEFAULT 0,
    cache_write_1h     BIGINT NOT NULL DEFAULT 0,
    cache_read         BIGINT NOT NULL DEFAULT 0,
    reasoning_tokens   BIGINT NOT NULL DEFAULT 0,
    cost_micro_usd     BIGINT NOT NULL DEFAULT 0,
    reported_micro_usd BIGINT NOT NULL DEFAULT 0,
    unpriced_requests  BIGINT NOT NULL DEFAULT 0,
    unpriced_tokens    BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (bucket_start, developer, project_id, agent, model)
);

CREATE TABLE api_tokens (
    id          BIGSERIAL PRIMARY KEY,
    token_hash  TEXT NOT NULL UNIQUE,
    role        TEXT NOT NULL CHECK (role IN ('admin', 'manager', 'member')),
    developer   TEXT NOT NULL,
    team        TEXT,
    created_at  BIGINT NOT NULL,
    revoked_at  BIGINT
);

CREATE TABLE telemetry_counters (
    dedupe_key  TEXT PRIMARY KEY,
    ts          BIGINT NOT NULL,
    developer   TEXT NOT NULL,
    agent       TEXT NOT NULL,
    session_key TEXT NOT NULL DEFAULT '',
    metric      TEXT NOT NULL,
    value       BIGINT NOT NULL
);
