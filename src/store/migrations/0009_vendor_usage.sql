-- What the vendors' admin APIs report (docs/vendor-apis.md): per day, per developer (or ''
-- for organisation-wide rows) and per model (or a cost line item; '' when not per model).
-- Billed amounts (the vendor's bill) and estimates (the vendor's or ours from the price
-- table) are separate columns and never summed together. NULL: the source said nothing.
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
CREATE INDEX vendor_usage_by_day ON vendor_usage (day);

-- Paid seats (GitHub Copilot billing seats, Cursor members): who holds one and when it
-- was last used, for "seats without usage".
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
