//! Claude Code sessions whose context grows towards the 1M window: Sonnet 4.5 (long
//! context tier above 200k), Opus 4.6 (billed flat) and Haiku, one request per line.

use super::oracle::{Billed, Oracle};
use super::rng::Rng;
use chrono::{Duration, SecondsFormat, TimeZone, Utc};
use serde_json::json;
use std::path::Path;

pub fn write_tree(root: &Path, days: u32, rng: &mut Rng, oracle: &mut Oracle) -> usize {
    let start = Utc.with_ymd_and_hms(2026, 3, 2, 0, 0, 0).unwrap();
    let mut requests = 0;
    for day in 0..days as i64 {
        for s in 0..rng.range(2, 4) {
            let model = match rng.range(0, 9) {
                0..=5 => "claude-sonnet-4-5-20250929",
                6..=8 => "claude-opus-4-6",
                _ => "claude-haiku-4-5-20251001",
            };
            let sid = rng.id();
            let dir = root
                .join("projects")
                .join(format!("-home-dev-src-app{}", s % 3));
            std::fs::create_dir_all(&dir).unwrap();
            let mut ts =
                start + Duration::days(day) + Duration::minutes(rng.range(8 * 60, 17 * 60));
            let mut context = rng.range(15_000, 30_000);
            let window = if model.contains("haiku") {
                190_000
            } else {
                rng.range(250_000, 800_000)
            };
            let mut lines = Vec::new();
            for _ in 0..rng.range(20, 120) {
                ts += Duration::seconds(rng.range(5, 120));
                let input = rng.range(1, 6) * 3;
                let write = rng.range(500, 12_000);
                let read = context;
                let output = rng.range(100, 3_000);
                let (w5, w1h) = if rng.chance(0.2) {
                    (0, write)
                } else {
                    (write, 0)
                };
                let t = ts.to_rfc3339_opts(SecondsFormat::Millis, true);
                let usage = json!({"input_tokens": input, "output_tokens": output,
                    "cache_creation_input_tokens": write, "cache_read_input_tokens": read,
                    "cache_creation": {"ephemeral_5m_input_tokens": w5, "ephemeral_1h_input_tokens": w1h}});
                lines.push(json!({"type": "assistant", "sessionId": sid, "timestamp": t,
                    "requestId": format!("req_{}", rng.id()), "cwd": "/home/dev/src/app",
                    "version": "2.0.76", "isSidechain": false, "uuid": rng.id(),
                    "message": {"id": format!("msg_{}", rng.id()), "model": model, "role": "assistant",
                                "content": [{"type": "text", "text": "output"}], "usage": usage}}).to_string());
                oracle.bill(
                    &t,
                    model,
                    Billed {
                        input,
                        output,
                        write_5m: w5,
                        write_1h: w1h,
                        read,
                    },
                );
                requests += 1;
                context += input + write + output / 2;
                if context > window {
                    // /compact: the next request starts from a summary.
                    context = rng.range(20_000, 40_000);
                }
            }
            let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
            std::fs::write(dir.join(format!("{sid}.jsonl")), text).unwrap();
        }
    }
    requests
}
