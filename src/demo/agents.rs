//! How each agent behaves in the demo: its collector name, models (real names from the price
//! table), tools, session length and per-request token shapes (Claude Code: large cache reads
//! that grow until a compaction; Codex/Gemini: cached input inside input; IDE agents smaller).

use super::org::{Developer, Habit};
use super::rng::Rng;
use crate::domain::{Agent, TokenUsage};

/// The collector that would have delivered this agent's rows in a real deployment.
pub fn source_of(agent: Agent) -> &'static str {
    match agent {
        Agent::ClaudeCode | Agent::Codex | Agent::Gemini => "otlp",
        Agent::Cursor => "cursor",
        Agent::Copilot => "copilot",
    }
}

/// Tool names as each agent reports them, with relative frequency.
pub fn tools(agent: Agent) -> &'static [(&'static str, f64)] {
    match agent {
        Agent::ClaudeCode => &[
            ("Read", 0.30),
            ("Edit", 0.20),
            ("Bash", 0.20),
            ("Grep", 0.10),
            ("Glob", 0.05),
            ("Write", 0.05),
            ("TodoWrite", 0.05),
            ("Task", 0.03),
            ("WebFetch", 0.02),
        ],
        Agent::Codex => &[
            ("shell", 0.55),
            ("apply_patch", 0.30),
            ("update_plan", 0.12),
            ("view_image", 0.03),
        ],
        Agent::Gemini => &[
            ("read_file", 0.30),
            ("replace", 0.20),
            ("run_shell_command", 0.20),
            ("search_file_content", 0.12),
            ("glob", 0.08),
            ("write_file", 0.06),
            ("google_web_search", 0.04),
        ],
        Agent::Cursor => &[
            ("read_file", 0.30),
            ("edit_file", 0.30),
            ("run_terminal_cmd", 0.15),
            ("codebase_search", 0.15),
            ("grep_search", 0.10),
        ],
        Agent::Copilot => &[
            ("read_file", 0.35),
            ("insert_edit_into_file", 0.30),
            ("run_in_terminal", 0.15),
            ("semantic_search", 0.12),
            ("file_search", 0.08),
        ],
    }
}

pub fn pick_tool(agent: Agent, rng: &mut Rng) -> &'static str {
    let t = tools(agent);
    let weights: Vec<f64> = t.iter().map(|(_, w)| *w).collect();
    rng.weighted(&weights)
        .and_then(|i| t.get(i))
        .map(|(n, _)| *n)
        .unwrap_or("Read")
}

/// Whether a tool edits files (edits ask for a decision in Claude Code).
pub fn is_edit(tool: &str) -> bool {
    matches!(
        tool,
        "Edit"
            | "Write"
            | "apply_patch"
            | "replace"
            | "write_file"
            | "edit_file"
            | "insert_edit_into_file"
    )
}

/// The main model of a session.
pub fn session_model(agent: Agent, dev: &Developer, rng: &mut Rng) -> &'static str {
    match agent {
        Agent::ClaudeCode => {
            if rng.chance(dev.opus_share) {
                if rng.chance(0.7) {
                    "claude-opus-4-6"
                } else {
                    "claude-opus-4-5-20251101"
                }
            } else if rng.chance(0.85) {
                "claude-sonnet-4-5-20250929"
            } else {
                "claude-sonnet-4-6"
            }
        }
        Agent::Codex => match rng.weighted(&[0.45, 0.35, 0.20]) {
            Some(0) => "gpt-5-codex",
            Some(1) => "gpt-5.1-codex",
            _ => "gpt-5.1-codex-mini",
        },
        Agent::Gemini => {
            if rng.chance(0.6) {
                "gemini-2.5-pro"
            } else {
                "gemini-2.5-flash"
            }
        }
        // Cursor's "auto" has no public price: it shows up as unpriced, as it would for real.
        Agent::Cursor => match rng.weighted(&[0.55, 0.30, 0.15]) {
            Some(0) => "claude-sonnet-4-5",
            Some(1) => "gpt-5",
            _ => "auto",
        },
        Agent::Copilot => match rng.weighted(&[0.55, 0.30, 0.15]) {
            Some(0) => "gpt-4.1",
            Some(1) => "claude-sonnet-4-5",
            _ => "gpt-5-mini",
        },
    }
}

