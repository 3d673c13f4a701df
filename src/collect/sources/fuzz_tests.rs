//! Property tests (proptest) for every parser — Claude Code, Codex and Gemini lines, and
//! Gemini documents: arbitrary bytes never panic, and a valid usage record wrapped in random
//! surroundings (unknown fields of any JSON type, odd key order, invalid UTF-8 in text) is
//! always counted, token for token. A fixed number of cases keeps them inside `cargo test`.

use super::FileFormat;
use super::test_support::with_env;
use crate::collect::ingest::parse_piece;
use crate::collect::parse::{LineLoc, ParsedRows};
use proptest::prelude::*;
use serde_json::{Map, Value, json};
use std::path::Path;

const CASES: u32 = 96;
/// "now" for the bounds: 2026-06-01.
const NOW_MS: i64 = 1_780_272_000_000;

/// Keys any parser reads; random surroundings never use them.
const MEANINGFUL: &[&str] = &[
    "type",
    "subtype",
    "sessionId",
    "uuid",
    "timestamp",
    "cwd",
    "gitBranch",
    "requestId",
    "isSidechain",
    "isMeta",
    "isCompactSummary",
    "isApiErrorMessage",
    "apiErrorStatus",
    "costUSD",
    "error",
    "summary",
    "aiTitle",
    "compactMetadata",
    "retryAttempt",
    "level",
    "message",
    "payload",
    "id",
    "model",
    "usage",
    "content",
    "info",
    "projectHash",
    "startTime",
    "lastUpdated",
    "directories",
    "tokens",
    "toolCalls",
    "$set",
    "$rewindTo",
    "messages",
    "name",
    "call_id",
    "git",
    "originator",
    "total_token_usage",
    "last_token_usage",
    "model_name",
    "metadata",
    "input_tokens",
    "output_tokens",
    "cache_creation_input_tokens",
    "cache_read_input_tokens",
    "cache_creation",
    "speed",
    "cached_input_tokens",
    "cache_read_input_tokens",
    "reasoning_output_tokens",
    "total_tokens",
    "input",
    "prompt",
    "prompt_tokens",
    "output",
    "candidates",
    "candidates_tokens",
    "cached",
    "cached_tokens",
    "thoughts",
    "reasoning",
    "thoughts_tokens",
    "reasoning_tokens",
    "tool",
    "tool_tokens",
];

fn key() -> impl Strategy<Value = String> {
    "[a-zA-Z_$][a-zA-Z0-9_]{0,11}"
        .prop_filter("a key parsers read", |k| !MEANINGFUL.contains(&k.as_str()))
}

/// Any JSON value, nested a few levels, with any Unicode in strings.
fn value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| json!(f)),
        "\\PC{0,40}".prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::btree_map(key(), inner, 0..5)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn extras() -> impl Strategy<Value = Vec<(String, Value)>> {
    prop::collection::vec((key(), value()), 0..6)
}

/// Serializes `fields` then `extras` interleaved by `order` (serde_json's Map sorts keys, so
/// the text is written by hand to keep the random order).
fn object(fields: Vec<(String, Value)>, extras: Vec<(String, Value)>, order: u64) -> String {
    let mut all: Vec<(String, Value)> = fields.into_iter().chain(extras).collect();
    let n = all.len().max(1) as u64;
    all.rotate_left((order % n) as usize);
    let parts: Vec<String> = all
        .into_iter()
        .map(|(k, v)| format!("{}:{}", Value::String(k), v))
        .collect();
    format!("{{{}}}", parts.join(","))
}

