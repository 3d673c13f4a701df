-- Requests by the last ten characters of their request id instead of by (owner, request
-- id). Only transcript rows keep a request id, and only the writer looks rows up by it (to
-- find the transcript copies of a telemetry row); it compares the whole id and the owner on
-- the rows the index gives (`store/sqlite_rows.rs`, which must use this exact expression).
-- Provider request ids end in random characters, so ten of them tell rows apart, and the
-- index entries are a fifth of the size of ones that start with the owner's e-mail: fewer
-- pages dirtied per commit during a cold ingest (docs/perf.md, "Where the writer's time
-- goes").
CREATE INDEX requests_by_request_suffix ON requests (substr(request_id, -10))
    WHERE request_id IS NOT NULL;
DROP INDEX IF EXISTS requests_by_request_id;
