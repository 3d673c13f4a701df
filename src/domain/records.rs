//! The rows collectors produce and the store keeps: sessions, model requests and
//! metadata-only timeline events. No field here may ever hold prompt text, model output,
//! tool input/output or code.

use super::{Agent, Cost, TokenUsage};
use serde::{Deserialize, Serialize};

/// Timestamps are UTC milliseconds since the Unix epoch everywhere in the store.
pub type UnixMillis = i64;

/// What a collector knows about a session when it sees one of its lines. The store merges
/// these: earliest start, latest activity, first non-empty branch/project/title wins.
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
    /// first non-empty developer/project/branch, the latest title. Order is kept.
    pub fn coalesce(records: &[SessionRecord]) -> Vec<SessionRecord> {
        let mut merged: Vec<SessionRecord> = Vec::new();
        let mut index: std::collections::HashMap<(Agent, &str), usize> =
            std::collections::HashMap::new();
        for s in records {
            match index.get(&(s.agent, s.session_key.as_str())) {
                Some(&i) => {
                    let m = &mut merged[i];
                    m.started_at = m.started_at.min(s.started_at);
                    m.last_activity_at = m.last_activity_at.max(s.last_activity_at);
                    if m.developer.is_empty() {
                        m.developer.clone_from(&s.developer);
                    }
                    if m.project_id.is_none() {
                        m.project_id.clone_from(&s.project_id);
                    }
                    if m.branch.is_none() {
                        m.branch.clone_from(&s.branch);
                    }
                    if s.title.is_some() {
                        m.title.clone_from(&s.title);
                    }
                }
                None => {
                    index.insert((s.agent, s.session_key.as_str()), merged.len());
                    merged.push(s.clone());
                }
            }
        }
        merged
    }
}

/// How the store resolves two rows with the same dedupe key (docs/accounting.md#dedupe).
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
    /// Unique per model API request across all sources, e.g. `cc:msg_01X:req_01Y`.
    pub dedupe_key: String,
    pub policy: DedupePolicy,
    pub agent: Agent,
    pub session_key: String,
    pub ts: UnixMillis,
    /// `None` when the log does not say; stored and shown as `unknown`.
    pub model: Option<String>,
    pub usage: TokenUsage,
    pub cost: Cost,
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

/// One metadata-only point on a session's timeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventRecord {
    pub dedupe_key: String,
    pub agent: Agent,
    pub session_key: String,
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
            rec("a", 5, "", None),
            rec("b", 1, "x", None),
            rec("a", 2, "dev", Some("t1")),
            rec("a", 9, "other", Some("t2")),
        ]);
        assert_eq!(merged.len(), 2);
        assert_eq!(merged[0].session_key, "a");
        assert_eq!((merged[0].started_at, merged[0].last_activity_at), (2, 9));
        assert_eq!(merged[0].developer, "dev");
        assert_eq!(merged[0].title.as_deref(), Some("t2"));
        assert_eq!(merged[1].session_key, "b");
    }
}
