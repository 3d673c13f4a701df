//! Incremental reading of one append-only file: decide from the stored cursor whether the
//! file is unchanged (one `stat`), grown (resume at the saved offset, after checking that
//! the bytes already read are still there), or shrunk/replaced/rewritten (read again from
//! the start; dedupe keys make that idempotent), then hand complete lines to a parser. A
//! partial last line waits for its newline until the file has been idle for
//! [`TAIL_IDLE`]; a line over 16 MiB is skimmed (see `skim.rs`) rather than dropped.

use super::parse::{LineLoc, REPAIRED_IDLE_TAIL, REPAIRED_LONG_LINE};
use super::skim::Skimmer;
use crate::store::FileCursor;
use memchr::memchr;
use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::os::unix::fs::{FileExt, MetadataExt};
use std::path::Path;
use std::time::Duration;

/// Longest line parsed as is; longer lines are skimmed for their usage.
pub const MAX_LINE_BYTES: usize = 16 * 1024 * 1024;
const READ_CHUNK: usize = 1024 * 1024;
/// A last line without a newline is read as complete once its file has not been modified
/// for this long (agents write whole lines; a tail this old belongs to an agent that
/// stopped mid-write or never writes the final newline), and only if it is whole JSON.
pub const TAIL_IDLE: Duration = Duration::from_secs(5 * 60);
/// How many bytes at the start and before the cursor's offset the fingerprint covers.
pub const FINGERPRINT_BYTES: u64 = 4096;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileIdentity {
    pub device: u64,
    pub inode: u64,
    pub size: u64,
    pub mtime_ns: i64,
}

impl FileIdentity {
    pub fn of(meta: &std::fs::Metadata) -> FileIdentity {
        FileIdentity {
            device: meta.dev(),
            inode: meta.ino(),
            size: meta.len(),
            mtime_ns: meta.mtime() * 1_000_000_000 + meta.mtime_nsec(),
        }
    }

    /// Not modified for [`TAIL_IDLE`] as of `now_ns` (Unix nanoseconds).
    pub fn is_idle(&self, now_ns: i64) -> bool {
        now_ns.saturating_sub(self.mtime_ns) >= TAIL_IDLE.as_nanos() as i64
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Plan {
    /// Same identity, size and mtime as last time: nothing to read.
    Unchanged,
    /// Grown: read from `offset` (line numbers continue from `line`).
    Resume {
        offset: u64,
        line: u64,
        state: Option<String>,
    },
    /// New, shrunk, replaced or rewritten: read from the start with fresh parser state.
    Restart,
}

/// What to do with a file, from its cursor and what `stat` says now. `idle`: the file has
/// not changed for [`TAIL_IDLE`], so a waiting last line is read again even if nothing
/// changed. A `Resume` still needs [`verify_resume`] (it reads a few bytes).
pub fn plan(cursor: Option<&FileCursor>, id: &FileIdentity, idle: bool) -> Plan {
    let Some(c) = cursor else {
        return Plan::Restart;
    };
    if c.device != id.device || c.inode != id.inode || id.size < c.offset {
        return Plan::Restart;
    }
    if c.size == id.size && c.mtime_ns == id.mtime_ns && !(idle && c.offset < c.size) {
        return Plan::Unchanged;
    }
    Plan::Resume {
        offset: c.offset,
        line: c.line,
        state: c.state.clone(),
    }
}

/// A `Resume` whose already-read bytes changed (the file was truncated and rewritten in
/// place, same inode) becomes a `Restart`. Cursors without a fingerprint resume as before.
pub fn verify_resume(plan: Plan, path: &Path, cursor: Option<&FileCursor>) -> Plan {
    let (Plan::Resume { offset, .. }, Some(stored)) =
        (&plan, cursor.and_then(|c| c.fingerprint.as_deref()))
    else {
        return plan;
    };
    match File::open(path).and_then(|f| fingerprint(&f, *offset)) {
        Ok(now) if now == stored => plan,
        Ok(_) => {
            tracing::info!(path = %path.display(), "file rewritten in place; reading it again");
            Plan::Restart
        }
        Err(_) => Plan::Restart,
    }
}

/// A hash of the file's first bytes and of the bytes just before `offset` (up to
/// [`FINGERPRINT_BYTES`] each), and of `offset` itself.
pub fn fingerprint(file: &File, offset: u64) -> io::Result<String> {
    let mut hash = Sha256::new();
    hash.update(offset.to_le_bytes());
    let n = FINGERPRINT_BYTES.min(offset);
    let mut buf = vec![0u8; n as usize];
    file.read_exact_at(&mut buf, 0)?;
    hash.update(&buf);
    file.read_exact_at(&mut buf, offset - n)?;
    hash.update(&buf);
    Ok(hex::encode(&hash.finalize()[..16]))
}

/// What the line reader hands out.
pub enum Piece<'a> {
    /// A complete line (without `\n`, and without a trailing `\r`), with its start offset
    /// and 1-based line number.
    Line {
        bytes: &'a [u8],
        offset: u64,
        line: u64,
    },
    /// A line over [`MAX_LINE_BYTES`] with its long string values dropped (`bytes` is the
    /// reduced line; `original_bytes` the line's real length).
    Skimmed {
        bytes: Vec<u8>,
        offset: u64,
        line: u64,
        original_bytes: u64,
    },
    /// A last line without a newline, read because the file has been idle (and the line is
    /// whole JSON).
    IdleTail {
        bytes: &'a [u8],
        offset: u64,
        line: u64,
    },
    /// A line over [`MAX_LINE_BYTES`] that stays too large even skimmed.
    TooLong { offset: u64, line: u64, bytes: u64 },
}

impl Piece<'_> {
    /// The bytes to parse and where they sit (every piece but `TooLong`).
    pub fn input(&self) -> Option<(&[u8], LineLoc)> {
        match self {
            Piece::Line {
                bytes,
                offset,
                line,
            }
            | Piece::IdleTail {
                bytes,
                offset,
                line,
            } => Some((
                bytes,
                LineLoc {
                    offset: *offset,
                    line: *line,
                },
            )),
            Piece::Skimmed {
                bytes,
                offset,
                line,
                ..
            } => Some((
                bytes,
                LineLoc {
                    offset: *offset,
                    line: *line,
                },
            )),
            Piece::TooLong { .. } => None,
        }
    }

