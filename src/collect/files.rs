//! Incremental reading of one append-only file: decide from the stored cursor whether the
//! file is unchanged (one `stat`), grown (resume at the saved offset), or shrunk/replaced
//! (read again from the start; dedupe keys make that idempotent), then hand complete lines
//! to a parser. A partial last line waits for its newline; an over-long line is skipped.

use crate::store::FileCursor;
use memchr::memchr;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::os::unix::fs::MetadataExt;
use std::path::Path;

/// Longest line we parse (docs/formats.md); longer lines are reported and skipped.
pub const MAX_LINE_BYTES: usize = 16 * 1024 * 1024;
const READ_CHUNK: usize = 1024 * 1024;

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
    /// New, shrunk or replaced: read from the start with fresh parser state.
    Restart,
}

pub fn plan(cursor: Option<&FileCursor>, id: &FileIdentity) -> Plan {
    let Some(c) = cursor else {
        return Plan::Restart;
    };
    if c.device != id.device || c.inode != id.inode || id.size < c.offset {
        return Plan::Restart;
    }
    if c.size == id.size && c.mtime_ns == id.mtime_ns {
        return Plan::Unchanged;
    }
    Plan::Resume {
        offset: c.offset,
        line: c.line,
        state: c.state.clone(),
    }
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
    /// A line longer than [`MAX_LINE_BYTES`] was skipped.
    TooLong { offset: u64, line: u64, bytes: u64 },
}

/// Where reading stopped: the offset after the last complete line, and its line number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadEnd {
    pub offset: u64,
    pub line: u64,
    /// Bytes after `offset` that do not end in a newline yet.
    pub pending_tail: u64,
}

/// Reads complete lines from `start` to the end of the file as it is now. `on_piece`
/// returns `Ok(true)` to continue; the caller may flush work between pieces (the offsets
/// it sees are exactly the resume points).
pub fn read_lines(
    path: &Path,
    start_offset: u64,
    start_line: u64,
    mut on_piece: impl FnMut(Piece<'_>, u64 /* offset after this piece */) -> io::Result<bool>,
) -> io::Result<ReadEnd> {
    let mut file = File::open(path)?;
    file.seek(SeekFrom::Start(start_offset))?;
    let mut buf: Vec<u8> = Vec::with_capacity(READ_CHUNK * 2);
    let mut buf_offset = start_offset; // file offset of buf[0]
    let mut line_no = start_line;
    // When skipping an over-long line: where it started and how much we dropped.
    let mut skipping: Option<(u64, u64)> = None;
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
            let keep_going = if let Some((skip_start, dropped)) = skipping.take() {
                on_piece(
                    Piece::TooLong {
                        offset: skip_start,
                        line: line_no,
                        bytes: dropped + (end - pos) as u64,
                    },
                    after,
                )?
            } else if end - pos > MAX_LINE_BYTES {
                on_piece(
                    Piece::TooLong {
                        offset: line_start,
                        line: line_no,
                        bytes: (end - pos) as u64,
                    },
                    after,
                )?
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
        if buf.len() > MAX_LINE_BYTES {
            // Drop the over-long partial line but remember where it began.
            let (start, dropped) = skipping.unwrap_or((buf_offset, 0));
            skipping = Some((start, dropped + buf.len() as u64));
            buf_offset += buf.len() as u64;
            buf.clear();
        }
    }
    let (offset, pending) = match skipping {
        Some((start, dropped)) => (start, dropped + buf.len() as u64),
        None => (buf_offset, buf.len() as u64),
    };
    Ok(ReadEnd {
        offset,
        line: line_no,
        pending_tail: pending,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn collect(path: &Path, from: u64) -> (Vec<(String, u64, u64)>, ReadEnd) {
        let mut lines = Vec::new();
        let end = read_lines(path, from, 0, |p, _| {
            match p {
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
    fn plans_follow_identity_size_and_mtime() {
        let id = FileIdentity {
            device: 1,
            inode: 2,
            size: 100,
            mtime_ns: 5,
        };
        assert_eq!(plan(None, &id), Plan::Restart);
        let c = FileCursor {
            device: 1,
            inode: 2,
            size: 100,
            offset: 100,
            mtime_ns: 5,
            line: 9,
            ..Default::default()
        };
        assert_eq!(plan(Some(&c), &id), Plan::Unchanged);
        let grown = FileIdentity {
            size: 150,
            mtime_ns: 6,
            ..id
        };
        assert_eq!(
            plan(Some(&c), &grown),
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
        assert_eq!(plan(Some(&c), &shrunk), Plan::Restart);
        let replaced = FileIdentity { inode: 3, ..id };
        assert_eq!(plan(Some(&c), &replaced), Plan::Restart);
    }
}
