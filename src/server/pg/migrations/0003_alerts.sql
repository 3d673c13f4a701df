-- agentdeck team server on PostgreSQL, schema version 3: the alert state the server owns
-- and the deploys and incidents `POST /api/v1/events` records, with the same meaning as the
-- SQLite store's `alerts`, `alert_deliveries`, `deploys` and `incidents` (0001_init.sql,
-- 0006_outcomes.sql), plus the history of every alert's state changes (who, when, note).
-- Timestamps are UTC unix milliseconds.

CREATE TABLE alerts (
    id            BIGSERIAL PRIMARY KEY,
    rule          TEXT NOT NULL,
    subject       TEXT NOT NULL,             -- team:platform, developer:a@b, org, project:x
    severity      TEXT NOT NULL,             -- critical, warning, info
    state         TEXT NOT NULL CHECK (state IN ('firing', 'acked', 'snoozed', 'resolved')),
    value         DOUBLE PRECISION,
    threshold     DOUBLE PRECISION,
    unit          TEXT,
    message       TEXT NOT NULL DEFAULT '',
    fired_at      BIGINT NOT NULL,
    acked_at      BIGINT,
    acked_by      TEXT,
    note          TEXT,
    snoozed_until BIGINT,
    resolved_at   BIGINT,
    resolved_by   TEXT,
    resolve_note  TEXT,
    -- Bumped on every change: consoles pull `GET /api/v1/alerts?since=` by it.
    updated_at    BIGINT NOT NULL DEFAULT 0,
    UNIQUE (rule, subject, fired_at)
);
CREATE INDEX alerts_by_update ON alerts (updated_at, id);
CREATE INDEX alerts_open ON alerts (rule, subject) WHERE state <> 'resolved';

-- Every state change of an alert: fired, acked, snoozed, woke (a snooze ran out), resolved;
-- `by` is the token's identity (or `agentdeck` for the engine).
CREATE TABLE alert_history (
    id        BIGSERIAL PRIMARY KEY,
    alert_id  BIGINT NOT NULL REFERENCES alerts (id),
    at        BIGINT NOT NULL,
    action    TEXT NOT NULL CHECK (action IN ('fired', 'acked', 'snoozed', 'woke', 'resolved')),
    by_whom   TEXT,
    note      TEXT,
    until_ms  BIGINT
);
CREATE INDEX alert_history_by_alert ON alert_history (alert_id, id);

-- Webhook notifications: one row per notification and target; failed ones after the last
-- retry stay `dead` (the dead-letter record).
CREATE TABLE alert_deliveries (
    id          BIGSERIAL PRIMARY KEY,
    alert_id    BIGINT NOT NULL REFERENCES alerts (id),
    target      TEXT NOT NULL,               -- the webhook's name from config (never its URL)
    event       TEXT NOT NULL,               -- fired, resolved
    state       TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'dead')),
    attempts    BIGINT NOT NULL DEFAULT 0,
    last_error  TEXT,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    UNIQUE (alert_id, target, event)
);

CREATE TABLE deploys (
    repo        TEXT NOT NULL,
    id          TEXT NOT NULL,
    ts          BIGINT NOT NULL,
    sha         TEXT,
    status      TEXT NOT NULL,
    environment TEXT,
    source      TEXT,                        -- cli, api:<developer>
    PRIMARY KEY (repo, id)
);

CREATE TABLE incidents (
    id            TEXT PRIMARY KEY,
    repo          TEXT,
    opened_at     BIGINT NOT NULL,
    resolved_at   BIGINT,
    severity      TEXT NOT NULL,
    caused_by_sha TEXT,
    -- The server keeps no commits: incidents recorded here are not linked to AI commits
    -- (a console links them against the commits it scanned).
    ai_linked     BOOLEAN NOT NULL DEFAULT FALSE,
    title         TEXT,
    source        TEXT
);
