//! The git source: configured local repositories (paths or globs) scanned incrementally.
//! Each repository's cursor holds its branches' positions; a pass reads only commits that
//! are new since then and stores them with the cursor in one batch (`scan.rs` reads them).

mod scan;

pub use scan::{RefPositions, RepoScan, scan};

use crate::domain::ProjectRecord;
use crate::store::{FileCursor, SourceHealthRow, Store, StoreError, WriteBatch};
use std::path::{Path, PathBuf};

/// The source name in `cursors` and `source_health`.
pub const SOURCE: &str = "git";
/// A first scan reads at most this many of a repository's newest commits.
pub const DEFAULT_MAX_COMMITS: usize = 20_000;

/// What one pass over every repository did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct GitPassSummary {
    pub repositories: usize,
    pub commits: usize,
    pub ai_commits: usize,
    /// `path: reason` for repositories or commits that could not be read.
    pub problems: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum GitSourceError {
    #[error("repository pattern `{pattern}` is not a valid glob: {reason}")]
    Pattern { pattern: String, reason: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Expands `~`, then globs; a pattern matching nothing is reported, not fatal.
pub fn expand(
    patterns: &[String],
    home: Option<&Path>,
) -> Result<(Vec<PathBuf>, Vec<String>), GitSourceError> {
    let mut found = Vec::new();
    let mut problems = Vec::new();
    for pattern in patterns {
        let expanded = match (pattern.strip_prefix("~/"), home) {
            (Some(rest), Some(h)) => h.join(rest).to_string_lossy().into_owned(),
            _ => pattern.clone(),
        };
        let paths = glob::glob(&expanded).map_err(|e| GitSourceError::Pattern {
            pattern: pattern.clone(),
            reason: e.to_string(),
        })?;
        let before = found.len();
        for p in paths.flatten() {
            if p.is_dir() && !found.contains(&p) {
                found.push(p);
            }
        }
        if found.len() == before {
            problems.push(format!("{pattern}: no directory matches"));
        }
    }
    Ok((found, problems))
}

/// One pass: every repository, each in its own batch with its cursor.
pub fn pass(
    store: &Store,
    repos: &[PathBuf],
    max_commits: usize,
) -> Result<GitPassSummary, GitSourceError> {
    let cursors = store.reader()?.file_cursors(SOURCE)?;
    let mut summary = GitPassSummary::default();
    for path in repos {
        let key = path.to_string_lossy().into_owned();
        let stored: RefPositions = cursors
            .get(&key)
            .and_then(|c| c.state.as_deref())
            .and_then(|s| serde_json::from_str(s).ok())
            .unwrap_or_default();
        let repo = match git2::Repository::open(path) {
            Ok(r) => r,
            Err(e) => {
                summary
                    .problems
                    .push(format!("{key}: not a git repository ({})", e.message()));
                continue;
            }
        };
        let found = match scan(&repo, &stored, max_commits) {
            Ok(f) => f,
            Err(e) => {
                summary.problems.push(format!("{key}: {}", e.message()));
                continue;
            }
        };
        summary.repositories += 1;
        summary.commits += found.commits;
        summary.ai_commits += found.ai_commits;
        summary
            .problems
            .extend(found.problems.iter().map(|p| format!("{key}: {p}")));
        if found.commits == 0 && found.positions == stored {
            continue;
        }
        let state = serde_json::to_string(&found.positions).unwrap_or_default();
        store.writer().apply_blocking(WriteBatch {
            projects: vec![ProjectRecord {
                id: found.project_id.clone(),
                display_name: found.display_name.clone(),
            }],
            ops: found.ops,
            cursors: vec![FileCursor {
                source: SOURCE.into(),
                path: key,
                state: Some(state),
                ..FileCursor::default()
            }],
            ..WriteBatch::default()
        })?;
    }
    let now = chrono::Utc::now().timestamp_millis();
    let health = SourceHealthRow {
        source: SOURCE.into(),
        kind: "git".into(),
        success_at: (summary.repositories > 0 || summary.problems.is_empty()).then_some(now),
        error: (!summary.problems.is_empty()).then(|| (now, summary.problems.join("; "))),
        rows_added: summary.commits as i64,
    };
    store.writer().apply_blocking(WriteBatch {
        source_health: vec![health],
        ..WriteBatch::default()
    })?;
    Ok(summary)
}
