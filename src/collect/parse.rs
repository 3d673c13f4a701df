//! The contract between the file pipeline and the per-agent parsers. Parsers are pure:
//! bytes in, rows and skip reasons out. The pipeline owns files, cursors and batching.

use crate::domain::bounds::OutOfBounds;
use crate::domain::{EventRecord, ProjectRecord, RequestRecord, SessionRecord};
use crate::pricing::PriceTable;
use std::fmt;

/// Where a line sits in its file: byte offset of its first byte and 1-based line number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineLoc {
    pub offset: u64,
    pub line: u64,
}

/// Why a line (or a whole file) contributed nothing. Shown in the ingest summary with the
/// file and line, and logged.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SkipReason {
    MalformedJson,
    InvalidUtf8,
    LineTooLong,
    /// The line is JSON but lacks something required (e.g. a timestamp on a usage line).
    MissingField(&'static str),
    /// A field has a value we cannot use (e.g. a timestamp that does not parse).
    BadValue(&'static str),
    /// The file could not be opened or read.
    Unreadable,
    /// A directory (or other non-file) where a transcript file was expected.
    NotAFile,
    /// A whole-document file (Gemini legacy `.json`) that does not parse.
    BadDocument,
    /// A count, cost or timestamp outside `crate::domain::bounds` (or of the wrong type):
    /// the record is refused, never clamped. Counted by the kind of violation.
    OutOfBounds(OutOfBounds),
}

impl SkipReason {
    /// Stable short label, used as the grouping key in summaries and JSON output.
    pub fn label(&self) -> &'static str {
        match self {
            SkipReason::MalformedJson => "malformed_json",
            SkipReason::InvalidUtf8 => "invalid_utf8",
            SkipReason::LineTooLong => "line_too_long",
            SkipReason::MissingField(_) => "missing_field",
            SkipReason::BadValue(_) => "bad_value",
            SkipReason::Unreadable => "unreadable",
            SkipReason::NotAFile => "not_a_file",
            SkipReason::BadDocument => "bad_document",
            SkipReason::OutOfBounds(e) => e.why.label(),
        }
    }
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SkipReason::MalformedJson => f.write_str("malformed JSON"),
            SkipReason::InvalidUtf8 => f.write_str("invalid UTF-8"),
            SkipReason::LineTooLong => f.write_str("line longer than 16 MiB"),
            SkipReason::MissingField(name) => write!(f, "missing field `{name}`"),
            SkipReason::BadValue(name) => write!(f, "unusable value in `{name}`"),
            SkipReason::Unreadable => f.write_str("file unreadable"),
            SkipReason::NotAFile => f.write_str("not a regular file"),
            SkipReason::BadDocument => f.write_str("document does not parse"),
            SkipReason::OutOfBounds(e) => write!(f, "{e}; record refused"),
        }
    }
}

/// One skipped line (or file, when `line` is 0), with an optional detail such as the
/// JSON error's column. Never contains content from the line itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skip {
    pub line: u64,
    pub reason: SkipReason,
    pub detail: Option<String>,
}

/// A row kept on an assumption the user should know about (e.g. a model the log never
/// names, priced as a default). `what` is fixed text, never content from the line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assumption {
    pub line: u64,
    pub what: &'static str,
}

/// A line kept after a repair the user should know about: invalid UTF-8 replaced by
/// U+FFFD, or a line over 16 MiB read with its long text values dropped. `what` is a
/// stable label; nothing from the line's content is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repair {
    pub line: u64,
    pub what: &'static str,
    pub detail: Option<String>,
}

/// Label of a line whose invalid UTF-8 was replaced before parsing.
pub const REPAIRED_UTF8: &str = "invalid_utf8_replaced";
/// Label of a line over 16 MiB whose long strings were dropped before parsing.
pub const REPAIRED_LONG_LINE: &str = "long_line_skimmed";
/// Label of a last line without a newline, read once its file was idle.
pub const REPAIRED_IDLE_TAIL: &str = "unterminated_last_line";

/// Everything parsers emit for a run of lines.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct ParsedRows {
    pub sessions: Vec<SessionRecord>,
    pub requests: Vec<RequestRecord>,
    pub events: Vec<EventRecord>,
    pub projects: Vec<ProjectRecord>,
    pub skipped: Vec<Skip>,
    pub assumed: Vec<Assumption>,
    pub repaired: Vec<Repair>,
}

impl ParsedRows {
    pub fn row_count(&self) -> usize {
        self.sessions.len() + self.requests.len() + self.events.len()
    }

    pub fn assume(&mut self, loc: LineLoc, what: &'static str) {
        self.assumed.push(Assumption {
            line: loc.line,
            what,
        });
    }

    pub fn repair(&mut self, loc: LineLoc, what: &'static str, detail: Option<String>) {
        self.repaired.push(Repair {
            line: loc.line,
            what,
            detail,
        });
    }

    /// A record refused because a value is outside the bounds.
    pub fn refuse(&mut self, loc: LineLoc, why: OutOfBounds) {
        self.skip(loc, SkipReason::OutOfBounds(why), None);
    }

    pub fn skip(&mut self, loc: LineLoc, reason: SkipReason, detail: Option<String>) {
        self.skipped.push(Skip {
            line: loc.line,
            reason,
            detail,
        });
    }
}

/// Maps a working directory to a project identity (git remote when it is a repository).
pub trait ProjectResolver: Sync {
    fn resolve(&self, cwd: &str) -> ProjectRecord;
    /// When the log itself names the remote (Codex `session_meta.git.repository_url`).
    fn resolve_remote(&self, remote_url: &str, cwd: &str) -> ProjectRecord;
}

/// What every parser may read: who the local developer is, prices, project identity.
pub struct ParseEnv<'a> {
    pub developer: &'a str,
    pub prices: &'a PriceTable,
    pub projects: &'a dyn ProjectResolver,
}

/// A parser for one line-oriented format. One instance per file per run; its state is
/// saved in the file's cursor (JSON) and restored on the next run so incremental reads
/// give the same rows as a full read.
pub trait LineParser: Send {
    /// Parse one complete line (without its newline). Must never panic on any bytes.
    fn parse_line(&mut self, line: &[u8], loc: LineLoc, env: &ParseEnv<'_>, out: &mut ParsedRows);
    /// State to persist with the cursor, or `None` when the format needs none.
    fn save_state(&self) -> Option<String>;
}
