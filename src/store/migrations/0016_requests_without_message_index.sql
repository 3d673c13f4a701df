-- No index of requests by message id. Only Claude Code transcript rows carry one, and their
-- key is `cc:{message id}` or `cc:{message id}:{request id}`, so the (developer, dedupe_key)
-- index already orders a message's rows together: the writer finds them with a key range
-- and compares the message id (`RequestKey::claude_message_range`; a row whose message id
-- is not its key's is refused on the way in). The index was about 8 % of the store and,
-- with random keys led by the owner's e-mail, one of the most expensive to keep during a
-- cold ingest (docs/perf.md, "Where the writer's time goes").
DROP INDEX IF EXISTS requests_by_message;
