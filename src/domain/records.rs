//! The rows collectors produce and the store keeps: sessions, model requests and
//! metadata-only timeline events. No field here may ever hold prompt text, model output,
//! tool input/output or code.

use super::bounds::{self, OutOfBounds};
use super::{Agent, Cost, RequestKey, TokenUsage};
use serde::{Deserialize, Serialize};

/// Timestamps are UTC milliseconds since the Unix epoch everywhere in the store.
pub type UnixMillis = i64;

/// What a collector knows about a session when it sees one of its lines. The store merges
/// these: earliest start, latest activity, first non-empty branch/project/title wins. A
/// session belongs to its `developer` (its owner): the same session id under two owners is
/// two sessions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionRecord {
    pub agent: Agent,
    /// The agent's own session id (Claude `sessionId`, Codex `session_meta.id`, Gemini `sessionId`).
    pub session_key: String,
    /// Which collector saw it (`claude_code_files`, `codex_files`, `gemini_files`, `otlp`, `demo`, …).
    pub source: String,
    pub developer: String,
    pub project_id: Option<String>,
    pub branch: Option<String>,
    pub started_at: UnixMillis,
    pub last_activity_at: UnixMillis,
    pub title: Option<String>,
}

impl SessionRecord {
    /// Merges the many records a batch carries for one session (one per parsed line or
    /// request) into one per (agent, session key): earliest start, latest activity, the
    /// first non-empty project/branch, the latest title. Order is kept.
    /// Folds a later record for the same session into this one: earliest start, latest
    /// activity, the first non-empty project/branch, the latest title. Returns whether
    /// anything changed. (PostgreSQL's bulk upsert states the same rule in SQL.)
    pub fn absorb(&mut self, later: &SessionRecord) -> bool {
        let before = (
            self.started_at,
            self.last_activity_at,
            self.project_id.is_none(),
            self.branch.is_none(),
        );
        self.started_at = self.started_at.min(later.started_at);
        self.last_activity_at = self.last_activity_at.max(later.last_activity_at);
        if self.project_id.is_none() {
            self.project_id.clone_from(&later.project_id);
        }
        if self.branch.is_none() {
            self.branch.clone_from(&later.branch);
        }
        let title_changed = later.title.is_some() && later.title != self.title;
        if title_changed {
            self.title.clone_from(&later.title);
        }
        title_changed
            || before
                != (
                    self.started_at,
                    self.last_activity_at,
                    self.project_id.is_none(),
                    self.branch.is_none(),
                )
    }

    pub fn coalesce(records: &[SessionRecord]) -> Vec<SessionRecord> {
        let mut merged: Vec<SessionRecord> = Vec::new();
        let mut index: std::collections::HashMap<(&str, Agent, &str), usize> =
            std::collections::HashMap::new();
        for s in records {
            match index.get(&(s.developer.as_str(), s.agent, s.session_key.as_str())) {
                Some(&i) => {
                    merged[i].absorb(s);
                }
                None => {
                    index.insert(
                        (s.developer.as_str(), s.agent, s.session_key.as_str()),
                        merged.len(),
                    );
                    merged.push(s.clone());
                }
            }
        }
        merged
    }
}

/// How the store resolves two rows with the same key (docs/accounting.md#dedupe); it follows
/// from the key's kind ([`RequestKey::policy`]), never from what a client says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum DedupePolicy {
    /// Claude Code: keep the copy with the larger token total; a non-sidechain copy of a
    /// `message_id` beats a sidechain replay of it (even under a different request id).
    LargestCopy,
    /// Gemini: the last record for a message id wins.
    LastWins,
    /// Codex, telemetry: the first copy is the only copy.
    FirstWins,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RequestRecord {
    /// Unique per model API request and owner, e.g. `cc:msg_01X:req_01Y`.
    pub dedupe_key: RequestKey,
    pub agent: Agent,
    pub session_key: String,
    pub ts: UnixMillis,
    /// `None` when the log does not say; stored and shown as `unknown`.
    pub model: Option<String>,
    pub usage: TokenUsage,
    pub cost: Cost,
    /// The owner: the developer the request is attributed to.
    pub developer: String,
    pub project_id: Option<String>,
    /// Claude Code `isSidechain` (subagents, `/btw`).
    pub sidechain: bool,
    /// Claude Code `message.id`, for the sidechain-replay rule.
    pub message_id: Option<String>,
    /// Fast mode (priced with a multiplier; shown as `<model>-fast`).
    pub fast: bool,
    /// Position of the record in its source (byte offset): timeline order, and which
    /// requests a Gemini `rewind` event marks as rewound.
    pub ord: i64,
}