    /// What was done to the line to read it, for the summary (label, detail).
    pub fn repair(&self) -> Option<(&'static str, String)> {
        match self {
            Piece::IdleTail { .. } => Some((
                REPAIRED_IDLE_TAIL,
                format!(
                    "no final newline; read after the file was idle {} min",
                    TAIL_IDLE.as_secs() / 60
                ),
            )),
            Piece::Skimmed { original_bytes, .. } => Some((
                REPAIRED_LONG_LINE,
                format!("{original_bytes} bytes; long text values dropped, usage kept"),
            )),
            _ => None,
        }
    }
}

/// Where reading stopped: the offset after the last complete line, and its line number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadEnd {
    pub offset: u64,
    pub line: u64,
    /// Bytes after `offset` that do not end in a newline yet.
    pub pending_tail: u64,
}

/// An over-long line being skimmed: where it started, how long it is so far.
struct Skimming {
    start: u64,
    bytes: u64,
    skimmer: Skimmer,
}

impl Skimming {
    fn piece(self, line: u64) -> Piece<'static> {
        let (start, bytes) = (self.start, self.bytes);
        match self.skimmer.finish() {
            Some(reduced) => Piece::Skimmed {
                bytes: reduced,
                offset: start,
                line,
                original_bytes: bytes,
            },
            None => Piece::TooLong {
                offset: start,
                line,
                bytes,
            },
        }
    }
}

/// True when `tail` (a last line without newline) is one whole JSON value.
fn is_whole_json(tail: &[u8]) -> bool {
    let text = String::from_utf8_lossy(tail);
    serde_json::from_str::<serde::de::IgnoredAny>(&text).is_ok()
}

/// The byte before `offset` is not a newline: the previous read ended on an idle tail.
fn resumes_mid_line(file: &File, offset: u64) -> io::Result<bool> {
    if offset == 0 {
        return Ok(false);
    }
    let mut before = [0u8; 1];
    file.read_exact_at(&mut before, offset - 1)?;
    Ok(before[0] != b'\n')
}

