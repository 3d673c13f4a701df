//! One incremental pass over local agent files: discover, stat against cursors, parse what
//! is new on a thread pool, and send write batches (rows + the cursor that covers them) to
//! the store's single writer. Returns a summary of what was read, added and skipped.

use super::files::{self, FileIdentity, Piece, Plan};
use super::guard::{self, Marks};
use super::parse::{
    Assumption, LineLoc, LineParser, ParseEnv, ParsedRows, REPAIRED_UTF8, Repair, Skip, SkipReason,
};
use super::sink::Sink;
use super::sources::{self, DiscoveredFile, FileFormat, Roots};
use super::summary::IngestSummary;
use crate::store::{FileCursor, Reader, Store, WriteBatch};
use rayon::prelude::*;
use std::collections::HashMap;
use std::path::Path;
use std::sync::Mutex;

/// Flush a batch after this many input bytes or rows, so memory stays bounded and a crash
/// loses at most one uncommitted batch (which is simply read again).
const BATCH_BYTES: u64 = 8 * 1024 * 1024;
const BATCH_ROWS: usize = 20_000;
/// Whole-document files larger than this are refused (Gemini legacy `.json`).
const MAX_DOCUMENT_BYTES: u64 = 256 * 1024 * 1024;

/// Reports progress in bytes; `total` is known after the stat pass.
pub trait Progress: Sync {
    fn start(&self, total_bytes: u64);
    fn advance(&self, bytes: u64);
    fn finish(&self);
}

pub struct NoProgress;
impl Progress for NoProgress {
    fn start(&self, _: u64) {}
    fn advance(&self, _: u64) {}
    fn finish(&self) {}
}

/// Runs one pass. Errors of single files land in the summary; only store failures abort.
pub fn ingest(
    store: &Store,
    roots: &Roots,
    env: &ParseEnv<'_>,
    progress: &dyn Progress,
) -> crate::store::Result<IngestSummary> {
    let (found, problems) = sources::discover(roots);
    let known: Vec<FileFormat> = found.iter().map(|f| f.format).collect();
    ingest_recorded(store, roots, found, problems, env, progress, known)
}

/// Runs one pass over files already found and records each file source's health for it
/// (`collect::health`). `known` holds the format of every file the caller knows under the
/// roots (for a pass over a few changed files: its last discovery), so the run reports
/// how many files each source has, not only how many changed.
pub fn ingest_recorded(
    store: &Store,
    roots: &Roots,
    found: Vec<DiscoveredFile>,
    problems: Vec<sources::DiscoveryProblem>,
    env: &ParseEnv<'_>,
    progress: &dyn Progress,
    known: impl IntoIterator<Item = FileFormat>,
) -> crate::store::Result<IngestSummary> {
    // One read connection serves the whole pass: opening one costs about as much as the
    // cursor query itself (docs/perf.md#warm-refresh-issue-12).
    let reader = store.reader()?;
    let mut health = super::health::FilesPass::begin(&reader, roots, known);
    let summary = pass(
        store,
        &reader,
        found,
        problems,
        env,
        progress,
        Some(&mut health),
    )?;
    health.finish(store, &reader, &summary, env.developer);
    Ok(summary)
}

/// Runs one pass over files already found (by `discover`, or by the live watcher, which
/// passes only the files that changed). Unchanged files still cost only their cursor check.
pub fn ingest_found(
    store: &Store,
    found: Vec<DiscoveredFile>,
    problems: Vec<sources::DiscoveryProblem>,
    env: &ParseEnv<'_>,
    progress: &dyn Progress,
) -> crate::store::Result<IngestSummary> {
    pass(
        store,
        &store.reader()?,
        found,
        problems,
        env,
        progress,
        None,
    )
}