impl RequestRecord {
    /// The replacement policy, derived from the key's kind.
    pub fn policy(&self) -> DedupePolicy {
        self.dedupe_key.policy()
    }

    /// Every number and string within the limits of [`bounds`], and a key that belongs to
    /// the row's agent; `now` is the receiving clock (for timestamps).
    pub fn check_bounds(&self, now: UnixMillis) -> Result<(), OutOfBounds> {
        bounds::id("dedupe_key", &self.dedupe_key)?;
        bounds::id("session_key", &self.session_key)?;
        bounds::id("developer", &self.developer)?;
        bounds::opt_id("model", self.model.as_deref())?;
        bounds::opt_id("project_id", self.project_id.as_deref())?;
        bounds::opt_id("message_id", self.message_id.as_deref())?;
        self.check_numbers(now)?;
        if self.dedupe_key.agent() != self.agent {
            return Err(OutOfBounds {
                field: "dedupe_key",
                why: bounds::Violation::WrongAgent,
            });
        }
        Ok(())
    }
}

impl RequestRecord {
    /// The timestamp, every token count and the cost within the bounds (what file parsers
    /// and pushes are both held to).
    pub fn check_numbers(&self, now: UnixMillis) -> Result<(), OutOfBounds> {
        bounds::timestamp("timestamp", self.ts, now)?;
        let u = &self.usage;
        for (field, n) in [
            ("input_tokens", u.input),
            ("output_tokens", u.output),
            ("cache_write_5m_tokens", u.cache_write_5m),
            ("cache_write_1h_tokens", u.cache_write_1h),
            ("cache_read_tokens", u.cache_read),
            ("reasoning_tokens", u.reasoning),
        ] {
            bounds::tokens(field, n)?;
        }
        bounds::cost_micro_usd("cost", self.cost.amount.micro_usd())?;
        Ok(())
    }
}

impl SessionRecord {
    pub fn check_bounds(&self, now: UnixMillis) -> Result<(), OutOfBounds> {
        bounds::id("session_key", &self.session_key)?;
        bounds::id("source", &self.source)?;
        bounds::id("developer", &self.developer)?;
        bounds::opt_id("project_id", self.project_id.as_deref())?;
        bounds::opt_id("branch", self.branch.as_deref())?;
        bounds::opt_id("title", self.title.as_deref())?;
        bounds::timestamp("started_at", self.started_at, now)?;
        bounds::timestamp("last_activity_at", self.last_activity_at, now)?;
        Ok(())
    }
}

impl EventRecord {
    /// A session that runs without permission prompts, as its transcript or its telemetry
    /// shows it: one such event per session whichever path sees it first (the key is the
    /// same on both, so the second is a duplicate). `detail` says what showed it.
    pub fn permission_skip(
        agent: Agent,
        session_key: &str,
        developer: &str,
        ts: UnixMillis,
        detail: &str,
    ) -> EventRecord {
        let prefix = match agent {
            Agent::ClaudeCode => "cc",
            other => other.as_str(),
        };
        EventRecord {
            dedupe_key: format!("{prefix}:permission_skip:{session_key}"),
            agent,
            session_key: session_key.to_owned(),
            developer: developer.to_owned(),
            ts,
            kind: EventKind::PermissionSkip,
            tool_name: None,
            decision: None,
            status_code: None,
            duration_ms: None,
            detail: Some(detail.to_owned()),
            ord: 0,
        }
    }

    /// Codex runs without approvals when it never asks (`approval_policy = never`) and is
    /// not sandboxed (`danger-full-access`): `--dangerously-bypass-approvals-and-sandbox`.
    /// Values are compared loosely (case, `-`/`_`), as file and telemetry spell them.
    pub fn codex_skips_permissions(approval_policy: &str, sandbox_policy: &str) -> bool {
        let plain = |s: &str| {
            s.chars()
                .filter(|c| c.is_ascii_alphanumeric())
                .collect::<String>()
                .to_ascii_lowercase()
        };
        plain(approval_policy) == "never" && plain(sandbox_policy).contains("dangerfullaccess")
    }

