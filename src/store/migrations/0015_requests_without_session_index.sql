-- No index of requests by session. Every write to a session added an entry at the end of
-- that session's range of `requests_by_session`, so a transaction dirtied (and wrote to the
-- WAL, and later checkpointed) one leaf page per session it touched: on the team server,
-- where each export names dozens of sessions, most of the pages a commit wrote, growing with
-- the store. A session's requests are found through `requests_by_developer_ts` instead,
-- bounded by the session's owner and time span (docs/perf.md, "The SQLite write path").
DROP INDEX IF EXISTS requests_by_session;
