-- agentdeck team server on PostgreSQL, schema version 5: vendor daily usage (Cursor,
-- Copilot, Claude Code analytics) as the console that polls those vendors pushes it, for
-- the acceptance alert rule. Same key as the SQLite store's `daily_usage`: a day pushed
-- again replaces the stored one. `version` takes a new value from a sequence on every
-- write, so the alert engine notices replaced days too.

CREATE SEQUENCE daily_usage_version;

CREATE TABLE daily_usage (
    source          TEXT NOT NULL,
    day             TEXT NOT NULL,                 -- YYYY-MM-DD (UTC, as the vendor reports)
    developer       TEXT NOT NULL DEFAULT '',
    team            TEXT NOT NULL DEFAULT '',
    suggestions     BIGINT NOT NULL DEFAULT 0,
    acceptances     BIGINT NOT NULL DEFAULT 0,
    lines_suggested BIGINT NOT NULL DEFAULT 0,
    lines_accepted  BIGINT NOT NULL DEFAULT 0,
    requests        BIGINT NOT NULL DEFAULT 0,
    spend_micro_usd BIGINT NOT NULL DEFAULT 0,
    version         BIGINT NOT NULL DEFAULT nextval('daily_usage_version'),
    PRIMARY KEY (source, day, developer, team)
);

CREATE INDEX daily_usage_by_day ON daily_usage (day);
