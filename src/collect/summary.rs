//! What one ingest pass did: files read, rows added, and every skipped line with its file,
//! line number and reason, grouped for a readable summary and kept whole for `--json`.

use super::parse::SkipReason;
use crate::store::WriteOutcome;
use crate::store::queries::pricing_state::PricingState;
use serde::Serialize;
use std::collections::BTreeMap;
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

    pub fn merge(&mut self, other: IngestSummary) {
        self.files_seen += other.files_seen;
        self.files_read += other.files_read;
        self.files_unchanged += other.files_unchanged;
        self.outcome += other.outcome;
        self.problems.extend(other.problems);
        self.pending_tails.extend(other.pending_tails);
        self.assumed.extend(other.assumed);
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
