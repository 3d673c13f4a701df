//! Gemini CLI spend is never removed (docs/accounting.md#gemini-cli), end to end: a
//! realistic `~/.gemini/tmp` tree (JSONL chats with `$set` updates, a subagent chat, legacy
//! `.json` documents, a migrated session) goes through the real `agentdeck ingest` and
//! `report daily`; then a checkpoint that drops replies, a cancelled turn rolled back, a
//! rewind, the compression of an earlier day's session and a legacy migration arrive in
//! later passes. Per-day totals equal the hand-computed oracle after every step.
//!
//! Prices (gemini-2.5-pro, $ per million): input 1.25, output 10, cache read 0.125; above
//! a 200k-token prompt 2.50 / 15 / 0.25 for every token. gemini-2.5-flash: 0.30 / 2.50.
//! So a cost in micro-USD is Σ tokens × ($/M rate). Our token fields: input = Gemini
//! `input − cached + tool`, cache read = `cached`, output = `output + thoughts`.

use crate::common;

use common::*;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

const S1: &str = "0b5e1c2a-6d3f-4e8a-9b1c-2d3e4f5a6b7c";
const S2: &str = "5c7d9e1f-2a3b-4c5d-8e9f-0a1b2c3d4e5f";
const SUB: &str = "7d1e3f5a-8b9c-4d0e-a1f2-b3c4d5e6f7a8";
const L1: &str = "9a8b7c6d-5e4f-4a3b-b2c1-d0e9f8a7b6c5";
const L2: &str = "3e4f5a6b-7c8d-4e9f-a0b1-c2d3e4f5a6b7";
const HASH: &str = "c9a1f3e5d7b9a1c3e5f7d9b1a3c5e7f9d1b3a5c7e9f1d3b5a7c9e1f3d5b7a9c1";

/// (date, input, cache read, output, cost in micro-USD) per day, as reported.
type Day = (String, i64, i64, i64, i64);

fn day(date: &str, input: i64, read: i64, output: i64, micro: i64) -> Day {
    (date.to_string(), input, read, output, micro)
}

struct Tree {
    _tmp: tempfile::TempDir,
    root: PathBuf,
    db: PathBuf,
}

impl Tree {
    fn chats(&self) -> PathBuf {
        self.root.join("tmp").join(HASH).join("chats")
    }
    fn s1(&self) -> PathBuf {
        self.chats().join("session-2026-03-02T09-15-0b5e1c2a.jsonl")
    }
    fn s2(&self) -> PathBuf {
        self.chats().join("session-2026-03-03T10-00-5c7d9e1f.jsonl")
    }
    fn l1(&self) -> PathBuf {
        self.chats().join("session-2026-03-02T14-00-9a8b7c6d.json")
    }
    fn l2(&self) -> PathBuf {
        self.chats().join("session-2026-03-03T16-30-3e4f5a6b.json")
    }

    /// One ingest pass, then the per-day totals of the store.
    fn days(&self) -> Vec<Day> {
        let db = self.db.to_str().unwrap();
        let dir = self.root.to_str().unwrap();
        run_ok(&["--db", db, "ingest", "--gemini-dir", dir]);
        let doc = json_of(&run_ok(&[
            "--db",
            db,
            "report",
            "daily",
            "--json",
            "--no-refresh",
            "--tz",
            "UTC",
        ]));
        doc["daily"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| {
                let n = |k: &str| d[k].as_i64().unwrap();
                let micro = (d["cost_usd"].as_f64().unwrap() * 1e6).round() as i64;
                (
                    d["date"].as_str().unwrap().to_string(),
                    n("input_tokens"),
                    n("cache_read_tokens"),
                    n("output_tokens"),
                    micro,
                )
            })
            .collect()
    }
}

fn meta(session: &str, start: &str, kind: &str) -> Value {
    json!({"sessionId": session, "projectHash": HASH, "startTime": start, "lastUpdated": start,
           "kind": kind, "directories": ["/nonexistent/acme/api"]})
}

fn user(id: &str, ts: &str, text: &str) -> Value {
    json!({"id": id, "timestamp": ts, "type": "user", "content": [{"text": text}]})
}

/// A model reply: `tokens` is `[input, cached, output, thoughts, tool]` or null.
fn reply(id: &str, ts: &str, model: &str, tokens: Option<[i64; 5]>) -> Value {
    let tokens = tokens.map(|[input, cached, output, thoughts, tool]| {
        json!({"input": input, "output": output, "cached": cached, "thoughts": thoughts,
               "tool": tool, "total": input + output + thoughts + tool})
    });
    json!({"id": id, "timestamp": ts, "type": "gemini", "model": model,
           "content": [{"text": "model output that must never be stored"}],
           "thoughts": [{"subject": "Plan", "description": "private reasoning", "timestamp": ts}],
           "tokens": tokens})
}

