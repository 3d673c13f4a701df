//! What the vendors bill, per UTC day: every billed request once, priced per request.

use super::rates::rates;
use std::collections::BTreeMap;

/// One billed request in agentdeck's token meaning: `input` uncached, `read` cached.
#[derive(Clone, Copy, Default)]
pub struct Billed {
    pub input: i64,
    pub output: i64,
    pub write_5m: i64,
    pub write_1h: i64,
    pub read: i64,
}

#[derive(Default)]
struct Day {
    input: i64,
    output: i64,
    writes: i64,
    read: i64,
    requests: i64,
    micro_usd: f64,
}

#[derive(Default)]
pub struct Oracle {
    days: BTreeMap<String, Day>,
}

impl Oracle {
    /// Adds one billed request at `ts` (RFC 3339, UTC).
    pub fn bill(&mut self, ts: &str, model: &str, b: Billed) {
        let (base, tier) = rates(model);
        let prompt = b.input + b.write_5m + b.write_1h + b.read;
        let r = match tier {
            Some((above, long)) if prompt > above => long,
            _ => base,
        };
        let day = self.days.entry(ts[..10].to_string()).or_default();
        day.input += b.input;
        day.output += b.output;
        day.writes += b.write_5m + b.write_1h;
        day.read += b.read;
        day.requests += 1;
        day.micro_usd += b.input as f64 * r.0
            + b.output as f64 * r.1
            + b.write_5m as f64 * r.2
            + b.write_1h as f64 * r.3
            + b.read as f64 * r.4;
    }

    pub fn to_json(&self) -> serde_json::Value {
        let days: Vec<_> = self
            .days
            .iter()
            .map(|(date, d)| {
                serde_json::json!({
                    "date": date, "input_tokens": d.input, "output_tokens": d.output,
                    "cache_creation_tokens": d.writes, "cache_read_tokens": d.read,
                    "requests": d.requests, "cost_usd": (d.micro_usd.round()) / 1e6,
                })
            })
            .collect();
        serde_json::Value::Array(days)
    }
}
