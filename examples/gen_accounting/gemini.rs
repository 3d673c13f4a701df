//! A Gemini CLI `~/.gemini/tmp` tree as the CLI writes it (records appended per change,
//! `$set` updates, checkpoints, rewinds, legacy documents), with every billed reply in
//! the oracle once.

use super::oracle::{Billed, Oracle};
use super::rng::Rng;
use chrono::{DateTime, Duration, SecondsFormat, TimeZone, Utc};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

#[derive(Default)]
pub struct Stats {
    pub sessions: usize,
    pub replies: usize,
    pub compressed_away: usize,
    pub rolled_back: usize,
    pub rewound: usize,
    pub legacy: usize,
    pub migrated: usize,
    pub subagents: usize,
}

const PROJECTS: [&str; 5] = [
    "3f2a9c81d4e5b6a7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1",
    "7c1e5a9b3d7f1a5c9e3b7d1f5a9c3e7b1d5f9a3c7e1b5d9f3a7c1e5b9d3f7a1c",
    "a4b8c2d6e0f4a8b2c6d0e4f8a2b6c0d4e8f2a6b0c4d8e2f6a0b4c8d2e6f0a4b8",
    "d9e3f7a1b5c9d3e7f1a5b9c3d7e1f5a9b3c7d1e5f9a3b7c1d5e9f3a7b1c5d9e3",
    "e2f6a0b4c8d2e6f0a4b8c2d6e0f4a8b2c6d0e4f8a2b6c0d4e8f2a6b0c4d8e2f6",
];

/// A message as the CLI holds it: its last record, and the context size after it.
#[derive(Clone)]
struct Msg {
    record: Value,
    is_user: bool,
    billed: bool,
    context_after: i64,
}

struct Chat {
    path: PathBuf,
    sid: String,
    hash: &'static str,
    model: &'static str,
    lines: Vec<String>,
    live: Vec<Msg>,
    context: i64,
    ts: DateTime<Utc>,
    compress_at: i64,
}

fn ts_text(ts: DateTime<Utc>) -> String {
    ts.to_rfc3339_opts(SecondsFormat::Millis, true)
}

impl Chat {
    fn push(&mut self, record: &Value) {
        self.lines.push(record.to_string());
    }

    fn meta(&self, kind: &str) -> Value {
        json!({"sessionId": self.sid, "projectHash": self.hash, "startTime": ts_text(self.ts),
               "lastUpdated": ts_text(self.ts), "kind": kind,
               "directories": [format!("/home/dev/src/{}", &self.hash[..6])]})
    }

    fn advance(&mut self, rng: &mut Rng, lo: i64, hi: i64) -> String {
        self.ts += Duration::seconds(rng.range(lo, hi));
        ts_text(self.ts)
    }

    /// One user prompt and the model's billed reply; `stream` writes the records a live
    /// CLI writes (tokens arriving later, tool calls re-appended, `$set lastUpdated`).
    fn turn(&mut self, rng: &mut Rng, oracle: &mut Oracle, stats: &mut Stats, stream: bool) {
        let uid = rng.id();
        let ts = self.advance(rng, 20, 300);
        let user = json!({"id": uid, "timestamp": ts, "type": "user",
                          "content": [{"text": "prompt text that agentdeck never stores"}]});
        self.push(&user);
        self.context += rng.range(200, 4_000);
        self.live.push(Msg {
            record: user,
            is_user: true,
            billed: false,
            context_after: self.context,
        });
        let gid = rng.id();
        let ts = self.advance(rng, 4, 90);
        let input = self.context;
        let cached = if self.live.len() <= 1 {
            0
        } else {
            (input as f64 * rng.range(60, 95) as f64 / 100.0) as i64
        };
        let pro = self.model != "gemini-2.5-flash";
        let output = rng.range(80, 2_500);
        let thoughts = if pro { rng.range(0, 1_500) } else { 0 };
        let tool = if rng.chance(0.1) {
            rng.range(10, 300)
        } else {
            0
        };
        let tokens = json!({"input": input, "output": output, "cached": cached,
                            "thoughts": thoughts, "tool": tool,
                            "total": input + output + thoughts + tool});
        let mut reply = json!({"id": gid, "timestamp": ts, "type": "gemini",
            "content": [{"text": "model output"}], "model": self.model,
            "thoughts": [{"subject": "Plan", "description": "reasoning", "timestamp": ts}],
            "tokens": null});
        if stream && rng.chance(0.5) {
            self.push(&reply);
        }
        reply["tokens"] = tokens;
        self.push(&reply);
        let calls = rng.chance(0.35);
        if calls {
            reply["toolCalls"] = json!([{"id": rng.id(), "name": "run_shell_command",
                "args": {"command": "npm test"}, "status": "success", "timestamp": ts,
                "result": [{"functionResponse": {"response": {"output": "tool output"}}}]}]);
            if stream {
                self.push(&reply);
            }
        }
        if stream {
            self.push(&json!({"$set": {"lastUpdated": ts}}));
        }
        oracle.bill(
            &ts,
            self.model,
            Billed {
                input: input - cached + tool,
                output: output + thoughts,
                read: cached,
                ..Billed::default()
            },
        );
        stats.replies += 1;
        self.context = input + output + thoughts + tool;
        if calls {
            self.context += rng.range(500, 25_000);
        }
        self.live.push(Msg {
            record: reply,
            is_user: false,
            billed: true,
            context_after: self.context,
        });
    }