fn pass(
    store: &Store,
    reader: &Reader,
    found: Vec<DiscoveredFile>,
    problems: Vec<sources::DiscoveryProblem>,
    env: &ParseEnv<'_>,
    progress: &dyn Progress,
    health: Option<&mut super::health::FilesPass>,
) -> crate::store::Result<IngestSummary> {
    let mut summary = IngestSummary::default();
    for p in problems {
        let reason = if p.message.starts_with("expected") {
            SkipReason::NotAFile
        } else {
            SkipReason::Unreadable
        };
        summary.problem(&p.path, 0, reason, Some(p.message));
    }
    let mut cursors: HashMap<&'static str, HashMap<String, FileCursor>> = HashMap::new();
    for format in [
        FileFormat::ClaudeJsonl,
        FileFormat::CodexJsonl,
        FileFormat::GeminiJsonl,
        FileFormat::CopilotJsonl,
    ] {
        cursors
            .entry(format.source())
            .or_insert(reader.file_cursors(format.source())?);
    }

    // Stat pass: unchanged files cost one stat each.
    let now = Clock::now();
    let mut work: Vec<(DiscoveredFile, FileIdentity, Plan)> = Vec::new();
    // Files without an owner get one (`owners_of`): once every file with a cursor has one,
    // an unchanged file needs no look-up, and a warm pass builds no key.
    let owners_complete =
        reader.file_owner_count()? >= cursors.values().map(|m| m.len() as i64).sum::<i64>();
    let mut keys: Vec<(&'static str, String)> = Vec::new();
    for file in found {
        summary.files_seen += 1;
        let id = file.identity;
        // Cursors are keyed by the path's display form; a UTF-8 path is its own key, so an
        // unchanged file is looked up without building a string.
        let display;
        let key: &str = match file.path.to_str() {
            Some(k) => k,
            None => {
                display = file.path.display().to_string();
                &display
            }
        };
        let cursor = cursors.get(file.format.source()).and_then(|m| m.get(key));
        let idle = id.is_idle(now.ns) && !file.format.is_document();
        let plan = files::verify_resume(files::plan(cursor, &id, idle), &file.path, cursor);
        if !owners_complete || !matches!(plan, Plan::Unchanged) {
            keys.push((file.format.source(), key.to_owned()));
        }
        match plan {
            Plan::Unchanged => {
                summary.files_unchanged += 1;
                if let Some(c) = cursor.filter(|c| c.offset < c.size) {
                    summary
                        .pending_tails
                        .push((key.to_owned(), c.size - c.offset));
                }
            }
            _ => work.push((file, id, plan)),
        }
    }
    let owners = owners_of(store, reader, &work, &keys, owners_complete, env)?;
    if let Some(h) = health {
        h.to_read(work.iter().map(|(f, _, _)| f.format));
    }
    let total: u64 = work
        .iter()
        .map(|(_, id, plan)| match plan {
            Plan::Resume { offset, .. } => id.size.saturating_sub(*offset),
            _ => id.size,
        })
        .sum();
    progress.start(total);

    let sink = Sink::new(store);
    let shared = Mutex::new(summary);
    let fatal: Mutex<Option<crate::store::StoreError>> = Mutex::new(None);
    work.into_par_iter().for_each(|(file, id, plan)| {
        if fatal.lock().map(|f| f.is_some()).unwrap_or(true) {
            return;
        }
        // A file is read as the developer who first read it (`owners_of`).
        let owner = owners
            .get(&(file.format.source(), key_of(&file)))
            .map_or(env.developer, String::as_str);
        let env = &ParseEnv {
            developer: owner,
            prices: env.prices,
            projects: env.projects,
        };
        let result = if file.format.is_document() {
            ingest_document(&sink, &file, id, env, now, progress)
        } else {
            ingest_lines(&sink, &file, id, plan, env, now, progress)
        };
        match result {
            Ok(file_summary) => {
                if let Ok(mut s) = shared.lock() {
                    s.merge(file_summary);
                }
            }
            Err(e) => {
                if let Ok(mut f) = fatal.lock() {
                    f.get_or_insert(e);
                }
            }
        }
    });
    let last = sink.finish();
    progress.finish();
    if let Some(e) = fatal.into_inner().ok().flatten() {
        return Err(e);
    }
    let mut summary = shared.into_inner().unwrap_or_default();
    summary.outcome += last?;
    summary.sort();
    Ok(summary)
}

/// The pass's clock, read once: rows are held against `now + 1 day`, tails against idleness.
#[derive(Debug, Clone, Copy)]
struct Clock {
    ms: i64,
    ns: i64,
}

impl Clock {
    fn now() -> Clock {
        let since_epoch = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        Clock {
            ms: i64::try_from(since_epoch.as_millis()).unwrap_or(i64::MAX),
            ns: i64::try_from(since_epoch.as_nanos()).unwrap_or(i64::MAX),
        }
    }
}

/// Parses one line: invalid UTF-8 is replaced by U+FFFD first (so bad bytes in text or
/// paths never cost the line its usage; the numbers are ASCII and stay exact), and the
/// rows it produced are held against the bounds.
pub(crate) fn parse_piece(
    parser: &mut dyn LineParser,
    bytes: &[u8],
    loc: LineLoc,
    env: &ParseEnv<'_>,
    now_ms: i64,
    rows: &mut ParsedRows,
) {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return;
    }
    let marks = Marks::of(rows);
    if simdutf8::basic::from_utf8(bytes).is_ok() {
        parser.parse_line(bytes, loc, env, rows);
    } else {
        let valid_up_to = std::str::from_utf8(bytes)
            .err()
            .map_or(0, |e| e.valid_up_to());
        let repaired = String::from_utf8_lossy(bytes);
        parser.parse_line(repaired.as_bytes(), loc, env, rows);
        if !marks.skipped_since(rows) {
            let detail =
                format!("at byte {valid_up_to}; replaced by U+FFFD, the line's usage kept");
            rows.repair(loc, REPAIRED_UTF8, Some(detail));
        }
    }
    guard::enforce(rows, marks, loc, now_ms);
}

