//! Building blocks for the synthetic corpus: a seeded RNG, a pool of realistic text to slice
//! tool output and file contents from, ids in the agents' formats, and JSON string escaping.

use chrono::{DateTime, Utc};
use std::fmt::Write as _;

/// SplitMix64: tiny, fast, and the same sequence on every platform for a given seed.
#[derive(Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x9E37_79B9_7F4A_7C15)
    }

    /// A child generator for item `index`, independent of how many numbers the parent drew.
    pub fn fork(seed: u64, index: u64) -> Rng {
        let mut r = Rng::new(
            seed.wrapping_mul(0xA24B_AED4_963E_E407) ^ index.wrapping_mul(0x9FB2_1C65_1E98_DF25),
        );
        r.next_u64();
        r
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, n)`; `n` must be > 0.
    pub fn below(&mut self, n: u64) -> u64 {
        ((self.next_u64() as u128 * n as u128) >> 64) as u64
    }

    /// Uniform in `[lo, hi]`.
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo + 1)
    }

    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// Log-uniform in `[lo, hi]`: many small values, a long tail of large ones.
    pub fn log_range(&mut self, lo: u64, hi: u64) -> u64 {
        let (a, b) = ((lo.max(1)) as f64, hi as f64);
        (a * (b / a).powf(self.unit())) as u64
    }

    /// Standard log-normal sample `exp(N(0, sigma))` (Box-Muller).
    pub fn log_normal(&mut self, sigma: f64) -> f64 {
        let u1 = self.unit().max(1e-12);
        let u2 = self.unit();
        let n = (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
        (sigma * n).exp()
    }

    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize]
    }

    pub fn uuid(&mut self) -> String {
        let (a, b) = (self.next_u64(), self.next_u64());
        format!(
            "{:08x}-{:04x}-4{:03x}-{:x}{:03x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0xfff,
            8 + (b >> 62),
            (b >> 48) & 0xfff,
            b & 0xffff_ffff_ffff
        )
    }

    /// `prefix` followed by `len` base62 characters (`msg_01…`, `req_011C…`, `toolu_01…`).
    pub fn base62(&mut self, prefix: &str, len: usize) -> String {
        const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
        let mut s = String::with_capacity(prefix.len() + len);
        s.push_str(prefix);
        for _ in 0..len {
            s.push(ALPHABET[self.below(62) as usize] as char);
        }
        s
    }

    pub fn hex(&mut self, len: usize) -> String {
        let mut s = String::with_capacity(len);
        while s.len() < len {
            let _ = write!(s, "{:016x}", self.next_u64());
        }
        s.truncate(len);
        s
    }
}

const WORDS: &[&str] = &[
    "the", "retry", "handler", "returns", "error", "when", "config", "is", "missing", "cache",
    "token", "request", "session", "parse", "line", "offset", "value", "should", "we", "check",
    "test", "passes", "now", "fix", "flaky", "timeout", "build", "crate", "module", "field",
    "struct", "because", "this", "function", "and", "then", "file", "writer", "reader", "store",
    "query", "rows", "budget", "daily", "report", "über", "naïve", "café", "→", "✓",
];

const CODE_LINES: &[&str] = &[
    "fn parse_line(line: &[u8], loc: LineLoc) -> Result<Option<Row>, ParseError> {",
    "    let value: serde_json::Value = serde_json::from_slice(line)?;",
    "    if let Some(id) = value.get(\"id\").and_then(|v| v.as_str()) {",
    "        return Err(anyhow!(\"missing field `{}` in {}\", name, path.display()));",
    "    }",
    "}",
    "import { describe, it, expect } from \"vitest\";",
    "export async function loadUsage(dir: string): Promise<Usage[]> {",
    "  const files = await glob(`${dir}/**/*.jsonl`);",
    "  return rows.filter((r) => r.model !== \"<synthetic>\");",
    "def test_retry_is_deterministic(monkeypatch):",
    "    assert result == {\"ok\": True, \"count\": 3}, f\"got {result!r}\"",
    "SELECT bucket_start, sum(input_tokens) FROM rollups WHERE bucket_start >= ? GROUP BY 1;",
    "\tpath := filepath.Join(root, \"projects\", name)",
    "        let escaped = s.replace('\\\\', \"\\\\\\\\\").replace('\"', \"\\\\\\\"\");",
    "// TODO(dev): handle the C:\\Users\\dev\\AppData path on Windows",
    "    println!(\"{:>8} {:>12} {}\", day, tokens, cost);",
    "running 14 tests",
    "test store::tests::idempotent_reingest ... ok",
    "test collect::ingest::tests::resumes_after_partial_line ... ok",
    "test result: ok. 14 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.42s",
    "   Compiling agentdeck v0.1.0 (/home/dev/work/agentdeck)",
    "warning: unused variable: `offset`",
    "  --> src/collect/files.rs:88:13",
    "error[E0308]: mismatched types: expected `i64`, found `u64`",
    "2026-10-14T09:12:44.120Z INFO request finished status=200 latency_ms=41 route=\"/v1/usage\"",
    "{\"level\":\"warn\",\"msg\":\"slow query\",\"elapsed_ms\":312,\"sql\":\"SELECT * FROM requests\"}",
    "diff --git a/src/lib.rs b/src/lib.rs",
    "@@ -12,7 +12,9 @@ pub mod store;",
    "M  src/store/writer.rs",
    "?? docs/perf.md",
    "日本語のコメント: キャッシュを更新する",
    "emoji in a commit message 🚀 and a zero-width joiner 👩‍💻",
    "\u{1b}[32m✓\u{1b}[0m all checks passed",
    "",
];

/// A few MB of text that looks like source, logs and prose; tool output and file contents are
/// slices of it, so bytes are realistic without spending RNG calls per character.
pub struct TextPool {
    text: String,
    base64: String,
}

impl TextPool {
    pub fn new(seed: u64, bytes: usize) -> TextPool {
        let mut rng = Rng::fork(seed, u64::MAX);
        let mut text = String::with_capacity(bytes + 256);
        let mut line_no = 1u64;
        while text.len() < bytes {
            match rng.below(10) {
                0..=5 => {
                    let _ = write!(text, "{line_no:>6}→");
                    text.push_str(rng.pick(CODE_LINES));
                }
                6 | 7 => text.push_str(rng.pick(CODE_LINES)),
                _ => {
                    for i in 0..rng.range(4, 18) {
                        if i > 0 {
                            text.push(' ');
                        }
                        text.push_str(rng.pick(WORDS));
                    }
                    text.push('.');
                }
            }
            text.push('\n');
            line_no += 1;
        }
        const B64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let base64: String = (0..256 * 1024)
            .map(|_| B64[rng.below(64) as usize] as char)
            .collect();
        TextPool { text, base64 }
    }

    /// About `len` bytes of text starting at a random line.
    pub fn slice(&self, rng: &mut Rng, len: usize) -> &str {
        let len = len.min(self.text.len() / 2);
        let mut start = rng.below((self.text.len() - len) as u64) as usize;
        while !self.text.is_char_boundary(start) {
            start -= 1;
        }
        let mut end = start + len;
        while !self.text.is_char_boundary(end) {
            end += 1;
        }
        &self.text[start..end]
    }

    /// `len` base64 characters (thinking signatures, Codex `encrypted_content`).
    pub fn base64(&self, rng: &mut Rng, len: usize) -> &str {
        let len = len.min(self.base64.len());
        let start = rng.below((self.base64.len() - len + 1) as u64) as usize;
        &self.base64[start..start + len]
    }
}

/// Appends `s` as a JSON string literal (quotes included).
pub fn push_json_str(out: &mut String, s: &str) {
    out.push('"');
    let bytes = s.as_bytes();
    let mut run_start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let escape: &str = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x00..=0x1f => "",
            _ => continue,
        };
        out.push_str(&s[run_start..i]);
        if escape.is_empty() {
            let _ = write!(out, "\\u{b:04x}");
        } else {
            out.push_str(escape);
        }
        run_start = i + 1;
    }
    out.push_str(&s[run_start..]);
    out.push('"');
}

/// `2026-01-09T10:00:03.120Z`, the format both agents write.
pub fn iso_ms(ts_ms: i64) -> String {
    let t = DateTime::<Utc>::from_timestamp_millis(ts_ms).unwrap_or_default();
    t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// UTC calendar day of a timestamp, `YYYY-MM-DD`.
pub fn utc_day(ts_ms: i64) -> String {
    let t = DateTime::<Utc>::from_timestamp_millis(ts_ms).unwrap_or_default();
    t.format("%Y-%m-%d").to_string()
}

#[cfg(test)]
mod tests {
    #[test]
    fn escaping_round_trips_through_serde_json() {
        let nasty = "a\"b\\c\nd\te\u{1}f\u{1b}[0m→日本🚀\r";
        let mut out = String::new();
        super::push_json_str(&mut out, nasty);
        let back: String = serde_json::from_str(&out).unwrap();
        assert_eq!(back, nasty);
    }
}