/// Reads complete lines from `start` to the end of the file as it is now. `on_piece`
/// returns `Ok(true)` to continue; the caller may flush work between pieces (the offsets
/// it sees are exactly the resume points). With `idle`, a last line without newline that
/// is whole JSON is handed out as [`Piece::IdleTail`].
pub fn read_lines(
    path: &Path,
    start_offset: u64,
    start_line: u64,
    idle: bool,
    mut on_piece: impl FnMut(Piece<'_>, u64 /* offset after this piece */) -> io::Result<bool>,
) -> io::Result<ReadEnd> {
    let mut file = File::open(path)?;
    // Resuming right after an idle tail (a last line read without its newline): that line
    // is already counted, so the newline the agent appends later ends it and the next line
    // is `start_line + 1`, not `+ 2`.
    let mut line_no = if resumes_mid_line(&file, start_offset)? {
        start_line.saturating_sub(1)
    } else {
        start_line
    };
    file.seek(SeekFrom::Start(start_offset))?;
    let mut buf: Vec<u8> = Vec::with_capacity(READ_CHUNK * 2);
    let mut buf_offset = start_offset; // file offset of buf[0]
    let mut skimming: Option<Skimming> = None;
    loop {
        // Read straight into the line buffer's spare capacity.
        let filled = buf.len();
        buf.resize(filled + READ_CHUNK, 0);
        let n = match file.read(&mut buf[filled..]) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {
                buf.truncate(filled);
                continue;
            }
            Err(e) => return Err(e),
        };
        buf.truncate(filled + n);
        if n == 0 {
            break;
        }
        let mut pos = 0usize;
        while let Some(nl) = memchr(b'\n', &buf[pos..]) {
            let end = pos + nl;
            let line_start = buf_offset + pos as u64;
            let after = buf_offset + end as u64 + 1;
            line_no += 1;
            let keep_going = if let Some(mut s) = skimming.take() {
                s.skimmer.feed(&buf[pos..end]);
                s.bytes += (end - pos) as u64;
                on_piece(s.piece(line_no), after)?
            } else if end - pos > MAX_LINE_BYTES {
                let mut s = Skimming {
                    start: line_start,
                    bytes: (end - pos) as u64,
                    skimmer: Skimmer::new(),
                };
                s.skimmer.feed(&buf[pos..end]);
                on_piece(s.piece(line_no), after)?
            } else {
                let mut bytes = &buf[pos..end];
                if bytes.last() == Some(&b'\r') {
                    bytes = &bytes[..bytes.len() - 1];
                }
                on_piece(
                    Piece::Line {
                        bytes,
                        offset: line_start,
                        line: line_no,
                    },
                    after,
                )?
            };
            pos = end + 1;
            if !keep_going {
                return Ok(ReadEnd {
                    offset: after,
                    line: line_no,
                    pending_tail: 0,
                });
            }
        }
        buf.drain(..pos);
        buf_offset += pos as u64;
        if skimming.is_some() || buf.len() > MAX_LINE_BYTES {
            // An over-long partial line: stream it through the skimmer instead of holding it.
            let s = skimming.get_or_insert_with(|| Skimming {
                start: buf_offset,
                bytes: 0,
                skimmer: Skimmer::new(),
            });
            s.skimmer.feed(&buf);
            s.bytes += buf.len() as u64;
            buf_offset += buf.len() as u64;
            buf.clear();
        }
    }
    if let Some(s) = skimming {
        return Ok(ReadEnd {
            offset: s.start,
            line: line_no,
            pending_tail: s.bytes,
        });
    }
    if idle && !buf.is_empty() && is_whole_json(&buf) {
        let after = buf_offset + buf.len() as u64;
        line_no += 1;
        let tail = buf.strip_suffix(b"\r").unwrap_or(&buf);
        on_piece(
            Piece::IdleTail {
                bytes: tail,
                offset: buf_offset,
                line: line_no,
            },
            after,
        )?;
        return Ok(ReadEnd {
            offset: after,
            line: line_no,
            pending_tail: 0,
        });
    }
    Ok(ReadEnd {
        offset: buf_offset,
        line: line_no,
        pending_tail: buf.len() as u64,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn collect(path: &Path, from: u64) -> (Vec<(String, u64, u64)>, ReadEnd) {
        collect_idle(path, from, false)
    }

    fn collect_idle(path: &Path, from: u64, idle: bool) -> (Vec<(String, u64, u64)>, ReadEnd) {
        let mut lines = Vec::new();
        let end = read_lines(path, from, 0, idle, |p, _| {
            match p {
                Piece::Skimmed { bytes, line, .. } => lines.push((
                    format!("<skimmed> {}", String::from_utf8_lossy(&bytes)),
                    0,
                    line,
                )),
                Piece::IdleTail {
                    bytes,
                    offset,
                    line,
                } => lines.push((
                    format!("<tail> {}", String::from_utf8_lossy(bytes)),
                    offset,
                    line,
                )),
                Piece::Line {
                    bytes,
                    offset,
                    line,
                } => lines.push((String::from_utf8_lossy(bytes).into_owned(), offset, line)),
                Piece::TooLong { offset, line, .. } => {
                    lines.push(("<too long>".into(), offset, line))
                }
            }
            Ok(true)
        })
        .unwrap();
        (lines, end)
    }

    #[test]
    fn partial_last_line_waits_for_its_newline() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.jsonl");
        std::fs::write(&path, b"a\r\nbb\ncc").unwrap();
        let (lines, end) = collect(&path, 0);
        assert_eq!(lines, vec![("a".into(), 0, 1), ("bb".into(), 3, 2)]);
        assert_eq!(
            end,
            ReadEnd {
                offset: 6,
                line: 2,
                pending_tail: 2
            }
        );
        std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap()
            .write_all(b"c\n")
            .unwrap();
        let (lines, end) = collect(&path, end.offset);
        assert_eq!(lines, vec![("ccc".into(), 6, 1)]);
        assert_eq!(end.pending_tail, 0);
    }

    #[test]
    fn an_over_long_line_is_skipped_and_its_neighbours_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.jsonl");
        let mut data = b"first\n".to_vec();
        data.extend(std::iter::repeat_n(
            b'x',
            MAX_LINE_BYTES + 3 * READ_CHUNK + 17,
        ));
        data.extend(b"\nlast\n");
        std::fs::write(&path, &data).unwrap();
        let (lines, end) = collect(&path, 0);
        assert_eq!(lines[0], ("first".into(), 0, 1));
        assert_eq!(lines[1], ("<too long>".into(), 6, 2));
        assert_eq!(lines[2].0, "last");
        assert_eq!(lines[2].2, 3);
        assert_eq!(end.offset, data.len() as u64);
    }

    #[test]
    fn an_over_long_json_line_is_skimmed_with_its_numbers_exact() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.jsonl");
        let text = "y".repeat(MAX_LINE_BYTES + 2 * READ_CHUNK);
        let long = format!(r#"{{"text":"{text}","usage":{{"input_tokens":987654321}}}}"#);
        std::fs::write(&path, format!("{{}}\n{long}\n{long}\n{{\"n\":1}}\n")).unwrap();
        let (lines, end) = collect(&path, 0);
        let skimmed = r#"<skimmed> {"text":"","usage":{"input_tokens":987654321}}"#;
        assert_eq!(
            lines
                .iter()
                .map(|l| (l.0.as_str(), l.2))
                .collect::<Vec<_>>(),
            vec![("{}", 1), (skimmed, 2), (skimmed, 3), (r#"{"n":1}"#, 4)]
        );
        assert_eq!(end.pending_tail, 0);
    }

    #[test]
    fn an_idle_whole_json_tail_is_read_and_a_torn_one_waits() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.jsonl");
        std::fs::write(&path, b"{\"a\":1}\n{\"b\":2}").unwrap();
        let (lines, end) = collect(&path, 0);
        assert_eq!(lines.len(), 1, "not idle: the tail waits");
        assert_eq!(end.pending_tail, 7);
        let (lines, end) = collect_idle(&path, 0, true);
        assert_eq!(lines[1], (r#"<tail> {"b":2}"#.to_string(), 8, 2));
        assert_eq!((end.offset, end.pending_tail), (15, 0));
        std::fs::write(&path, b"{\"a\":1}\n{\"b\":").unwrap();
        let (lines, end) = collect_idle(&path, 0, true);
        assert_eq!(lines.len(), 1, "a torn line keeps waiting even when idle");
        assert_eq!(end.pending_tail, 5);
    }

    #[test]
    fn lines_after_an_idle_tail_keep_their_numbers() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.jsonl");
        std::fs::write(&path, b"{\"a\":1}\n{\"b\":2}").unwrap();
        let mut seen = Vec::new();
        let end = read_lines(&path, 0, 0, true, |p, _| {
            if let Piece::IdleTail { line, .. } = p {
                seen.push(line);
            }
            Ok(true)
        })
        .unwrap();
        assert_eq!((end.offset, end.line, seen), (15, 2, vec![2]));
        // The agent comes back: the newline ends line 2, the next lines are 3 and 4.
        std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap()
            .write_all(b"\n{\"c\":3}\n{\"d\":4}\n")
            .unwrap();
        let mut lines = Vec::new();
        let end = read_lines(&path, end.offset, end.line, false, |p, _| {
            if let Piece::Line { bytes, line, .. } = p
                && !bytes.is_empty()
            {
                lines.push((String::from_utf8_lossy(bytes).into_owned(), line));
            }
            Ok(true)
        })
        .unwrap();
        assert_eq!(
            lines,
            vec![(r#"{"c":3}"#.to_string(), 3), (r#"{"d":4}"#.to_string(), 4)]
        );
        assert_eq!(end.line, 4);
    }

    #[test]
    fn a_file_rewritten_in_place_restarts_and_an_appended_one_resumes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.jsonl");
        std::fs::write(&path, b"{\"a\":1}\n{\"b\":2}\n").unwrap();
        let meta = std::fs::metadata(&path).unwrap();
        let id = FileIdentity::of(&meta);
        let cursor = FileCursor {
            device: id.device,
            inode: id.inode,
            size: id.size,
            offset: id.size,
            mtime_ns: id.mtime_ns - 1,
            fingerprint: Some(fingerprint(&File::open(&path).unwrap(), id.size).unwrap()),
            ..Default::default()
        };
        let resume = plan(Some(&cursor), &id, false);
        assert!(matches!(resume, Plan::Resume { offset: 16, .. }));
        assert_eq!(verify_resume(resume.clone(), &path, Some(&cursor)), resume);
        // Same inode, truncated and written again, longer.
        let f = std::fs::OpenOptions::new()
            .write(true)
            .truncate(true)
            .open(&path)
            .unwrap();
        (&f).write_all(b"{\"c\":3}\n{\"d\":4}\n{\"e\":5}\n")
            .unwrap();
        drop(f);
        let id2 = FileIdentity::of(&std::fs::metadata(&path).unwrap());
        assert_eq!(id2.inode, id.inode);
        let p = plan(Some(&cursor), &id2, false);
        assert!(matches!(p, Plan::Resume { .. }));
        assert_eq!(verify_resume(p, &path, Some(&cursor)), Plan::Restart);
    }

    #[test]
    fn plans_follow_identity_size_and_mtime() {
        let id = FileIdentity {
            device: 1,
            inode: 2,
            size: 100,
            mtime_ns: 5,
        };
        assert_eq!(plan(None, &id, false), Plan::Restart);
        let c = FileCursor {
            device: 1,
            inode: 2,
            size: 100,
            offset: 100,
            mtime_ns: 5,
            line: 9,
            ..Default::default()
        };
        assert_eq!(plan(Some(&c), &id, false), Plan::Unchanged);
        let waiting = FileCursor {
            offset: 90,
            ..c.clone()
        };
        assert_eq!(plan(Some(&waiting), &id, false), Plan::Unchanged);
        assert!(
            matches!(
                plan(Some(&waiting), &id, true),
                Plan::Resume { offset: 90, .. }
            ),
            "an idle file's waiting tail is looked at again"
        );
        let grown = FileIdentity {
            size: 150,
            mtime_ns: 6,
            ..id
        };
        assert_eq!(
            plan(Some(&c), &grown, false),
            Plan::Resume {
                offset: 100,
                line: 9,
                state: None
            }
        );
        let shrunk = FileIdentity {
            size: 50,
            mtime_ns: 6,
            ..id
        };
        assert_eq!(plan(Some(&c), &shrunk, false), Plan::Restart);
        let replaced = FileIdentity { inode: 3, ..id };
        assert_eq!(plan(Some(&c), &replaced, false), Plan::Restart);
    }
}