/// A file's cursor key: its path as shown.
fn key_of(file: &DiscoveredFile) -> String {
    file.path.display().to_string()
}

/// The owner of every file this pass reads, keyed by (source, cursor key); a file in
/// `keys` without one (read for the first time, or read before owners were kept) is
/// recorded as `env.developer`'s. Nothing to read and every owner known: no query.
fn owners_of(
    store: &Store,
    reader: &Reader,
    work: &[(DiscoveredFile, FileIdentity, Plan)],
    keys: &[(&'static str, String)],
    complete: bool,
    env: &ParseEnv<'_>,
) -> crate::store::Result<HashMap<(&'static str, String), String>> {
    if work.is_empty() && complete {
        return Ok(HashMap::new());
    }
    let mut known = reader.file_owners()?;
    let mut new = Vec::new();
    for (source, key) in keys {
        if let std::collections::hash_map::Entry::Vacant(e) =
            known.entry((source.to_string(), key.clone()))
        {
            new.push((source.to_string(), key.clone(), env.developer.to_string()));
            e.insert(env.developer.to_string());
        }
    }
    if !new.is_empty() {
        let mut batch = crate::store::WriteBatch::default();
        batch.ops.push(crate::store::ops::Op::SetFileOwners(new));
        store.writer().apply_blocking(batch)?;
    }
    Ok(work
        .iter()
        .filter_map(|(f, _, _)| {
            let (source, key) = (f.format.source(), key_of(f));
            let owner = known.get(&(source.to_string(), key.clone()))?.clone();
            Some(((source, key), owner))
        })
        .collect())
}

#[allow(clippy::too_many_arguments)]
fn ingest_lines(
    sink: &Sink<'_>,
    file: &DiscoveredFile,
    id: FileIdentity,
    plan: Plan,
    env: &ParseEnv<'_>,
    now: Clock,
    progress: &dyn Progress,
) -> crate::store::Result<IngestSummary> {
    let mut summary = IngestSummary {
        files_read: 1,
        ..Default::default()
    };
    let path_str = file.path.display().to_string();
    let (start_offset, start_line, state) = match plan {
        Plan::Resume {
            offset,
            line,
            state,
        } => (offset, line, state),
        _ => (0, 0, None),
    };
    let mut parser = file.format.new_parser(&file.path, state.as_deref());
    let mut rows = ParsedRows::default();
    let mut batch_start = start_offset;
    let mut current_line = start_line;
    let mut store_error: Option<crate::store::StoreError> = None;

    // The fingerprint of what has been read, computed at each flush (two 4 KiB reads).
    let fingerprint_file = std::fs::File::open(&file.path).ok();
    let cursor_at = |offset: u64, line: u64, state: Option<String>| FileCursor {
        source: file.format.source().to_string(),
        path: path_str.clone(),
        device: id.device,
        inode: id.inode,
        size: id.size,
        offset,
        line,
        mtime_ns: id.mtime_ns,
        state,
        fingerprint: fingerprint_file
            .as_ref()
            .and_then(|f| files::fingerprint(f, offset).ok()),
    };

    let idle = id.is_idle(now.ns);
    let read = files::read_lines(
        &file.path,
        start_offset,
        start_line,
        idle,
        |piece, after| {
            if let Piece::TooLong { line, bytes, .. } = piece {
                current_line = line;
                rows.skip(
                    LineLoc { offset: 0, line },
                    SkipReason::LineTooLong,
                    Some(format!("{bytes} bytes")),
                );
            } else if let Some((bytes, loc)) = piece.input() {
                current_line = loc.line;
                parse_piece(parser.as_mut(), bytes, loc, env, now.ms, &mut rows);
                if let Some((what, detail)) = piece.repair() {
                    rows.repair(loc, what, Some(detail));
                }
            }
            if after - batch_start >= BATCH_BYTES || rows.row_count() >= BATCH_ROWS {
                // `after` is the offset just past this line: exactly where a resume starts.
                let cursor = cursor_at(after, current_line, parser.save_state());
                match flush(
                    sink,
                    &mut rows,
                    &file.path,
                    cursor,
                    after - batch_start,
                    &mut summary,
                ) {
                    Ok(()) => {
                        progress.advance(after - batch_start);
                        batch_start = after;
                    }
                    Err(e) => {
                        store_error = Some(e);
                        return Ok(false);
                    }
                }
            }
            Ok(true)
        },
    );
    if let Some(e) = store_error {
        return Err(e);
    }
    match read {
        Ok(end) => {
            let cursor = cursor_at(end.offset, end.line, parser.save_state());
            let bytes = end.offset.saturating_sub(batch_start);
            flush(sink, &mut rows, &file.path, cursor, bytes, &mut summary)?;
            progress.advance(end.offset.saturating_sub(batch_start));
            if end.pending_tail > 0 {
                summary.pending_tails.push((path_str, end.pending_tail));
            }
        }
        Err(e) => {
            // Rows parsed before the error are still good: keep them, but leave the cursor
            // where the last flush put it, so the unread part is read next time.
            flush_rows_only(sink, &mut rows, file, &mut summary)?;
            summary.problem(&file.path, 0, SkipReason::Unreadable, Some(e.to_string()));
        }
    }
    Ok(summary)
}

fn ingest_document(
    sink: &Sink<'_>,
    file: &DiscoveredFile,
    id: FileIdentity,
    env: &ParseEnv<'_>,
    now: Clock,
    progress: &dyn Progress,
) -> crate::store::Result<IngestSummary> {
    let mut summary = IngestSummary {
        files_read: 1,
        ..Default::default()
    };
    if id.size > MAX_DOCUMENT_BYTES {
        summary.problem(
            &file.path,
            0,
            SkipReason::BadDocument,
            Some(format!(
                "{} bytes is over the {} MiB limit",
                id.size,
                MAX_DOCUMENT_BYTES >> 20
            )),
        );
        return Ok(summary);
    }
    let bytes = match std::fs::read(&file.path) {
        Ok(b) => b,
        Err(e) => {
            summary.problem(&file.path, 0, SkipReason::Unreadable, Some(e.to_string()));
            return Ok(summary);
        }
    };
    let mut rows = ParsedRows::default();
    let marks = Marks::of(&rows);
    sources::parse_document(file.format, &bytes, &file.path, env, &mut rows);
    guard::enforce(&mut rows, marks, LineLoc { offset: 0, line: 0 }, now.ms);
    let cursor = FileCursor {
        source: file.format.source().to_string(),
        path: file.path.display().to_string(),
        device: id.device,
        inode: id.inode,
        size: id.size,
        offset: id.size,
        line: 0,
        mtime_ns: id.mtime_ns,
        state: None,
        fingerprint: None,
    };
    flush(sink, &mut rows, &file.path, cursor, id.size, &mut summary)?;
    progress.advance(id.size);
    Ok(summary)
}

fn into_batch(rows: &mut ParsedRows) -> WriteBatch {
    let rows = std::mem::take(rows);
    WriteBatch {
        projects: rows.projects,
        sessions: rows.sessions,
        requests: rows.requests,
        events: rows.events,
        ..WriteBatch::default()
    }
}

/// Sends the rows and the cursor that covers them as one transaction.
fn flush(
    sink: &Sink<'_>,
    rows: &mut ParsedRows,
    path: &Path,
    cursor: FileCursor,
    input_bytes: u64,
    summary: &mut IngestSummary,
) -> crate::store::Result<()> {
    let notes = Notes::take(rows);
    summary.count_parsed(&rows.requests, &rows.sessions);
    let mut batch = into_batch(rows);
    batch.ops.extend(super::health::skipped_lines_op(
        &cursor,
        input_bytes,
        &notes.skipped,
    ));
    batch.cursors.push(cursor);
    summary.outcome += sink.push(batch, input_bytes)?;
    notes.report(summary, path);
    Ok(())
}

fn flush_rows_only(
    sink: &Sink<'_>,
    rows: &mut ParsedRows,
    file: &DiscoveredFile,
    summary: &mut IngestSummary,
) -> crate::store::Result<()> {
    let path = file.path.as_path();
    let notes = Notes::take(rows);
    summary.count_parsed(&rows.requests, &rows.sessions);
    let mut batch = into_batch(rows);
    batch.ops.extend(super::health::skipped_op(
        file.format.source(),
        &path.display().to_string(),
        false,
        &notes.skipped,
    ));
    if !batch.is_empty() {
        summary.outcome += sink.push(batch, 0)?;
    }
    notes.report(summary, path);
    Ok(())
}

/// What the parsers said about the rows of a batch: skips, assumptions, repairs.
struct Notes {
    skipped: Vec<Skip>,
    assumed: Vec<Assumption>,
    repaired: Vec<Repair>,
}

impl Notes {
    fn take(rows: &mut ParsedRows) -> Notes {
        Notes {
            skipped: std::mem::take(&mut rows.skipped),
            assumed: std::mem::take(&mut rows.assumed),
            repaired: std::mem::take(&mut rows.repaired),
        }
    }

    /// Into the summary, with the file they belong to.
    fn report(self, summary: &mut IngestSummary, path: &Path) {
        for s in self.skipped {
            summary.problem(path, s.line, s.reason, s.detail);
        }
        for a in self.assumed {
            summary.assumption(path, a.line, a.what);
        }
        for r in self.repaired {
            summary.repair(path, r.line, r.what, r.detail);
        }
    }
}