fn with_tool_call(mut msg: Value, call: &str) -> Value {
    msg["toolCalls"] = json!([{"id": call, "name": "run_shell_command", "args": {"command": "npm test"},
        "result": [{"functionResponse": {"id": call, "name": "run_shell_command", "response": {"output": "secret"}}}],
        "status": "success", "timestamp": msg["timestamp"], "displayName": "Shell"}]);
    msg
}

fn set(fields: Value) -> Value {
    json!({ "$set": fields })
}

fn write_lines(path: &Path, records: &[Value]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let text: String = records.iter().map(|r| format!("{r}\n")).collect();
    std::fs::write(path, text).unwrap();
}

fn append_lines(path: &Path, records: &[Value]) {
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new().append(true).open(path).unwrap();
    for r in records {
        writeln!(f, "{r}").unwrap();
    }
}

fn legacy(path: &Path, session: &str, start: &str, messages: &[Value]) {
    let doc = json!({"sessionId": session, "projectHash": HASH, "startTime": start,
                     "lastUpdated": start, "messages": messages});
    std::fs::write(path, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
}

const PRO: &str = "gemini-2.5-pro";
const FLASH: &str = "gemini-2.5-flash";

fn g1() -> Value {
    // in 12,000 − 8,000 = 4,000; read 8,000; out 300 + 100 = 400 → 5,000 + 1,000 + 4,000
    reply(
        "g1",
        "2026-03-02T09:15:20.000Z",
        PRO,
        Some([12_000, 8_000, 300, 100, 0]),
    )
}
fn g2() -> Value {
    // in 10,000 + 40 tool; read 20,000; out 700 → 12,550 + 2,500 + 7,000 = 22,050
    reply(
        "g2",
        "2026-03-02T09:20:00.000Z",
        PRO,
        Some([30_000, 20_000, 500, 200, 40]),
    )
}
fn g2b() -> Value {
    // a 250k prompt: in 50,000 × 2.5 + read 200,000 × 0.25 + out 1,000 × 15 = 190,000
    reply(
        "g2b",
        "2026-03-02T09:40:00.000Z",
        PRO,
        Some([250_000, 200_000, 1_000, 0, 0]),
    )
}
fn l1a() -> Value {
    // in 4,000; read 4,000; out 100 → 5,000 + 500 + 1,000 = 6,500
    reply(
        "l1a",
        "2026-03-02T14:00:30.000Z",
        PRO,
        Some([8_000, 4_000, 100, 0, 0]),
    )
}
fn l1b() -> Value {
    // in 6,000; out 50 → 7,500 + 500 = 8,000
    reply(
        "l1b",
        "2026-03-02T14:05:00.000Z",
        PRO,
        Some([6_000, 0, 50, 0, 0]),
    )
}
fn g3() -> Value {
    // in 10,000; read 30,000; out 600 → 12,500 + 3,750 + 6,000 = 22,250
    reply(
        "g3",
        "2026-03-03T10:00:40.000Z",
        PRO,
        Some([40_000, 30_000, 600, 0, 0]),
    )
}
fn g4() -> Value {
    // in 5,000; read 40,000; out 800 → 6,250 + 5,000 + 8,000 = 19,250
    reply(
        "g4",
        "2026-03-03T10:10:00.000Z",
        PRO,
        Some([45_000, 40_000, 800, 0, 0]),
    )
}
fn l2a() -> Value {
    // in 10,000; read 10,000; out 300 → 12,500 + 1,250 + 3,000 = 16,750
    reply(
        "l2a",
        "2026-03-03T16:30:20.000Z",
        PRO,
        Some([20_000, 10_000, 300, 0, 0]),
    )
}
fn summary(id: &str, ts: &str) -> Value {
    user(
        id,
        ts,
        "<state_snapshot>compressed history</state_snapshot>",
    )
}

/// Day 1 as first ingested:
/// input 4,000 + 10,040 + 50,000 + 5,000 (subagent) + 4,000 + 6,000 = 79,040;
/// read 8,000 + 20,000 + 200,000 + 4,000 = 232,000; output 400 + 700 + 1,000 + 200 + 100 +
/// 50 = 2,450; cost 10,000 + 22,050 + 190,000 + 2,000 + 6,500 + 8,000 = 238,550.
fn day1() -> Day {
    day("2026-03-02", 79_040, 232_000, 2_450, 238_550)
}

fn build() -> Tree {
    let tmp = tempfile::tempdir().unwrap();
    let t = Tree {
        root: tmp.path().join("gemini"),
        db: tmp.path().join("g.db"),
        _tmp: tmp,
    };
    let g1_no_tokens = reply("g1", "2026-03-02T09:15:20.000Z", PRO, None);
    write_lines(
        &t.s1(),
        &[
            meta(S1, "2026-03-02T09:15:00.000Z", "main"),
            user("u1", "2026-03-02T09:15:10.000Z", "list the failing tests"),
            g1_no_tokens,
            g1(),
            with_tool_call(g1(), "call-1"),
            set(json!({"lastUpdated": "2026-03-02T09:15:21.000Z"})),
            user("u2", "2026-03-02T09:19:00.000Z", "fix them"),
            g2(),
            set(json!({"summary": "Fix the failing tests"})),
            g2b(),
        ],
    );
    // A subagent chat nested under its parent session: flash, in 5,000, out 200 →
    // 5,000 × 0.30 + 200 × 2.50 = 2,000.
    write_lines(
        &t.chats().join(S1).join(format!("{SUB}.jsonl")),
        &[
            meta(SUB, "2026-03-02T09:30:00.000Z", "subagent"),
            user(
                "su1",
                "2026-03-02T09:30:01.000Z",
                "investigate the flaky test",
            ),
            reply(
                "sg1",
                "2026-03-02T09:30:09.000Z",
                FLASH,
                Some([5_000, 0, 200, 0, 0]),
            ),
        ],
    );
    legacy(
        &t.l1(),
        L1,
        "2026-03-02T14:00:00.000Z",
        &[
            user("lu1", "2026-03-02T14:00:10.000Z", "explain the build"),
            l1a(),
            l1b(),
        ],
    );
    write_lines(
        &t.s2(),
        &[
            meta(S2, "2026-03-03T10:00:00.000Z", "main"),
            user("u3", "2026-03-03T10:00:30.000Z", "add retries"),
            g3(),
            user("u4", "2026-03-03T10:09:00.000Z", "and tests"),
            g4(),
        ],
    );
    legacy(
        &t.l2(),
        L2,
        "2026-03-03T16:30:00.000Z",
        &[
            user("lu2", "2026-03-03T16:30:05.000Z", "what changed?"),
            l2a(),
        ],
    );
    t
}

#[test]
fn spend_is_never_removed_and_past_days_never_change() {
    let t = build();
    // Day 2: input 10,000 + 5,000 + 10,000; read 30,000 + 40,000 + 10,000; output 600 +
    // 800 + 300; cost 22,250 + 19,250 + 16,750.
    let mut day2 = day("2026-03-03", 25_000, 80_000, 1_700, 58_250);
    assert_eq!(t.days(), vec![day1(), day2.clone()], "first pass");

    // (a) Compression checkpoint in S2: the list keeps a summary and g4; g3 was billed.
    append_lines(
        &t.s2(),
        &[set(
            json!({"messages": [summary("c1", "2026-03-03T10:20:00.000Z"), g4()],
                     "lastUpdated": "2026-03-03T10:20:00.000Z"}),
        )],
    );
    assert_eq!(t.days(), vec![day1(), day2.clone()], "after a checkpoint");

    // (b) A turn answered, then cancelled and rolled back by a checkpoint without it.
    // g5: in 5,000, read 45,000, out 120 → 6,250 + 5,625 + 1,200 = 13,075.
    let g5 = reply(
        "g5",
        "2026-03-03T10:31:00.000Z",
        PRO,
        Some([50_000, 45_000, 120, 0, 0]),
    );
    append_lines(
        &t.s2(),
        &[
            user("u5", "2026-03-03T10:30:00.000Z", "refactor everything"),
            g5,
        ],
    );
    day2 = day("2026-03-03", 30_000, 125_000, 1_820, 71_325);
    assert_eq!(t.days(), vec![day1(), day2.clone()], "a reply answered");
    append_lines(
        &t.s2(),
        &[set(
            json!({"messages": [summary("c1", "2026-03-03T10:20:00.000Z"), g4()]}),
        )],
    );
    assert_eq!(t.days(), vec![day1(), day2.clone()], "after a rollback");

    // (c) A rewind to g4, then a new reply g6: in 6,000, read 40,000, out 90 →
    // 7,500 + 5,000 + 900 = 13,400. g4 and g5 stay counted.
    append_lines(
        &t.s2(),
        &[
            json!({"$rewindTo": "g4"}),
            user("u6", "2026-03-03T10:40:00.000Z", "retry, smaller"),
            reply(
                "g6",
                "2026-03-03T10:40:30.000Z",
                PRO,
                Some([46_000, 40_000, 90, 0, 0]),
            ),
        ],
    );
    day2 = day("2026-03-03", 36_000, 165_000, 1_910, 84_725);
    assert_eq!(t.days(), vec![day1(), day2.clone()], "after a rewind");

    // (d) Day 3: the day-1 session S1 is resumed and compressed, then answers g7:
    // in 10,000, read 50,000, out 400 → 12,500 + 6,250 + 4,000 = 22,750. Day 1 stays.
    append_lines(
        &t.s1(),
        &[
            set(
                json!({"messages": [summary("c2", "2026-03-04T08:00:00.000Z"), g2b()],
                         "lastUpdated": "2026-03-04T08:00:00.000Z"}),
            ),
            user("u7", "2026-03-04T08:01:00.000Z", "continue"),
            reply(
                "g7",
                "2026-03-04T08:01:30.000Z",
                PRO,
                Some([60_000, 50_000, 400, 0, 0]),
            ),
        ],
    );
    let day3 = day("2026-03-04", 10_000, 50_000, 400, 22_750);
    assert_eq!(
        t.days(),
        vec![day1(), day2.clone(), day3.clone()],
        "after compressing an earlier day's session"
    );

    // (e) Legacy: L2 is migrated to JSONL on resume (same session and message ids), and
    // L1's document is rewritten shorter by an old CLI compressing it. Nothing moves.
    write_lines(
        &t.l2().with_extension("jsonl"),
        &[
            meta(L2, "2026-03-03T16:30:00.000Z", "main"),
            user("lu2", "2026-03-03T16:30:05.000Z", "what changed?"),
            l2a(),
            set(json!({"sessionId": L2})),
        ],
    );
    legacy(
        &t.l1(),
        L1,
        "2026-03-02T14:00:00.000Z",
        &[summary("lc", "2026-03-05T09:00:00.000Z"), l1b()],
    );
    assert_eq!(
        t.days(),
        vec![day1(), day2, day3],
        "after a legacy migration and a legacy compression"
    );
    // Stable across a pass that reads nothing new.
    let again = t.days();
    assert_eq!(again.len(), 3);
}

#[test]
fn replay_gets_a_rewind_marker_and_the_rewound_replies_stay() {
    let t = build();
    append_lines(
        &t.s2(),
        &[
            json!({"$rewindTo": "u4"}),
            user("u8", "2026-03-03T11:00:00.000Z", "no, do it differently"),
        ],
    );
    t.days();
    let conn = rusqlite::Connection::open(&t.db).unwrap();
    let (kind, detail): (String, String) = conn
        .query_row(
            "SELECT kind, detail FROM events WHERE kind = 'rewind'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(kind, "rewind");
    let from: i64 = detail
        .strip_prefix("rewound_from_ord=")
        .unwrap()
        .parse()
        .unwrap();
    // g4 sits after u4: it is inside the rewound range and still stored.
    let g4_ord: i64 = conn
        .query_row(
            "SELECT ord FROM requests WHERE dedupe_key LIKE '%:g4'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(g4_ord >= from, "{g4_ord} >= {from}");
}

#[test]
fn a_store_from_before_gets_back_the_replies_older_rules_removed() {
    let t = build();
    let day2 = day("2026-03-03", 25_000, 80_000, 1_700, 58_250);
    assert_eq!(t.days(), vec![day1(), day2.clone()]);
    // What an older agentdeck left after a checkpoint dropped g3 (schema version 4).
    let conn = rusqlite::Connection::open(&t.db).unwrap();
    conn.execute("DELETE FROM requests WHERE dedupe_key LIKE '%:g3'", [])
        .unwrap();
    drop(conn);
    let store = agentdeck::store::Store::open(&t.db).unwrap();
    store
        .writer()
        .maintain_blocking(agentdeck::store::Maintenance::RebuildAggregates)
        .unwrap();
    drop(store);
    let conn = rusqlite::Connection::open(&t.db).unwrap();
    conn.execute_batch("DROP TABLE pricing_state; PRAGMA user_version = 4;")
        .unwrap();
    drop(conn);
    // Upgrading reads the Gemini chats again from the start: g3 is back, nothing doubles.
    assert_eq!(t.days(), vec![day1(), day2]);
}