    pub fn check_bounds(&self, now: UnixMillis) -> Result<(), OutOfBounds> {
        bounds::id("dedupe_key", &self.dedupe_key)?;
        bounds::id("session_key", &self.session_key)?;
        bounds::id("developer", &self.developer)?;
        bounds::opt_id("tool_name", self.tool_name.as_deref())?;
        bounds::opt_id("decision", self.decision.as_deref())?;
        bounds::opt_id("detail", self.detail.as_deref())?;
        bounds::timestamp("ts", self.ts, now)?;
        if let Some(code) = self.status_code {
            bounds::count("status_code", code, bounds::MAX_STATUS_CODE)?;
        }
        if let Some(ms) = self.duration_ms {
            bounds::count("duration_ms", ms, bounds::MAX_DURATION_MS)?;
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    Prompt,
    ToolUse,
    ToolDecision,
    ApiError,
    Compaction,
    Commit,
    PullRequest,
    /// Gemini `$rewindTo`: the conversation went back; what followed stays counted.
    Rewind,
    /// The session ran with permission prompts switched off (Claude Code
    /// `bypassPermissions`, i.e. `--dangerously-skip-permissions`); one per session.
    PermissionSkip,
}

impl EventKind {
    pub const ALL: [EventKind; 9] = [
        EventKind::Prompt,
        EventKind::ToolUse,
        EventKind::ToolDecision,
        EventKind::ApiError,
        EventKind::Compaction,
        EventKind::Commit,
        EventKind::PullRequest,
        EventKind::Rewind,
        EventKind::PermissionSkip,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Prompt => "prompt",
            EventKind::ToolUse => "tool_use",
            EventKind::ToolDecision => "tool_decision",
            EventKind::ApiError => "api_error",
            EventKind::Compaction => "compaction",
            EventKind::Commit => "commit",
            EventKind::PullRequest => "pr",
            EventKind::Rewind => "rewind",
            EventKind::PermissionSkip => "permission_skip",
        }
    }

    pub fn parse(s: &str) -> Option<EventKind> {
        EventKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// One metadata-only point on a session's timeline. Its key is unique within its session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventRecord {
    pub dedupe_key: String,
    pub agent: Agent,
    pub session_key: String,
    /// The owner of the event's session. Left empty by file parsers: the store then takes
    /// the developer of the batch's record for that session.
    #[serde(default)]
    pub developer: String,
    pub ts: UnixMillis,
    pub kind: EventKind,
    /// Tool name for tool_use / tool_decision (`Bash`, `Edit`, `shell`, …).
    pub tool_name: Option<String>,
    /// `accept` / `reject` for tool decisions.
    pub decision: Option<String>,
    /// HTTP status for API errors, when known.
    pub status_code: Option<i64>,
    pub duration_ms: Option<i64>,
    /// A short machine label, never content: error class (`rate_limit`, `usage_limit`,
    /// `synthetic`), compaction trigger (`auto`/`manual`), prompt length in characters, …
    pub detail: Option<String>,
    pub ord: i64,
}

/// One increment of a telemetry counter (lines of code added/removed, commits, pull
/// requests): a number, never one row per unit. Its key is unique per owner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CounterRecord {
    pub dedupe_key: String,
    pub ts: UnixMillis,
    pub developer: String,
    pub agent: Agent,
    pub session_key: String,
    /// e.g. `lines_of_code.added`, `commits`, `pull_requests`.
    pub metric: String,
    pub value: i64,
}

/// A repository (or a plain directory when it is not one).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ProjectRecord {
    /// Canonical id: `github.com/acme/api` from the git remote, else the absolute path.
    pub id: String,
    pub display_name: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(key: &str, start: i64, dev: &str, title: Option<&str>) -> SessionRecord {
        SessionRecord {
            agent: Agent::ClaudeCode,
            session_key: key.into(),
            source: "t".into(),
            developer: dev.into(),
            project_id: None,
            branch: None,
            started_at: start,
            last_activity_at: start,
            title: title.map(str::to_string),
        }
    }

    #[test]
    fn coalesce_merges_per_session_and_keeps_order() {
        let merged = SessionRecord::coalesce(&[
            rec("a", 5, "dev", None),
            rec("b", 1, "dev", None),
            rec("a", 2, "dev", Some("t1")),
            rec("a", 9, "dev", Some("t2")),
            rec("a", 3, "other", None),
        ]);
        assert_eq!(
            merged.len(),
            3,
            "the same id under another owner is another session"
        );
        assert_eq!(merged[2].developer, "other");
        assert_eq!(merged[0].session_key, "a");
        assert_eq!((merged[0].started_at, merged[0].last_activity_at), (2, 9));
        assert_eq!(merged[0].title.as_deref(), Some("t2"));
        assert_eq!(merged[1].session_key, "b");
    }
}
