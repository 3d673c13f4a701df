-- agentdeck store, schema version 17: stored requests are found by 64-bit hashes of their
-- identities instead of by their text. Each of the three identities the writer looks a
-- request up by (its key, its cross-source request id, its Claude message id, each within
-- its owner) gets a column holding SipHash-1-3 of (owner, identity, value), keyed with 16
-- random bytes the store draws here once (`store_secrets`), and a plain index on it. The
-- text indexes they replace (the unique (developer, dedupe_key), the message and request
-- ids) were two thirds of the insert cost of a cold ingest and most of its WAL
-- (docs/perf.md, "Where the writer's time goes"). Look-ups compare the owner and the value
-- as well, so a collision costs a row read; one (owner, key) per row is the writer's rule
-- (store/plan.rs), which it now holds alone. `identity_hash` is registered by agentdeck
-- (store/identity.rs); this file does not run in a plain sqlite3 shell.

CREATE TABLE store_secrets (
    name  TEXT PRIMARY KEY,
    value BLOB NOT NULL
) WITHOUT ROWID;
INSERT INTO store_secrets (name, value) VALUES ('identity_hash', randomblob(16));

CREATE TABLE requests_new (
    id             INTEGER PRIMARY KEY,
    dedupe_key     TEXT NOT NULL,
    request_id     TEXT,                     -- cross-source id, from the typed key
    session_id     INTEGER NOT NULL REFERENCES "sessions" (id),
    ts             INTEGER NOT NULL,
    agent          TEXT NOT NULL,
    model          TEXT NOT NULL,
    developer      TEXT NOT NULL,
    project_id     TEXT,
    input_tokens   INTEGER NOT NULL,
    output_tokens  INTEGER NOT NULL,
    cache_write_5m INTEGER NOT NULL,
    cache_write_1h INTEGER NOT NULL,
    cache_read     INTEGER NOT NULL,
    reasoning_tokens INTEGER NOT NULL,
    cost_micro_usd INTEGER NOT NULL,
    cost_source    TEXT NOT NULL CHECK (cost_source IN ('reported', 'computed', 'unpriced')),
    sidechain      INTEGER NOT NULL DEFAULT 0,
    fast           INTEGER NOT NULL DEFAULT 0,
    message_id     TEXT,
    ord            INTEGER NOT NULL DEFAULT 0,
    key_hash       INTEGER NOT NULL,         -- identity hashes (store/identity.rs)
    request_hash   INTEGER,
    message_hash   INTEGER
);
INSERT INTO requests_new
SELECT q.id, q.dedupe_key, q.request_id, q.session_id, q.ts, q.agent, q.model, q.developer,
    q.project_id, q.input_tokens, q.output_tokens, q.cache_write_5m, q.cache_write_1h,
    q.cache_read, q.reasoning_tokens, q.cost_micro_usd, q.cost_source, q.sidechain, q.fast,
    q.message_id, q.ord,
    identity_hash(k.value, q.developer, 'key', q.dedupe_key),
    identity_hash(k.value, q.developer, 'request_id', q.request_id),
    identity_hash(k.value, q.developer, 'message_id', q.message_id)
FROM requests q, store_secrets k WHERE k.name = 'identity_hash';

DROP TABLE requests;
ALTER TABLE requests_new RENAME TO requests;

CREATE INDEX requests_by_ts ON requests (ts);
CREATE INDEX requests_by_developer_ts ON requests (developer, ts);
CREATE INDEX requests_by_key ON requests (key_hash);
CREATE INDEX requests_by_request_id ON requests (request_hash) WHERE request_hash IS NOT NULL;
CREATE INDEX requests_by_message ON requests (message_hash) WHERE message_hash IS NOT NULL;
