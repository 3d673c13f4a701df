//! What one ingest pass did: files read, rows added, and every skipped line with its file,
//! line number and reason, grouped for a readable summary and kept whole for `--json`.

use super::parse::SkipReason;
use crate::domain::{Agent, RequestRecord, SessionRecord};
use crate::store::WriteOutcome;
use crate::store::queries::pricing_state::PricingState;
use serde::Serialize;
use std::collections::{BTreeMap, HashSet};
use std::path::Path;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileProblem {
    pub path: String,
    /// 1-based line; 0 for a problem with the whole file.
    pub line: u64,
    #[serde(serialize_with = "reason_label")]
    pub reason: SkipReason,
    pub detail: Option<String>,
}

fn reason_label<S: serde::Serializer>(r: &SkipReason, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(r.label())
}

impl std::fmt::Display for FileProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.line > 0 {
            write!(f, "{}:{}: {}", self.path, self.line, self.reason)?;
        } else {
            write!(f, "{}: {}", self.path, self.reason)?;
        }
        if let Some(d) = &self.detail {
            write!(f, " ({d})")?;
        }
        Ok(())
    }
}

/// A row kept on an assumption (see [`super::parse::Assumption`]), with where it came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileAssumption {
    pub path: String,
    pub line: u64,
    pub what: &'static str,
}

/// A line kept after a repair (see [`super::parse::Repair`]), with where it came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileRepair {
    pub path: String,
    pub line: u64,
    pub what: &'static str,
    pub detail: Option<String>,
}

impl std::fmt::Display for FileRepair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}:{}: {}",
            self.path,
            self.line,
            self.what.replace('_', " ")
        )?;
        if let Some(d) = &self.detail {
            write!(f, " ({d})")?;
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Default)]
pub struct IngestSummary {
    pub files_seen: u64,
    pub files_read: u64,
    pub files_unchanged: u64,
    pub outcome: WriteOutcome,
    /// Skipped lines and unusable files, in path and line order.
    pub problems: Vec<FileProblem>,
    /// Files whose last bytes have no newline yet (path, bytes waiting).
    pub pending_tails: Vec<(String, u64)>,
    /// Rows stored on an assumption, in path and line order.
    pub assumed: Vec<FileAssumption>,
    /// Lines kept after a repair, in path and line order.
    pub repaired: Vec<FileRepair>,
    /// Request rows the parsers produced (every copy, before dedupe).
    pub requests_parsed: u64,
    /// Distinct sessions the pass wrote to.
    pub sessions: HashSet<(Agent, String)>,
    /// Set when stored costs were re-priced first because the price table changed.
    pub repriced: Option<PricingState>,
}

impl IngestSummary {
    pub fn problem(&mut self, path: &Path, line: u64, reason: SkipReason, detail: Option<String>) {
        let problem = FileProblem {
            path: path.display().to_string(),
            line,
            reason,
            detail,
        };
        tracing::warn!(path = %problem.path, line, reason = problem.reason.label(), "{problem}");
        self.problems.push(problem);
    }

    pub fn repair(&mut self, path: &Path, line: u64, what: &'static str, detail: Option<String>) {
        let repair = FileRepair {
            path: path.display().to_string(),
            line,
            what,
            detail,
        };
        tracing::info!(path = %repair.path, line, what, "{repair}");
        self.repaired.push(repair);
    }

    /// Counts the request copies and distinct sessions of rows about to be written.
    pub fn count_parsed(&mut self, requests: &[RequestRecord], sessions: &[SessionRecord]) {
        self.requests_parsed += requests.len() as u64;
        for s in sessions {
            if !self.sessions.contains(&(s.agent, s.session_key.clone())) {
                self.sessions.insert((s.agent, s.session_key.clone()));
            }
        }
        for r in requests {
            if !self.sessions.contains(&(r.agent, r.session_key.clone())) {
                self.sessions.insert((r.agent, r.session_key.clone()));
            }
        }
    }

    /// Copies that added nothing: the same request seen again (in this pass or stored),
    /// smaller copies of a request already kept, replays of a parent's message.
    pub fn duplicates(&self) -> u64 {
        self.requests_parsed
            .saturating_sub(self.outcome.requests_added + self.outcome.requests_replaced)
    }

    pub fn merge(&mut self, other: IngestSummary) {
        self.files_seen += other.files_seen;
        self.files_read += other.files_read;
        self.files_unchanged += other.files_unchanged;
        self.outcome += other.outcome;
        self.problems.extend(other.problems);
        self.pending_tails.extend(other.pending_tails);
        self.assumed.extend(other.assumed);
        self.repaired.extend(other.repaired);
        self.requests_parsed += other.requests_parsed;
        self.sessions.extend(other.sessions);
    }

    pub fn assumption(&mut self, path: &Path, line: u64, what: &'static str) {
        self.assumed.push(FileAssumption {
            path: path.display().to_string(),
            line,
            what,
        });
    }

    /// Assumed rows counted by what was assumed.
    pub fn assumed_by_kind(&self) -> BTreeMap<&'static str, u64> {
        let mut out = BTreeMap::new();
        for a in &self.assumed {
            *out.entry(a.what).or_insert(0) += 1;
        }
        out
    }

    pub fn sort(&mut self) {
        self.problems
            .sort_by(|a, b| (&a.path, a.line).cmp(&(&b.path, b.line)));
        self.pending_tails.sort();
        self.assumed
            .sort_by(|a, b| (&a.path, a.line).cmp(&(&b.path, b.line)));
        self.repaired
            .sort_by(|a, b| (&a.path, a.line).cmp(&(&b.path, b.line)));
    }

    /// Repaired lines counted by what was repaired.
    pub fn repaired_by_kind(&self) -> BTreeMap<&'static str, u64> {
        let mut out = BTreeMap::new();
        for r in &self.repaired {
            *out.entry(r.what).or_insert(0) += 1;
        }
        out
    }

    /// Skipped lines (and files) counted by reason label.
    pub fn skipped_by_reason(&self) -> BTreeMap<&'static str, u64> {
        let mut out = BTreeMap::new();
        for p in &self.problems {
            *out.entry(p.reason.label()).or_insert(0) += 1;
        }
        out
    }
}