    /// A `$set.messages` checkpoint: a summary turn plus the last `keep` messages.
    fn compress(&mut self, rng: &mut Rng, stats: &mut Stats, keep: usize) {
        let split = self.live.len().saturating_sub(keep);
        stats.compressed_away += self.live[..split].iter().filter(|m| m.billed).count();
        let ts = self.advance(rng, 1, 5);
        let summary = json!({"id": rng.id(), "timestamp": ts, "type": "user",
            "content": [{"text": "<state_snapshot>summary</state_snapshot>"}]});
        let mut live = vec![Msg {
            record: summary,
            is_user: true,
            billed: false,
            context_after: 0,
        }];
        live.extend(self.live.split_off(split));
        self.live = live;
        self.context = rng.range(20_000, 45_000);
        self.checkpoint(&ts);
    }

    fn checkpoint(&mut self, ts: &str) {
        let messages: Vec<&Value> = self.live.iter().map(|m| &m.record).collect();
        self.push(&json!({"$set": {"messages": messages, "lastUpdated": ts}}));
    }

    fn write(&self) {
        std::fs::create_dir_all(self.path.parent().unwrap()).unwrap();
        let text: String = self.lines.iter().map(|l| format!("{l}\n")).collect();
        std::fs::write(&self.path, text).unwrap();
    }

    fn legacy_document(&self, start: DateTime<Utc>) -> Value {
        let messages: Vec<&Value> = self.live.iter().map(|m| &m.record).collect();
        json!({"sessionId": self.sid, "projectHash": self.hash, "startTime": ts_text(start),
               "lastUpdated": ts_text(self.ts), "messages": messages})
    }
}

fn file_name(ts: DateTime<Utc>, sid: &str, ext: &str) -> String {
    format!(
        "session-{}-{}.{ext}",
        ts.format("%Y-%m-%dT%H-%M"),
        &sid[..8]
    )
}

pub fn write_tree(root: &Path, days: u32, rng: &mut Rng, oracle: &mut Oracle) -> Stats {
    let mut stats = Stats::default();
    let start = Utc.with_ymd_and_hms(2026, 3, 2, 0, 0, 0).unwrap();
    for day in 0..days as i64 {
        for _ in 0..rng.range(2, 5) {
            stats.sessions += 1;
            let hash = PROJECTS[rng.range(0, 4) as usize];
            let model = match rng.range(0, 9) {
                0..=6 => "gemini-2.5-pro",
                7 => "gemini-3-pro-preview",
                _ => "gemini-2.5-flash",
            };
            let ts = start + Duration::days(day) + Duration::minutes(rng.range(7 * 60, 18 * 60));
            let sid = rng.id();
            let chats = root.join("tmp").join(hash).join("chats");
            let legacy = day < days as i64 / 3 && rng.chance(0.35);
            let ext = if legacy { "json" } else { "jsonl" };
            let mut chat = Chat {
                path: chats.join(file_name(ts, &sid, ext)),
                sid,
                hash,
                model,
                lines: Vec::new(),
                live: Vec::new(),
                context: rng.range(8_000, 20_000),
                ts,
                compress_at: rng.range(260_000, 600_000),
            };
            let meta = chat.meta("main");
            chat.push(&meta);
            if legacy {
                legacy_session(&mut chat, rng, oracle, &mut stats);
            } else {
                live_session(&mut chat, rng, oracle, &mut stats, &chats);
            }
        }
    }
    stats
}

