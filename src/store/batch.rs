//! A write batch: everything one source wants stored at once. The writer applies a batch in
//! a single transaction, cursors included, so a crash never splits rows from their cursor.

use crate::domain::counter::MetricPoint;
use crate::domain::{
    Agent, CounterRecord, EventRecord, ProjectRecord, RequestRecord, SessionRecord, UnixMillis,
};

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

/// Remove a session's requests and events from `from_ord` on (Gemini `$rewindTo`). The
/// session is the one of that id whose record the same batch carries (its owner's).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Truncate {
    pub agent: Agent,
    pub session_key: String,
    pub from_ord: i64,
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

/// Everything one source wants stored at once. Rows belong to their `developer` (the
/// owner); a session id, request key, event key or counter key is unique per owner only.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WriteBatch {
    pub projects: Vec<ProjectRecord>,
    pub sessions: Vec<SessionRecord>,
    pub requests: Vec<RequestRecord>,
    pub events: Vec<EventRecord>,
    /// Telemetry counter increments (a re-sent key counts once).
    pub counters: Vec<CounterRecord>,
    /// Telemetry metric points; cumulative ones become increments against the last point
    /// stored for their series, inside the batch's transaction.
    pub metric_points: Vec<MetricPoint>,
    pub cursors: Vec<FileCursor>,
    pub teams: Vec<TeamRow>,
    /// The directory: these rows replace what is stored for each developer.
    pub developers: Vec<DeveloperRow>,
    /// Developers seen in telemetry or pushes: stored only when not yet known (a sighting
    /// never changes a developer's team).
    pub seen_developers: Vec<DeveloperRow>,
    pub source_health: Vec<SourceHealthRow>,
    /// Outcome, vendor-usage and alert rows (see `ops.rs`).
    pub ops: Vec<super::ops::Op>,
}

/// Merge at most this many rows into one transaction (the collectors' sink and the
/// server's queue both seal a batch here).
pub const MAX_ROWS_PER_TRANSACTION: usize = 20_000;

impl WriteBatch {
    pub fn is_empty(&self) -> bool {
        self == &WriteBatch::default()
    }

    /// Rows that cost work in the transaction (for sealing batches).
    pub fn rows(&self) -> usize {
        self.sessions.len()
            + self.requests.len()
            + self.events.len()
            + self.counters.len()
            + self.metric_points.len()
            + self.developers.len()
            + self.seen_developers.len()
            + self.ops.len()
    }

    /// Every developer the batch's rows belong to. Rows of one developer are only ever
    /// compared with each other, so writers of disjoint owner sets never conflict.
    pub fn owners(&self) -> std::collections::BTreeSet<&str> {
        let all = self
            .sessions
            .iter()
            .map(|s| s.developer.as_str())
            .chain(self.requests.iter().map(|r| r.developer.as_str()))
            .chain(self.events.iter().map(|e| e.developer.as_str()))
            .chain(self.counters.iter().map(|c| c.developer.as_str()))
            .chain(self.metric_points.iter().map(|p| p.developer.as_str()))
            .chain(self.seen_developers.iter().map(|d| d.id.as_str()));
        // A batch's rows come in long runs of one owner (a file, an export): each run is
        // inserted once instead of every row being sorted into the set (1 % of a cold
        // pass's writer, all comparing equal e-mails).
        let mut owners = std::collections::BTreeSet::new();
        let mut last = None;
        for owner in all {
            if last != Some(owner) {
                owners.insert(owner);
                last = Some(owner);
            }
        }
        owners
    }

    /// Appends `other`, keeping order: the one way batches are merged.
    pub fn append(&mut self, other: WriteBatch) {
        let WriteBatch {
            projects,
            sessions,
            requests,
            events,
            counters,
            metric_points,
            cursors,
            teams,
            developers,
            seen_developers,
            source_health,
            ops,
        } = other;
        self.projects.extend(projects);
        self.sessions.extend(sessions);
        self.requests.extend(requests);
        self.events.extend(events);
        self.counters.extend(counters);
        self.metric_points.extend(metric_points);
        self.cursors.extend(cursors);
        self.teams.extend(teams);
        self.developers.extend(developers);
        self.seen_developers.extend(seen_developers);
        self.source_health.extend(source_health);
        self.ops.extend(ops);
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
    pub counters_added: u64,
    /// Rows that named a session without an owner the batch could tell (never stored).
    pub rows_refused: u64,
}

impl std::ops::AddAssign for WriteOutcome {
    fn add_assign(&mut self, o: WriteOutcome) {
        self.requests_added += o.requests_added;
        self.requests_replaced += o.requests_replaced;
        self.requests_duplicate += o.requests_duplicate;
        self.requests_removed += o.requests_removed;
        self.events_added += o.events_added;
        self.sessions_touched += o.sessions_touched;
        self.counters_added += o.counters_added;
        self.rows_refused += o.rows_refused;
    }
}
