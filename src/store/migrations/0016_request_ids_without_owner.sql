-- Requests by message id and by request id without the owner in front. Only the writer
-- looks rows up by these ids (the sidechain-replay rule, the transcript copies of a
-- telemetry row) and it compares the owner on the rows an index gives, so the owner's
-- e-mail, which led every entry (49 bytes in front of a 28-byte id), only made the entries
-- larger: with random ids, more pages dirtied per commit during a cold ingest and a larger
-- store (docs/perf.md, "Where the writer's time goes"). Another owner's rows share an entry
-- only when they carry the same provider id, which is random and which no member can read
-- of another's; a look-up is an exact search whatever the ids look like.
DROP INDEX IF EXISTS requests_by_message;
DROP INDEX IF EXISTS requests_by_request_id;
CREATE INDEX requests_by_message ON requests (message_id) WHERE message_id IS NOT NULL;
CREATE INDEX requests_by_request_id ON requests (request_id) WHERE request_id IS NOT NULL;
