//! Reading a JSON line too long to hold (over 16 MiB) without losing its usage: the bytes
//! stream through a small state machine that keeps the JSON structure, numbers and short
//! strings, and drops long string values (message text, tool output). The result is a
//! small JSON line the ordinary parser reads, with every count exact.

/// Strings longer than this are dropped (replaced by `""`): ids, models, timestamps and
/// keys are far shorter; only content is this long.
pub const MAX_KEPT_STRING_BYTES: usize = 64 * 1024;
/// A skimmed line larger than this is not a usage record any parser would read.
pub const MAX_SKIMMED_BYTES: usize = 4 * 1024 * 1024;

/// Accepts the bytes of one line in pieces, in order; `finish` returns the reduced line, or
/// `None` when even the reduced line is too big (then the line is reported as too long).
#[derive(Debug, Default)]
pub struct Skimmer {
    out: Vec<u8>,
    /// Inside a string: its bytes so far (opening quote included), unless dropped.
    string: Option<Vec<u8>>,
    in_string: bool,
    escaped: bool,
    dropped: bool,
    overflow: bool,
    /// How many string values were dropped.
    pub strings_dropped: u64,
}

impl Skimmer {
    pub fn new() -> Skimmer {
        Skimmer::default()
    }

    pub fn feed(&mut self, bytes: &[u8]) {
        if self.overflow {
            return;
        }
        for &b in bytes {
            if self.in_string {
                self.string_byte(b);
            } else if b == b'"' {
                self.in_string = true;
                self.dropped = false;
                let mut s = Vec::with_capacity(64);
                s.push(b'"');
                self.string = Some(s);
            } else if !b.is_ascii_whitespace() {
                self.out.push(b);
            } else if self.out.last().is_some_and(|l| *l != b' ') {
                // Runs of whitespace between tokens become one space (never none, so two
                // tokens never merge).
                self.out.push(b' ');
            }
            if self.out.len() > MAX_SKIMMED_BYTES {
                self.overflow = true;
                self.out = Vec::new();
                return;
            }
        }
    }

    fn string_byte(&mut self, b: u8) {
        let end = !self.escaped && b == b'"';
        self.escaped = !self.escaped && b == b'\\';
        if end {
            self.in_string = false;
            match self.string.take() {
                Some(mut s) if !self.dropped => {
                    s.push(b'"');
                    self.out.extend_from_slice(&s);
                }
                _ => {
                    self.strings_dropped += 1;
                    self.out.extend_from_slice(b"\"\"");
                }
            }
            return;
        }
        if self.dropped {
            return;
        }
        if let Some(s) = &mut self.string {
            if s.len() >= MAX_KEPT_STRING_BYTES {
                self.dropped = true;
                self.string = None;
            } else {
                s.push(b);
            }
        }
    }

    /// The reduced line, or `None` when it would still be too large.
    pub fn finish(self) -> Option<Vec<u8>> {
        (!self.overflow).then_some(self.out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn skim(parts: &[&[u8]]) -> Option<String> {
        let mut s = Skimmer::new();
        for p in parts {
            s.feed(p);
        }
        s.finish().map(|b| String::from_utf8(b).unwrap())
    }

    #[test]
    fn long_strings_go_and_structure_numbers_and_short_strings_stay() {
        let big = "x".repeat(MAX_KEPT_STRING_BYTES + 10);
        let line = format!(
            r#"{{"a": "{big}", "usage": {{"input_tokens": 12345678901, "id": "m\"1"}}, "b": ["{big}", 1.5e3]}}"#
        );
        // Fed in awkward pieces: the state carries across them.
        let bytes = line.as_bytes();
        let (x, y) = bytes.split_at(7);
        let (y, z) = y.split_at(MAX_KEPT_STRING_BYTES / 2);
        assert_eq!(
            skim(&[x, y, z]).unwrap(),
            r#"{"a": "", "usage": {"input_tokens": 12345678901, "id": "m\"1"}, "b": ["", 1.5e3]}"#
        );
    }

    #[test]
    fn escaped_backslashes_end_strings_where_json_does() {
        assert_eq!(
            skim(&[br#"{"k":"a\\","n":1}"#]).unwrap(),
            r#"{"k":"a\\","n":1}"#
        );
    }

    #[test]
    fn a_line_that_stays_huge_is_refused() {
        let mut s = Skimmer::new();
        let chunk = b"1,".repeat(1024 * 1024);
        for _ in 0..3 {
            s.feed(&chunk);
        }
        assert!(s.finish().is_none());
    }
}
