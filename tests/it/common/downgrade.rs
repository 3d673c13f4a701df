//! Turns a current store back into one an older agentdeck wrote, so upgrade paths can be
//! tested on real files: each migration after the target version is undone, newest first.
//! A new migration must add its inverse here (the assertion below says so).

use std::path::Path;

/// The inverse of each migration after version 6, newest first.
const UNDO: &[(i64, &str)] = &[
    (19, "DROP TABLE file_owners;"),
    (18, "ALTER TABLE developers DROP COLUMN team_from_config;"),
    (
        17,
        "CREATE TABLE requests_old (
             id INTEGER PRIMARY KEY, dedupe_key TEXT NOT NULL, request_id TEXT,
             session_id INTEGER NOT NULL REFERENCES sessions (id), ts INTEGER NOT NULL,
             agent TEXT NOT NULL, model TEXT NOT NULL, developer TEXT NOT NULL, project_id TEXT,
             input_tokens INTEGER NOT NULL, output_tokens INTEGER NOT NULL,
             cache_write_5m INTEGER NOT NULL, cache_write_1h INTEGER NOT NULL,
             cache_read INTEGER NOT NULL, reasoning_tokens INTEGER NOT NULL,
             cost_micro_usd INTEGER NOT NULL,
             cost_source TEXT NOT NULL CHECK (cost_source IN ('reported', 'computed', 'unpriced')),
             sidechain INTEGER NOT NULL DEFAULT 0, fast INTEGER NOT NULL DEFAULT 0,
             message_id TEXT, ord INTEGER NOT NULL DEFAULT 0,
             UNIQUE (developer, dedupe_key));
         INSERT INTO requests_old SELECT id, dedupe_key, request_id, session_id, ts, agent,
             model, developer, project_id, input_tokens, output_tokens, cache_write_5m,
             cache_write_1h, cache_read, reasoning_tokens, cost_micro_usd, cost_source,
             sidechain, fast, message_id, ord FROM requests;
         DROP TABLE requests;
         ALTER TABLE requests_old RENAME TO requests;
         CREATE INDEX requests_by_ts ON requests (ts);
         CREATE INDEX requests_by_developer_ts ON requests (developer, ts);
         CREATE INDEX requests_by_message ON requests (message_id) WHERE message_id IS NOT NULL;
         CREATE INDEX requests_by_request_id ON requests (request_id)
             WHERE request_id IS NOT NULL;
         DROP TABLE store_secrets;",
    ),
    (
        16,
        "DROP INDEX requests_by_message; DROP INDEX requests_by_request_id;
         CREATE INDEX requests_by_message ON requests (developer, message_id)
             WHERE message_id IS NOT NULL;
         CREATE INDEX requests_by_request_id ON requests (developer, request_id)
             WHERE request_id IS NOT NULL;",
    ),
    (
        15,
        "CREATE INDEX requests_by_session ON requests (session_id, ts);",
    ),
    (14, "DROP INDEX requests_by_developer_ts;"),
    // 13 rebuilds sessions, requests, events and counters with keys unique per owner (a
    // rebuild that reads the same columns from either shape, so it runs again as is); what
    // it adds besides is removed here.
    (
        13,
        "DROP TABLE metric_series;
         ALTER TABLE api_tokens DROP COLUMN collector;",
    ),
    (
        12,
        "DROP INDEX sessions_by_start; DROP TABLE rollups_day_dev;",
    ),
    (11, "DROP TABLE project_budgets;"),
    (10, "DROP TABLE http_etags;"),
    (9, "DROP TABLE vendor_seats; DROP TABLE vendor_usage;"),
    (
        8,
        "DROP TABLE skipped_lines;
         ALTER TABLE source_health DROP COLUMN last_run;
         ALTER TABLE source_health DROP COLUMN next_run;
         ALTER TABLE source_health DROP COLUMN items_read;
         ALTER TABLE source_health DROP COLUMN item_unit;
         ALTER TABLE source_health DROP COLUMN last_rows;
         ALTER TABLE source_health DROP COLUMN run_problems;
         ALTER TABLE source_health DROP COLUMN settings;",
    ),
    (7, "DROP TABLE pricing_state;"),
];

/// Undo every migration above `version` on the store at `db` and set its `user_version`.
pub fn to_version(db: &Path, version: i64) {
    let newest = UNDO.first().map_or(0, |(v, _)| *v);
    assert_eq!(
        newest,
        agentdeck::store::SCHEMA_VERSION,
        "tests/it/common/downgrade.rs: add the inverse of the new store migration to UNDO"
    );
    let conn = rusqlite::Connection::open(db).unwrap();
    for (v, sql) in UNDO.iter().filter(|(v, _)| *v > version) {
        conn.execute_batch(sql)
            .unwrap_or_else(|e| panic!("undoing migration {v}: {e}"));
    }
    conn.pragma_update(None, "user_version", version).unwrap();
}
