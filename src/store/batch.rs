//! A write batch: everything one source wants stored at once. The writer applies a batch in
//! a single transaction, cursors included, so a crash never splits rows from their cursor.

use crate::domain::{EventRecord, ProjectRecord, RequestRecord, SessionRecord, UnixMillis};

/// Where a file source stopped: identity, size and mtime to detect change or replacement,
/// offset and line count to resume, and the parser's carried state.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FileCursor {
    pub source: String,
    pub path: String,
    pub device: u64,
    pub inode: u64,
    pub size: u64,
    pub offset: u64,
    pub line: u64,
    pub mtime_ns: i64,
    pub state: Option<String>,
    /// Hash of the first and last bytes read before `offset` (files only; see
    /// `collect::files::fingerprint`), so a file rewritten in place is read again.
    pub fingerprint: Option<String>,
}

/// A developer from config, an import or the demo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeveloperRow {
    pub id: String,
    pub email: Option<String>,
    pub handle: Option<String>,
    pub display_name: Option<String>,
    pub team: String,
    pub role: Option<String>,
    pub started_on: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamRow {
    pub name: String,
    pub budget_micro_usd_month: Option<i64>,
}

/// Health of one source, shown by `agentdeck sources` and the console's status bar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceHealthRow {
    pub source: String,
    pub kind: String,
    pub success_at: Option<UnixMillis>,
    pub error: Option<(UnixMillis, String)>,
    pub rows_added: i64,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct WriteBatch {
    pub projects: Vec<ProjectRecord>,
    pub sessions: Vec<SessionRecord>,
    pub requests: Vec<RequestRecord>,
    pub events: Vec<EventRecord>,
    pub cursors: Vec<FileCursor>,
    pub teams: Vec<TeamRow>,
    pub developers: Vec<DeveloperRow>,
    pub source_health: Vec<SourceHealthRow>,
    /// Outcome, vendor-usage and alert rows (see `ops.rs`).
    pub ops: Vec<super::ops::Op>,
}

impl WriteBatch {
    pub fn is_empty(&self) -> bool {
        self == &WriteBatch::default()
    }
}

/// What a batch changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WriteOutcome {
    pub requests_added: u64,
    /// A stored copy was replaced by a better one (larger streamed copy, parent over replay,
    /// Gemini's later record).
    pub requests_replaced: u64,
    /// Copies that lost to a stored one (already counted).
    pub requests_duplicate: u64,
    pub requests_removed: u64,
    pub events_added: u64,
    pub sessions_touched: u64,
}

impl std::ops::AddAssign for WriteOutcome {
    fn add_assign(&mut self, o: WriteOutcome) {
        self.requests_added += o.requests_added;
        self.requests_replaced += o.requests_replaced;
        self.requests_duplicate += o.requests_duplicate;
        self.requests_removed += o.requests_removed;
        self.events_added += o.events_added;
        self.sessions_touched += o.sessions_touched;
    }
}
