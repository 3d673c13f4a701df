-- Validators of code-host listings (docs/outcomes.md "Conditional requests"): the ETag of
-- the last 200 answer per URL, kept across passes so an unchanged repository costs only
-- 304 answers. Only the validator is kept, never the response body.
CREATE TABLE http_etags (
    source  TEXT NOT NULL,                   -- github, gitlab
    url     TEXT NOT NULL,
    etag    TEXT NOT NULL,
    seen_at INTEGER NOT NULL,
    PRIMARY KEY (source, url)
);
