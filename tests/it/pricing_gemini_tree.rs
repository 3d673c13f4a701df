//! The realistic Gemini CLI tree behind `pricing_gemini`: two JSONL sessions (streamed
//! `$set` updates, tool-call re-appends, a long-context reply), a subagent chat and two
//! legacy `.json` documents, with every reply's tokens and hand-computed cost beside it.
//!
//! Prices (gemini-2.5-pro, $ per million): input 1.25, output 10, cache read 0.125; above
//! a 200k-token prompt 2.50 / 15 / 0.25 for every token. gemini-2.5-flash: 0.30 / 2.50.
//! So a cost in micro-USD is Σ tokens × ($/M rate). Our token fields: input = Gemini
//! `input − cached + tool`, cache read = `cached`, output = `output + thoughts`.

use crate::common;

use common::*;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

pub(crate) const S1: &str = "0b5e1c2a-6d3f-4e8a-9b1c-2d3e4f5a6b7c";
pub(crate) const S2: &str = "5c7d9e1f-2a3b-4c5d-8e9f-0a1b2c3d4e5f";
pub(crate) const SUB: &str = "7d1e3f5a-8b9c-4d0e-a1f2-b3c4d5e6f7a8";
pub(crate) const L1: &str = "9a8b7c6d-5e4f-4a3b-b2c1-d0e9f8a7b6c5";
pub(crate) const L2: &str = "3e4f5a6b-7c8d-4e9f-a0b1-c2d3e4f5a6b7";
pub(crate) const HASH: &str = "c9a1f3e5d7b9a1c3e5f7d9b1a3c5e7f9d1b3a5c7e9f1d3b5a7c9e1f3d5b7a9c1";

/// (date, input, cache read, output, cost in micro-USD) per day, as reported.
pub(crate) type Day = (String, i64, i64, i64, i64);

pub(crate) fn day(date: &str, input: i64, read: i64, output: i64, micro: i64) -> Day {
    (date.to_string(), input, read, output, micro)
}

pub(crate) struct Tree {
    _tmp: tempfile::TempDir,
    pub(crate) root: PathBuf,
    pub(crate) db: PathBuf,
}

impl Tree {
    pub(crate) fn chats(&self) -> PathBuf {
        self.root.join("tmp").join(HASH).join("chats")
    }
    pub(crate) fn s1(&self) -> PathBuf {
        self.chats().join("session-2026-03-02T09-15-0b5e1c2a.jsonl")
    }
    pub(crate) fn s2(&self) -> PathBuf {
        self.chats().join("session-2026-03-03T10-00-5c7d9e1f.jsonl")
    }
    pub(crate) fn l1(&self) -> PathBuf {
        self.chats().join("session-2026-03-02T14-00-9a8b7c6d.json")
    }
    pub(crate) fn l2(&self) -> PathBuf {
        self.chats().join("session-2026-03-03T16-30-3e4f5a6b.json")
    }

