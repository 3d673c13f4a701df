//! Test helpers: run a fixture file through a parser line by line (optionally in two runs
//! with the state saved in between), with a fixed project resolver and the built-in prices.

use super::FileFormat;
use crate::collect::parse::{LineLoc, ParseEnv, ParsedRows};
use crate::collect::project::FixedProjectResolver;
use crate::pricing::PriceTable;
use std::path::{Path, PathBuf};

pub const DEVELOPER: &str = "dev@example.com";

pub fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rel)
}

pub fn projects() -> FixedProjectResolver {
    FixedProjectResolver::new()
        .with("/home/dev/api", "github.com/acme/api", "api")
        .with("/home/dev/web", "github.com/acme/web", "web")
}

/// Runs `f` with the environment every parser test uses (fixed developer and projects,
/// built-in prices).
pub fn with_env<R>(f: impl FnOnce(&ParseEnv<'_>) -> R) -> R {
    let prices = PriceTable::builtin();
    let projects = projects();
    f(&ParseEnv {
        developer: DEVELOPER,
        prices: &prices,
        projects: &projects,
    })
}

/// Splits bytes into complete lines with their locations (a trailing partial line is
/// dropped, as the pipeline would wait for its newline).
pub fn lines(bytes: &[u8]) -> Vec<(&[u8], LineLoc)> {
    let mut out = Vec::new();
    let (mut start, mut number) = (0usize, 0u64);
    while let Some(pos) = bytes[start..].iter().position(|b| *b == b'\n') {
        number += 1;
        out.push((
            &bytes[start..start + pos],
            LineLoc {
                offset: start as u64,
                line: number,
            },
        ));
        start += pos + 1;
    }
    out
}

/// Parses `bytes` as the file at `path` in one batch, or in two when `split_after` is
/// given (the parser is dropped and rebuilt from its saved state, as across two runs).
pub fn parse_batches(
    format: FileFormat,
    path: &Path,
    bytes: &[u8],
    split_after: Option<usize>,
) -> Vec<ParsedRows> {
    let prices = PriceTable::builtin();
    let projects = projects();
    let env = ParseEnv {
        developer: DEVELOPER,
        prices: &prices,
        projects: &projects,
    };
    let mut batches = vec![ParsedRows::default()];
    let mut parser = format.new_parser(path, None);
    for (i, (line, loc)) in lines(bytes).into_iter().enumerate() {
        if Some(i) == split_after {
            let saved = parser.save_state();
            parser = format.new_parser(path, saved.as_deref());
            batches.push(ParsedRows::default());
        }
        let out = batches.last_mut().expect("one batch at least");
        parser.parse_line(line, loc, &env, out);
    }
    batches
}

/// `parse_batches` with the batches' rows concatenated.
pub fn parse_bytes_split(
    format: FileFormat,
    path: &Path,
    bytes: &[u8],
    split_after: Option<usize>,
) -> ParsedRows {
    let mut all = ParsedRows::default();
    for b in parse_batches(format, path, bytes, split_after) {
        all.sessions.extend(b.sessions);
        all.requests.extend(b.requests);
        all.events.extend(b.events);
        all.projects.extend(b.projects);
        all.skipped.extend(b.skipped);
        all.assumed.extend(b.assumed);
    }
    all
}

pub fn parse_file(format: FileFormat, rel: &str) -> ParsedRows {
    let path = fixture(rel);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("fixture {}: {e}", path.display()));
    parse_bytes_split(format, &path, &bytes, None)
}

/// Parses a fixture whole and in every two-run split: what the store ends up with
/// (`store_apply`), the session rows and the skips must not depend on the split.
pub fn parse_file_checked(format: FileFormat, rel: &str) -> ParsedRows {
    let path = fixture(rel);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("fixture {}: {e}", path.display()));
    let whole = parse_bytes_split(format, &path, &bytes, None);
    let whole_stored = store_apply(&parse_batches(format, &path, &bytes, None));
    for split in 1..lines(&bytes).len() {
        let batches = parse_batches(format, &path, &bytes, Some(split));
        assert_eq!(
            store_apply(&batches),
            whole_stored,
            "{rel}: split after line {split} changed the stored rows"
        );
        let joined = parse_bytes_split(format, &path, &bytes, Some(split));
        assert_eq!(
            joined.sessions, whole.sessions,
            "{rel}: split after line {split} changed sessions"
        );
        assert_eq!(
            joined.skipped, whole.skipped,
            "{rel}: split after line {split} changed skips"
        );
        assert_eq!(
            joined.assumed, whole.assumed,
            "{rel}: split after line {split} changed assumptions"
        );
    }
    whole
}

/// What the store keeps after applying `batches` in order: requests by the domain's
/// dedupe rules (no parser ever removes a stored row), events first-wins by key.
pub fn store_apply(
    batches: &[ParsedRows],
) -> (
    Vec<crate::domain::RequestRecord>,
    Vec<crate::domain::EventRecord>,
) {
    let (mut requests, mut events) = (Vec::new(), Vec::<crate::domain::EventRecord>::new());
    for batch in batches {
        requests.extend(batch.requests.iter().cloned());
        requests = settle(&requests);
        for e in &batch.events {
            if !events.iter().any(|k| k.dedupe_key == e.dedupe_key) {
                events.push(e.clone());
            }
        }
    }
    (requests, events)
}

pub fn prices() -> PriceTable {
    PriceTable::builtin()
}

/// What the store keeps of `requests` under the domain's dedupe rules (same key, then the
/// Claude sidechain-replay rule), in first-seen order. Mirrors the store for parser tests.
pub fn settle(requests: &[crate::domain::RequestRecord]) -> Vec<crate::domain::RequestRecord> {
    use crate::domain::dedupe::{Resolution, is_replay_pair, resolve_replay, resolve_same_key};
    let mut kept: Vec<crate::domain::RequestRecord> = Vec::new();
    for incoming in requests {
        if let Some(i) = kept
            .iter()
            .position(|k| k.dedupe_key == incoming.dedupe_key)
        {
            if resolve_same_key(&kept[i], incoming) == Resolution::Replace {
                kept[i] = incoming.clone();
            }
        } else if let Some(i) = kept.iter().position(|k| is_replay_pair(k, incoming)) {
            if resolve_replay(&kept[i], incoming) == Resolution::Replace {
                kept[i] = incoming.clone();
            }
        } else {
            kept.push(incoming.clone());
        }
    }
    kept
}

/// Feeds every prefix and some byte-flipped variants of each line of `bytes` to a fresh
/// parser: nothing may panic, whatever the bytes.
pub fn assert_never_panics(format: FileFormat, bytes: &[u8]) {
    let prices = PriceTable::builtin();
    let projects = projects();
    let env = ParseEnv {
        developer: DEVELOPER,
        prices: &prices,
        projects: &projects,
    };
    let mut parser = format.new_parser(Path::new("/f/x.jsonl"), None);
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    for (line, loc) in lines(bytes) {
        let mut out = ParsedRows::default();
        for cut in (0..line.len()).step_by(5) {
            parser.parse_line(&line[..cut], loc, &env, &mut out);
        }
        for _ in 0..40 {
            let mut garbled = line.to_vec();
            if garbled.is_empty() {
                break;
            }
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            let at = (seed >> 33) as usize % garbled.len();
            garbled[at] = (seed >> 17) as u8;
            parser.parse_line(&garbled, loc, &env, &mut out);
        }
    }
}
