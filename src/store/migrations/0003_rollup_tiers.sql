-- Coarser copies of `rollups` (same key and measures) kept by the writer in the same
-- transaction: hourly and daily (UTC) buckets. A query over a long range reads whole UTC
-- days from `rollups_day` and only the pieces of days that straddle its edges from the finer
-- tiers, so any time zone's local days stay exact (every real offset is a multiple of 15
-- minutes) while a month at 10 M requests reads thousands of rows, not hundreds of thousands.
-- Key order (developer, agent first) lets per-developer and per-agent sums stream in key
-- order without a sort.

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

-- Backfill from the 15-minute rows (floor division, also before 1970).
INSERT INTO rollups_hour
SELECT bucket_start - ((bucket_start % 3600000) + 3600000) % 3600000, developer, project_id, agent, model,
       sum(requests), sum(input_tokens), sum(output_tokens), sum(cache_write_5m), sum(cache_write_1h),
       sum(cache_read), sum(reasoning_tokens), sum(cost_micro_usd), sum(reported_micro_usd),
       sum(unpriced_requests), sum(unpriced_tokens)
FROM rollups GROUP BY 1, 2, 3, 4, 5;

INSERT INTO rollups_day
SELECT bucket_start - ((bucket_start % 86400000) + 86400000) % 86400000, developer, project_id, agent, model,
       sum(requests), sum(input_tokens), sum(output_tokens), sum(cache_write_5m), sum(cache_write_1h),
       sum(cache_read), sum(reasoning_tokens), sum(cost_micro_usd), sum(reported_micro_usd),
       sum(unpriced_requests), sum(unpriced_tokens)
FROM rollups_hour GROUP BY 1, 2, 3, 4, 5;
