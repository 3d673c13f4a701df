//! Vendor-side rows for the demo: Cursor and Copilot daily usage per developer (suggestions
//! shown and accepted, lines, requests, spend; the vendor API shapes (docs/vendor-apis.md) reduced to the
//! `daily_usage` columns) and a health row for every source, one of them failing.

use super::history::{DAY_MS, History};
use super::org::{Habit, Org};
use super::rng::Rng;
use super::sink::Sink;
use crate::domain::{Agent, UnixMillis};
use crate::store::SourceHealthRow;
use crate::store::ops::{DailyUsageRow, Op};
use chrono::DateTime;
use std::collections::BTreeMap;

pub fn day_string(ms: UnixMillis) -> String {
    DateTime::from_timestamp_millis(ms)
        .map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

/// Suggestions and acceptances per developer over the last seven reported days.
pub type RecentAcceptance = BTreeMap<usize, (i64, i64)>;

/// Writes Cursor and Copilot daily usage up to yesterday (vendors report whole days, late).
pub fn daily_usage(
    org: &Org,
    history: &History,
    day0: UnixMillis,
    now: UnixMillis,
    seed: u64,
    sink: &mut Sink,
) -> anyhow::Result<(u64, RecentAcceptance)> {
    let mut rng = Rng::new(seed).fork(4);
    let mut rows = 0;
    let mut recent = RecentAcceptance::new();
    let last = (now - day0).div_euclid(DAY_MS) - 1;
    for day in 0..=last {
        let start = day0 + day * DAY_MS;
        let weekend = (start.div_euclid(DAY_MS) + 3).rem_euclid(7) >= 5;
        for (di, dev) in org.developers.iter().enumerate() {
            for (source, agent) in [("cursor", Agent::Cursor), ("copilot", Agent::Copilot)] {
                let share = dev.agent_mix[if agent == Agent::Cursor { 3 } else { 4 }];
                let (sessions, spend) = history
                    .per_agent_day
                    .get(&(di, day, agent))
                    .copied()
                    .unwrap_or_default();
                // Completions run whenever the editor is open: more days than agent sessions.
                let p_open = match dev.habit {
                    Habit::Power => 0.9,
                    Habit::Normal => 0.75,
                    Habit::Low => 0.3,
                    Habit::Blocked => 0.6,
                } * if weekend { 0.1 } else { 1.0 };
                if share <= 0.0 || (sessions == 0 && !rng.chance(p_open * share.min(1.0) * 1.5)) {
                    continue;
                }
                let suggestions = rng.bell(40, 500) + sessions * 60;
                let ratio = (dev.acceptance + (rng.unit() - 0.5) * 0.08).clamp(0.02, 0.9);
                let acceptances = (suggestions as f64 * ratio).round() as i64;
                let lines_per = rng.range(2, 5);
                if day > last - 7 {
                    let r = recent.entry(di).or_default();
                    r.0 += suggestions;
                    r.1 += acceptances;
                }
                sink.op(Op::UpsertDailyUsage(DailyUsageRow {
                    source: source.to_string(),
                    day: day_string(start),
                    developer: dev.id.clone(),
                    team: String::new(),
                    suggestions,
                    acceptances,
                    lines_suggested: suggestions * lines_per,
                    lines_accepted: acceptances * lines_per,
                    requests: sessions * rng.range(6, 20),
                    // Copilot is a seat licence; Cursor bills usage-based requests.
                    spend_micro_usd: if agent == Agent::Cursor {
                        spend.micro_usd()
                    } else {
                        0
                    },
                }));
                rows += 1;
            }
        }
        sink.maybe_flush()?;
    }
    sink.flush()?;
    Ok((rows, recent))
}

/// One health row per source a team deployment would have; `copilot` is failing with a
/// rate limit and `openai_admin` has never worked (a key to configure next).
pub fn source_health(
    history: &History,
    now: UnixMillis,
    outcome_rows: i64,
    daily_rows: i64,
) -> Vec<SourceHealthRow> {
    let ok = |source: &str, kind: &str, lag_ms: i64, rows: i64| SourceHealthRow {
        source: source.into(),
        kind: kind.into(),
        success_at: Some(now - lag_ms),
        error: None,
        rows_added: rows,
    };
    let req = |a: Agent| history.requests_by_agent.get(&a).copied().unwrap_or(0);
    let days = history
        .per_agent_day
        .keys()
        .map(|k| k.1)
        .collect::<std::collections::BTreeSet<_>>()
        .len() as i64;
    vec![
        ok(
            "otlp",
            "telemetry",
            2_000,
            req(Agent::ClaudeCode) + req(Agent::Codex) + req(Agent::Gemini),
        ),
        // The local collectors see only this machine's developer.
        ok(
            "claude_code_files",
            "files",
            45_000,
            req(Agent::ClaudeCode) / 30,
        ),
        ok("codex_files", "files", 45_000, req(Agent::Codex) / 30),
        ok("gemini_files", "files", 45_000, 0),
        ok("anthropic_admin", "vendor_api", 52 * 60_000, days * 5),
        ok(
            "cursor",
            "vendor_api",
            38 * 60_000,
            req(Agent::Cursor) + daily_rows / 2,
        ),
        SourceHealthRow {
            source: "copilot".into(),
            kind: "vendor_api".into(),
            success_at: Some(now - 3 * 3_600_000 - 12 * 60_000),
            error: Some((
                now - 4 * 60_000,
                "HTTP 429 from api.github.com: secondary rate limit; retrying in 60 s".into(),
            )),
            rows_added: req(Agent::Copilot) + daily_rows / 2,
        },
        SourceHealthRow {
            source: "openai_admin".into(),
            kind: "vendor_api".into(),
            success_at: None,
            error: Some((
                now - 9 * 60_000,
                "HTTP 401 from api.openai.com: refused the key (401): invalid admin key; check [sources.openai_admin] api_key_env".into(),
            )),
            rows_added: 0,
        },
        ok("github", "git_host", 6 * 60_000, outcome_rows),
        ok("git", "git", 90_000, outcome_rows / 3),
    ]
}
