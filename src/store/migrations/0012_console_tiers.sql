-- Two read paths the console needs for periods up to a year (docs/console.md "Periods").
--
-- `rollups_day_dev`: a narrow daily tier, per UTC day, developer and agent, with project and
-- model summed away (stored as ''). The writer keeps it with the other tiers. Spend per
-- team, developer or agent over a year (Overview, Costs at the top, Adoption) reads it: about
-- a third of the rows of `rollups_day`.
CREATE TABLE IF NOT EXISTS rollups_day_dev (
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

INSERT OR IGNORE INTO rollups_day_dev
SELECT bucket_start, developer, '', agent, '',
       sum(requests), sum(input_tokens), sum(output_tokens), sum(cache_write_5m), sum(cache_write_1h),
       sum(cache_read), sum(reasoning_tokens), sum(cost_micro_usd), sum(reported_micro_usd),
       sum(unpriced_requests), sum(unpriced_tokens)
FROM rollups_day GROUP BY bucket_start, developer, agent;

-- Replay lists the newest work sessions of a period: by start, newest first.
CREATE INDEX IF NOT EXISTS sessions_by_start ON sessions (started_at);