    /// One ingest pass, then the per-day totals of the store.
    pub(crate) fn days(&self) -> Vec<Day> {
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

pub(crate) fn meta(session: &str, start: &str, kind: &str) -> Value {
    json!({"sessionId": session, "projectHash": HASH, "startTime": start, "lastUpdated": start,
           "kind": kind, "directories": ["/nonexistent/acme/api"]})
}

pub(crate) fn user(id: &str, ts: &str, text: &str) -> Value {
    json!({"id": id, "timestamp": ts, "type": "user", "content": [{"text": text}]})
}

/// A model reply: `tokens` is `[input, cached, output, thoughts, tool]` or null.
pub(crate) fn reply(id: &str, ts: &str, model: &str, tokens: Option<[i64; 5]>) -> Value {
    let tokens = tokens.map(|[input, cached, output, thoughts, tool]| {
        json!({"input": input, "output": output, "cached": cached, "thoughts": thoughts,
               "tool": tool, "total": input + output + thoughts + tool})
    });
    json!({"id": id, "timestamp": ts, "type": "gemini", "model": model,
           "content": [{"text": "model output that must never be stored"}],
           "thoughts": [{"subject": "Plan", "description": "private reasoning", "timestamp": ts}],
           "tokens": tokens})
}

pub(crate) fn with_tool_call(mut msg: Value, call: &str) -> Value {
    msg["toolCalls"] = json!([{"id": call, "name": "run_shell_command", "args": {"command": "npm test"},
        "result": [{"functionResponse": {"id": call, "name": "run_shell_command", "response": {"output": "secret"}}}],
        "status": "success", "timestamp": msg["timestamp"], "displayName": "Shell"}]);
    msg
}

pub(crate) fn set(fields: Value) -> Value {
    json!({ "$set": fields })
}

pub(crate) fn write_lines(path: &Path, records: &[Value]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let text: String = records.iter().map(|r| format!("{r}\n")).collect();
    std::fs::write(path, text).unwrap();
}

pub(crate) fn append_lines(path: &Path, records: &[Value]) {
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new().append(true).open(path).unwrap();
    for r in records {
        writeln!(f, "{r}").unwrap();
    }
}

pub(crate) fn legacy(path: &Path, session: &str, start: &str, messages: &[Value]) {
    let doc = json!({"sessionId": session, "projectHash": HASH, "startTime": start,
                     "lastUpdated": start, "messages": messages});
    std::fs::write(path, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
}

pub(crate) const PRO: &str = "gemini-2.5-pro";
pub(crate) const FLASH: &str = "gemini-2.5-flash";

pub(crate) fn g1() -> Value {
    // in 12,000 − 8,000 = 4,000; read 8,000; out 300 + 100 = 400 → 5,000 + 1,000 + 4,000
    reply(
        "g1",
        "2026-03-02T09:15:20.000Z",
        PRO,
        Some([12_000, 8_000, 300, 100, 0]),
    )
}
pub(crate) fn g2() -> Value {
    // in 10,000 + 40 tool; read 20,000; out 700 → 12,550 + 2,500 + 7,000 = 22,050
    reply(
        "g2",
        "2026-03-02T09:20:00.000Z",
        PRO,
        Some([30_000, 20_000, 500, 200, 40]),
    )
}
pub(crate) fn g2b() -> Value {
    // a 250k prompt: in 50,000 × 2.5 + read 200,000 × 0.25 + out 1,000 × 15 = 190,000
    reply(
        "g2b",
        "2026-03-02T09:40:00.000Z",
        PRO,
        Some([250_000, 200_000, 1_000, 0, 0]),
    )
}
pub(crate) fn l1a() -> Value {
    // in 4,000; read 4,000; out 100 → 5,000 + 500 + 1,000 = 6,500
    reply(
        "l1a",
        "2026-03-02T14:00:30.000Z",
        PRO,
        Some([8_000, 4_000, 100, 0, 0]),
    )
}
pub(crate) fn l1b() -> Value {
    // in 6,000; out 50 → 7,500 + 500 = 8,000
    reply(
        "l1b",
        "2026-03-02T14:05:00.000Z",
        PRO,
        Some([6_000, 0, 50, 0, 0]),
    )
}
pub(crate) fn g3() -> Value {
    // in 10,000; read 30,000; out 600 → 12,500 + 3,750 + 6,000 = 22,250
    reply(
        "g3",
        "2026-03-03T10:00:40.000Z",
        PRO,
        Some([40_000, 30_000, 600, 0, 0]),
    )
}
pub(crate) fn g4() -> Value {
    // in 5,000; read 40,000; out 800 → 6,250 + 5,000 + 8,000 = 19,250
    reply(
        "g4",
        "2026-03-03T10:10:00.000Z",
        PRO,
        Some([45_000, 40_000, 800, 0, 0]),
    )
}
pub(crate) fn l2a() -> Value {
    // in 10,000; read 10,000; out 300 → 12,500 + 1,250 + 3,000 = 16,750
    reply(
        "l2a",
        "2026-03-03T16:30:20.000Z",
        PRO,
        Some([20_000, 10_000, 300, 0, 0]),
    )
}
pub(crate) fn summary(id: &str, ts: &str) -> Value {
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
pub(crate) fn day1() -> Day {
    day("2026-03-02", 79_040, 232_000, 2_450, 238_550)
}

pub(crate) fn build() -> Tree {
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
