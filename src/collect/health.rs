//! Source health of the file collectors: one run record per file source per pass (files
//! found and read, requests added, this pass's problems, the roots searched), and the
//! skipped lines of each file, written with the cursor that moves past them.

use super::summary::IngestSummary;
use crate::collect::sources::{FileFormat, Roots};
use crate::domain::UnixMillis;
use crate::store::ops::Op;
use crate::store::source_health::{RunProblems, SkippedLine, SourceRun};
use crate::store::{FileCursor, Reader, Store, WriteBatch};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// A pass that found nothing new is recorded at most this often (the console re-reads
/// files every second; its Sources view needs no write per second).
const QUIET_RECORD_MS: i64 = 60_000;

/// The file sources, their agent (as stored) and their roots.
fn file_sources(roots: &Roots) -> [(&'static str, &'static str, &Vec<PathBuf>); 4] {
    [
        (
            FileFormat::ClaudeJsonl.source(),
            "claude_code",
            &roots.claude,
        ),
        (FileFormat::CodexJsonl.source(), "codex", &roots.codex),
        (FileFormat::GeminiJsonl.source(), "gemini", &roots.gemini),
        (FileFormat::CopilotJsonl.source(), "copilot", &roots.copilot),
    ]
}

#[derive(Debug, Default)]
struct Tally {
    found: i64,
    read: i64,
}

/// What a pass knows before it reads: when it started, files per source, stored counts.
pub struct FilesPass {
    roots: Roots,
    tallies: BTreeMap<&'static str, Tally>,
    requests_before: BTreeMap<String, i64>,
    last_runs: BTreeMap<String, Option<UnixMillis>>,
}

impl FilesPass {
    /// `known`: the format of every file found under the roots.
    pub fn begin(
        reader: &Reader,
        roots: &Roots,
        known: impl IntoIterator<Item = FileFormat>,
    ) -> FilesPass {
        let mut tallies: BTreeMap<&'static str, Tally> = BTreeMap::new();
        for format in known {
            tallies.entry(format.source()).or_default().found += 1;
        }
        FilesPass {
            roots: roots.clone(),
            tallies,
            requests_before: reader.requests_by_agent().unwrap_or_default(),
            last_runs: reader.source_last_runs().unwrap_or_default(),
        }
    }

    /// Files that will be read (not unchanged), by format.
    pub fn to_read(&mut self, formats: impl Iterator<Item = FileFormat>) {
        for f in formats {
            self.tallies.entry(f.source()).or_default().read += 1;
        }
    }

    /// Records one run per file source. Never fails the pass: a store error is logged.
    /// `reader` is the pass's own: it holds no transaction open, so it sees what the pass
    /// committed.
    pub fn finish(self, store: &Store, reader: &Reader, summary: &IngestSummary, developer: &str) {
        let after = reader.requests_by_agent().unwrap_or_default();
        let finished_at = now_ms();
        let mut batch = WriteBatch::default();
        for (source, agent, roots) in file_sources(&self.roots) {
            let tally = self.tallies.get(source);
            let mut problems = RunProblems::default();
            // Whole-file problems; skipped lines are kept (and listed) in `skipped_lines`.
            for p in summary
                .problems
                .iter()
                .filter(|p| p.line == 0 && source_of(&self.roots, &p.path) == Some(source))
            {
                problems.add(p.reason.label(), || p.to_string());
            }
            let read = tally.map_or(0, |t| t.read);
            let recent = self
                .last_runs
                .get(source)
                .copied()
                .flatten()
                .is_some_and(|t| finished_at - t < QUIET_RECORD_MS);
            if read == 0 && problems.is_empty() && recent {
                continue;
            }
            let before = self.requests_before.get(agent).copied().unwrap_or(0);
            let settings = serde_json::json!({
                "roots": roots.iter().map(|r| r.display().to_string()).collect::<Vec<_>>(),
                "files_found": tally.map_or(0, |t| t.found),
                // Who the files were read as: the next pass names a change of identity.
                "developer": developer,
            });
            batch.ops.push(Op::RecordRun(SourceRun {
                source: source.to_string(),
                kind: "files".into(),
                finished_at,
                error: None,
                items_read: read,
                item_unit: "files".into(),
                rows_added: after.get(agent).copied().unwrap_or(0) - before,
                problems,
                next_run: None,
                settings: Some(settings.to_string()),
            }));
        }
        if !batch.ops.is_empty()
            && let Err(e) = store.writer().apply_blocking(batch)
        {
            tracing::warn!("recording the file sources' health failed: {e}");
        }
    }
}

/// The file source whose roots hold `path`.
fn source_of(roots: &Roots, path: &str) -> Option<&'static str> {
    file_sources(roots)
        .into_iter()
        .find(|(_, _, dirs)| {
            dirs.iter()
                .any(|d| std::path::Path::new(path).starts_with(d))
        })
        .map(|(s, _, _)| s)
}

/// The op recording the lines skipped in the batch that ends at `cursor` (`input_bytes`
/// long): a batch that starts at offset 0 first forgets the file's earlier skipped lines.
pub fn skipped_lines_op(
    cursor: &FileCursor,
    input_bytes: u64,
    skipped: &[super::parse::Skip],
) -> Option<Op> {
    let restart = cursor.offset.saturating_sub(input_bytes) == 0;
    skipped_op(&cursor.source, &cursor.path, restart, skipped)
}

/// The same for rows kept without moving the cursor (a read error mid-file).
pub fn skipped_op(
    source: &str,
    path: &str,
    restart: bool,
    skipped: &[super::parse::Skip],
) -> Option<Op> {
    let lines: Vec<SkippedLine> = skipped
        .iter()
        .filter(|s| s.line > 0)
        .map(|s| SkippedLine {
            path: path.to_string(),
            line: s.line,
            reason: s.reason.label().to_string(),
            // The reason as the ingest summary words it (field names included).
            detail: Some(match &s.detail {
                Some(d) => format!("{} ({d})", s.reason),
                None => s.reason.to_string(),
            }),
        })
        .collect();
    (restart || !lines.is_empty()).then(|| Op::SkippedLines {
        source: source.to_string(),
        path: path.to_string(),
        restart,
        lines,
        at: now_ms(),
    })
}

fn now_ms() -> UnixMillis {
    chrono::Utc::now().timestamp_millis()
}

/// One `agentdeck push` to `server` as a source run (source `name`).
pub fn push_run(name: &str, server: &str, outcome: Result<i64, String>) -> SourceRun {
    let (rows, error) = match outcome {
        Ok(rows) => (rows, None),
        Err(e) => (0, Some(e)),
    };
    SourceRun {
        source: name.into(),
        kind: "push".into(),
        finished_at: now_ms(),
        error,
        item_unit: "pages".into(),
        rows_added: rows,
        settings: Some(serde_json::json!({ "server": server }).to_string()),
        ..SourceRun::default()
    }
}