/// Puts an invalid UTF-8 byte inside the first string value that is plain text (never into
/// a number or a key), when `corrupt` is set.
fn corrupt_text(line: String, corrupt: bool) -> Vec<u8> {
    let mut bytes = line.into_bytes();
    if corrupt && let Some(i) = find(&bytes, b"TEXT") {
        bytes[i] = 0xFF;
    }
    bytes
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Parses lines through the same path as `ingest` (invalid UTF-8 repaired, bounds held).
pub(super) fn parse_lines(format: FileFormat, path: &str, lines: &[Vec<u8>]) -> ParsedRows {
    with_env(|env| {
        let mut parser = format.new_parser(Path::new(path), None);
        let mut out = ParsedRows::default();
        let mut offset = 0u64;
        for (i, line) in lines.iter().enumerate() {
            let loc = LineLoc {
                offset,
                line: i as u64 + 1,
            };
            parse_piece(parser.as_mut(), line, loc, env, NOW_MS, &mut out);
            offset += line.len() as u64 + 1;
        }
        out
    })
}

/// Parses a Gemini legacy document as `ingest` does.
fn parse_document(bytes: &[u8]) -> ParsedRows {
    with_env(|env| {
        let mut out = ParsedRows::default();
        let path = Path::new("/x/.gemini/tmp/abc/chats/s.json");
        super::parse_document(FileFormat::GeminiJson, bytes, path, env, &mut out);
        out
    })
}

fn counts() -> impl Strategy<Value = (i64, i64, i64, i64)> {
    (
        0i64..2_000_000,
        1i64..200_000,
        0i64..2_000_000,
        0i64..5_000_000,
    )
}

const CLAUDE_PATH: &str = "/x/.claude/projects/-home-dev-api/s1.jsonl";

proptest! {
    #![proptest_config(ProptestConfig { cases: CASES, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn any_bytes_never_panic_any_parser(lines in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..200), 1..6)) {
        for format in [FileFormat::ClaudeJsonl, FileFormat::CodexJsonl, FileFormat::GeminiJsonl] {
            let _ = parse_lines(format, "/x/chats/s.jsonl", &lines);
        }
        let _ = parse_document(&lines.concat());
    }

    #[test]
    fn claude_usage_in_random_surroundings_is_counted(
        (input, output, write, read) in counts(),
        outer in extras(), inner in extras(), usage_extra in extras(),
        order in any::<u64>(), corrupt in any::<bool>(),
    ) {
        let usage = object(vec![
            ("input_tokens".into(), json!(input)),
            ("output_tokens".into(), json!(output)),
            ("cache_creation_input_tokens".into(), json!(write)),
            ("cache_read_input_tokens".into(), json!(read)),
        ], usage_extra, order);
        let message = object(vec![
            ("id".into(), json!("msg_1")),
            ("model".into(), json!("claude-sonnet-4-5-20250929")),
            ("content".into(), json!([{"type": "text", "text": "some TEXT"}])),
            ("usage".into(), serde_json::from_str(&usage).unwrap()),
        ], inner, order / 7);
        let line = object(vec![
            ("type".into(), json!("assistant")),
            ("sessionId".into(), json!("s1")),
            ("timestamp".into(), json!("2026-01-09T10:00:00.000Z")),
            ("cwd".into(), json!("/home/dev/api")),
            ("message".into(), serde_json::from_str(&message).unwrap()),
        ], outer, order / 13);
        let rows = parse_lines(FileFormat::ClaudeJsonl, CLAUDE_PATH, &[corrupt_text(line, corrupt)]);
        prop_assert!(rows.skipped.is_empty(), "{:?}", rows.skipped);
        prop_assert_eq!(rows.requests.len(), 1);
        let u = rows.requests[0].usage;
        prop_assert_eq!((u.input, u.output, u.cache_write_5m, u.cache_read), (input, output, write, read));
    }

    #[test]
    fn codex_usage_in_random_surroundings_is_counted(
        (input, output, cached, reasoning) in counts(),
        outer in extras(), info_extra in extras(), usage_extra in extras(),
        order in any::<u64>(), corrupt in any::<bool>(),
    ) {
        let cached = cached.min(input);
        let context = json!({"timestamp": "2026-01-09T10:00:00.000Z", "type": "turn_context",
            "payload": {"model": "gpt-5.2-codex", "cwd": "/home/dev/api"}}).to_string();
        let usage = object(vec![
            ("input_tokens".into(), json!(input)),
            ("cached_input_tokens".into(), json!(cached)),
            ("output_tokens".into(), json!(output)),
            ("reasoning_output_tokens".into(), json!(reasoning.min(output))),
        ], usage_extra, order);
        let info = object(vec![("last_token_usage".into(), serde_json::from_str(&usage).unwrap())], info_extra, order / 3);
        let line = object(vec![
            ("timestamp".into(), json!("2026-01-09T10:00:01.000Z")),
            ("type".into(), json!("event_msg")),
            ("payload".into(), json!({"type": "token_count", "info": serde_json::from_str::<Value>(&info).unwrap(), "note": "TEXT"})),
        ], outer, order / 5);
        let path = "/x/.codex/sessions/2026/01/09/rollout-2026-01-09T10-00-00-019dc924-30bf-7182-a6a1-5b2f0c8e9d10.jsonl";
        let rows = parse_lines(FileFormat::CodexJsonl, path, &[context.into_bytes(), corrupt_text(line, corrupt)]);
        prop_assert!(rows.skipped.is_empty(), "{:?}", rows.skipped);
        prop_assert_eq!(rows.requests.len(), 1);
        let u = rows.requests[0].usage;
        prop_assert_eq!((u.input + u.cache_read, u.cache_read, u.output), (input, cached, output));
    }

    #[test]
    fn gemini_usage_in_random_lines_and_documents_is_counted(
        (input, output, cached, thoughts) in counts(),
        msg_extra in extras(), tokens_extra in extras(), others in prop::collection::vec(value(), 0..4),
        order in any::<u64>(), corrupt in any::<bool>(),
    ) {
        let cached = cached.min(input);
        let tokens = object(vec![
            ("input".into(), json!(input)),
            ("output".into(), json!(output)),
            ("cached".into(), json!(cached)),
            ("thoughts".into(), json!(thoughts)),
        ], tokens_extra, order);
        let message = object(vec![
            ("id".into(), json!("g1")),
            ("timestamp".into(), json!("2026-01-09T10:00:05.000Z")),
            ("type".into(), json!("gemini")),
            ("model".into(), json!("gemini-2.5-pro")),
            ("content".into(), json!("a reply TEXT")),
            ("tokens".into(), serde_json::from_str(&tokens).unwrap()),
        ], msg_extra, order / 3);
        let expect = |rows: &ParsedRows| -> Result<(), TestCaseError> {
            prop_assert!(rows.skipped.is_empty(), "{:?}", rows.skipped);
            prop_assert_eq!(rows.requests.len(), 1);
            let u = rows.requests[0].usage;
            prop_assert_eq!((u.input + u.cache_read, u.cache_read, u.output), (input, cached, output + thoughts));
            Ok(())
        };
        // A JSONL chat line.
        let rows = parse_lines(FileFormat::GeminiJsonl, "/x/.gemini/tmp/abc/chats/s.jsonl", &[corrupt_text(message.clone(), corrupt)]);
        expect(&rows)?;
        // A legacy document: the message among random non-message entries.
        let mut messages: Vec<Value> = others.into_iter().filter(|v| !v.is_object()).collect();
        let at = (order as usize) % (messages.len() + 1);
        messages.insert(at, serde_json::from_str(&message).unwrap());
        let mut doc = Map::new();
        doc.insert("sessionId".into(), json!("doc1"));
        doc.insert("startTime".into(), json!("2026-01-09T10:00:00.000Z"));
        doc.insert("messages".into(), Value::Array(messages));
        let bytes = corrupt_text(serde_json::to_string_pretty(&Value::Object(doc)).unwrap(), corrupt);
        let rows = parse_document(&bytes);
        expect(&rows)?;
    }
}