/// Model requests in one session.
pub fn session_requests(agent: Agent, habit: Habit, rng: &mut Rng) -> i64 {
    let (lo, hi) = match agent {
        Agent::ClaudeCode => (10, 95),
        Agent::Codex => (8, 50),
        Agent::Gemini => (5, 30),
        Agent::Cursor => (4, 24),
        Agent::Copilot => (2, 12),
    };
    let n = rng.skewed(lo, hi, 2);
    if habit == Habit::Power { n + n / 2 } else { n }
}

/// Running state of one session's context window.
#[derive(Debug, Clone)]
pub struct Context {
    pub tokens: i64,
    pub requests: i64,
    /// Claude Code sessions that write 1-hour cache entries instead of 5-minute ones.
    pub long_cache: bool,
}

impl Context {
    pub fn new(agent: Agent, rng: &mut Rng) -> Context {
        let base = match agent {
            Agent::ClaudeCode => rng.range(18_000, 30_000),
            Agent::Codex => rng.range(6_000, 11_000),
            Agent::Gemini => rng.range(9_000, 16_000),
            Agent::Cursor | Agent::Copilot => rng.range(3_000, 8_000),
        };
        Context {
            tokens: base,
            requests: 0,
            long_cache: agent == Agent::ClaudeCode && rng.chance(0.1),
        }
    }
}

/// Tokens of the next request; `true` when the context was compacted first.
pub fn next_usage(agent: Agent, ctx: &mut Context, rng: &mut Rng) -> (TokenUsage, bool) {
    let limit = match agent {
        Agent::ClaudeCode => 155_000,
        Agent::Codex => 220_000,
        Agent::Gemini => 400_000,
        _ => i64::MAX,
    };
    let compacted = ctx.tokens > limit;
    if compacted {
        ctx.tokens = rng.range(22_000, 40_000);
    }
    let first = ctx.requests == 0 || compacted;
    ctx.requests += 1;
    let output = rng.skewed(80, 4_000, 2);
    let mut u = TokenUsage::default();
    match agent {
        Agent::ClaudeCode => {
            let new = if first {
                ctx.tokens
            } else {
                rng.skewed(400, 14_000, 2)
            };
            u.input = rng.range(3, 60);
            u.cache_read = if first { 0 } else { ctx.tokens };
            if ctx.long_cache {
                u.cache_write_1h = new
            } else {
                u.cache_write_5m = new
            }
            u.output = output;
            ctx.tokens += if first { 0 } else { new } + output;
        }
        Agent::Codex | Agent::Gemini => {
            let new = rng.skewed(400, 9_000, 2);
            let cached_share = if agent == Agent::Codex {
                0.85
            } else {
                rng.unit() * 0.6
            };
            let cached = if first {
                0
            } else {
                (ctx.tokens as f64 * cached_share) as i64
            };
            u.cache_read = cached;
            u.input = ctx.tokens + new - cached;
            u.output = output;
            u.reasoning = (output as f64 * (0.2 + rng.unit() * 0.45)) as i64;
            ctx.tokens += new + output;
        }
        Agent::Cursor => {
            u.input = rng.range(1_500, 9_000);
            u.cache_read = rng.skewed(20_000, 320_000, 2);
            u.cache_write_5m = rng.range(0, 4_000);
            u.output = output + rng.range(200, 1_500);
        }
        Agent::Copilot => {
            u.input = rng.range(1_500, 12_000);
            u.cache_read = rng.range(0, 6_000);
            u.output = rng.skewed(80, 1_500, 2);
        }
    }
    (u, compacted)
}

/// How an agent-made commit is recognised (docs/outcomes.md): `trailer` (Co-authored-by),
/// `author` (the agent's own git identity: Cursor Agent, copilot-swe-agent[bot]) or
/// `telemetry` (no marker in git; the session's commit event links it).
pub fn attribution(agent: Agent, rng: &mut Rng) -> &'static str {
    match agent {
        Agent::ClaudeCode => {
            if rng.chance(0.9) {
                "trailer"
            } else {
                "telemetry"
            }
        }
        Agent::Codex => {
            if rng.chance(0.6) {
                "trailer"
            } else {
                "telemetry"
            }
        }
        Agent::Cursor => {
            if rng.chance(0.2) {
                "author"
            } else {
                "trailer"
            }
        }
        Agent::Copilot => {
            if rng.chance(0.5) {
                "author"
            } else {
                "trailer"
            }
        }
        Agent::Gemini => "telemetry",
    }
}