/// An older CLI's session: one document, no checkpoints; half are migrated to JSONL on a
/// later resume (same ids) and continue there.
fn legacy_session(chat: &mut Chat, rng: &mut Rng, oracle: &mut Oracle, stats: &mut Stats) {
    stats.legacy += 1;
    let start = chat.ts;
    for _ in 0..rng.range(3, 12) {
        chat.turn(rng, oracle, stats, false);
    }
    let doc = chat.legacy_document(start);
    std::fs::create_dir_all(chat.path.parent().unwrap()).unwrap();
    std::fs::write(&chat.path, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
    if rng.chance(0.5) {
        stats.migrated += 1;
        chat.lines.clear();
        let meta = json!({"sessionId": chat.sid, "projectHash": chat.hash,
                          "startTime": ts_text(start), "lastUpdated": ts_text(chat.ts)});
        chat.push(&meta);
        let records: Vec<Value> = chat.live.iter().map(|m| m.record.clone()).collect();
        for r in &records {
            chat.push(r);
        }
        chat.push(&json!({"$set": {"sessionId": chat.sid}}));
        chat.ts += Duration::days(rng.range(1, 3));
        for _ in 0..rng.range(2, 6) {
            chat.turn(rng, oracle, stats, true);
        }
        chat.path = chat.path.with_extension("jsonl");
        chat.write();
    }
}

fn live_session(
    chat: &mut Chat,
    rng: &mut Rng,
    oracle: &mut Oracle,
    stats: &mut Stats,
    chats: &Path,
) {
    let turns = rng.range(4, 40);
    for i in 0..turns {
        if i > 3 && rng.chance(0.03) {
            rewind(chat, rng, stats);
        }
        if rng.chance(0.03) {
            // Answered, then cancelled: the CLI rolls the list back without the turn.
            let before = chat.live.clone();
            let context = chat.context;
            chat.turn(rng, oracle, stats, true);
            stats.rolled_back += 1;
            chat.live = before;
            chat.context = context;
            let ts = ts_text(chat.ts);
            chat.checkpoint(&ts);
            continue;
        }
        chat.turn(rng, oracle, stats, true);
        if chat.model != "gemini-2.5-flash" && chat.context > chat.compress_at {
            chat.compress(rng, stats, 2);
        }
    }
    if rng.chance(0.1) {
        subagent(chat, rng, oracle, stats, chats);
    }
    if rng.chance(0.2) {
        // Resumed on a later day: compressed on resume, then a few more turns.
        chat.ts += Duration::days(rng.range(1, 3));
        chat.compress(rng, stats, 1);
        for _ in 0..rng.range(2, 8) {
            chat.turn(rng, oracle, stats, true);
        }
    }
    chat.write();
}

/// `$rewindTo` an earlier prompt: the replies after it were billed and stay billed.
fn rewind(chat: &mut Chat, rng: &mut Rng, stats: &mut Stats) {
    let users: Vec<usize> = (0..chat.live.len())
        .filter(|&i| chat.live[i].is_user)
        .collect();
    if users.len() < 3 {
        return;
    }
    let back = rng.range(1, 3.min(users.len() as i64 - 1)) as usize;
    let at = users[users.len() - back];
    stats.rewound += chat.live[at..].iter().filter(|m| m.billed).count();
    let target = chat.live[at].record["id"].clone();
    chat.push(&json!({"$rewindTo": target}));
    chat.context = chat.live[at - 1].context_after.max(10_000);
    chat.live.truncate(at);
}

fn subagent(chat: &Chat, rng: &mut Rng, oracle: &mut Oracle, stats: &mut Stats, chats: &Path) {
    stats.subagents += 1;
    let sid = rng.id();
    let mut sub = Chat {
        path: chats.join(&chat.sid).join(format!("{sid}.jsonl")),
        sid,
        hash: chat.hash,
        model: "gemini-2.5-flash",
        lines: Vec::new(),
        live: Vec::new(),
        context: rng.range(5_000, 15_000),
        ts: chat.ts - Duration::minutes(rng.range(5, 30)),
        compress_at: i64::MAX,
    };
    let meta = sub.meta("subagent");
    sub.push(&meta);
    for _ in 0..rng.range(2, 6) {
        sub.turn(rng, oracle, stats, true);
    }
    sub.write();
}
