//! The reduced read (`reduce.rs`) against the whole parse: every fixture line and random
//! lines (tool output of any shape, unknown keys at every level, then torn, with a byte
//! changed or a key repeated) give the same rows, skips and repairs either way.

use super::FileFormat;
use super::fuzz_tests::parse_lines;
use super::json::WHOLE_PARSE;
use super::reduce::{Level, reduce};
use super::test_support::fixture;
use crate::collect::parse::ParsedRows;
use proptest::prelude::*;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

const CASES: u32 = 256;
const CLAUDE_PATH: &str = "/x/.claude/projects/-home-dev-api/s1.jsonl";
const CODEX_PATH: &str = "/x/.codex/sessions/2026/01/09/rollout-2026-01-09T10-00-00-019dc924-30bf-7182-a6a1-5b2f0c8e9d10.jsonl";

fn parse(format: FileFormat, path: &Path, lines: &[Vec<u8>], whole: bool) -> ParsedRows {
    WHOLE_PARSE.with(|w| w.set(whole));
    let rows = parse_lines(format, &path.to_string_lossy(), lines);
    WHOLE_PARSE.with(|w| w.set(false));
    rows
}

fn same_both_ways(format: FileFormat, path: &Path, lines: &[Vec<u8>]) -> (ParsedRows, ParsedRows) {
    (
        parse(format, path, lines, false),
        parse(format, path, lines, true),
    )
}

fn jsonl_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            jsonl_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "jsonl") {
            out.push(path);
        }
    }
}

#[test]
fn every_fixture_reads_the_same_reduced() {
    let cases = [
        (FileFormat::ClaudeJsonl, "claude"),
        (FileFormat::ClaudeJsonl, "peer/claude"),
        (FileFormat::CodexJsonl, "codex"),
        (FileFormat::CodexJsonl, "peer/codex"),
    ];
    let mut files_read = 0;
    for (format, dir) in cases {
        let mut files = Vec::new();
        jsonl_files(&fixture(dir), &mut files);
        for file in files {
            let bytes = std::fs::read(&file).unwrap();
            let lines: Vec<Vec<u8>> = bytes.split(|b| *b == b'\n').map(<[u8]>::to_vec).collect();
            let (reduced, whole) = same_both_ways(format, &file, &lines);
            assert_eq!(reduced, whole, "{}", file.display());
            files_read += 1;
        }
    }
    assert!(files_read > 10, "fixtures found: {files_read}");
}

#[test]
fn tool_output_is_dropped_and_what_parsers_read_is_kept() {
    let line = json!({
        "type": "user", "sessionId": "s1", "timestamp": "2026-01-09T10:00:00.000Z",
        "toolUseResult": {"stdout": "x\n\"y\"", "content": [1, {"text": "t"}]},
        "message": {"role": "user", "content": [
            {"type": "tool_result", "tool_use_id": "t1", "content": [{"type": "text", "text": "out"}]},
            "stray"
        ]}
    })
    .to_string();
    let mut out = Vec::new();
    assert!(reduce(
        line.as_bytes(),
        super::claude_code::read_level(),
        &mut out
    ));
    let reduced: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(
        reduced,
        json!({
            "type": "user", "sessionId": "s1", "timestamp": "2026-01-09T10:00:00.000Z",
            "message": {"content": [
                {"type": "tool_result"},
                "stray"
            ]}
        })
    );
}

/// A string of bytes that matter to JSON strings, long enough to cross 64-byte blocks.
fn string_body() -> impl Strategy<Value = Vec<u8>> {
    let byte = prop_oneof![
        4 => Just(b'a'),
        3 => Just(b'\\'),
        2 => Just(b'"'),
        1 => Just(b'u'),
        1 => Just(b'0'),
        1 => Just(b'F'),
        1 => Just(b'n'),
        1 => Just(b'/'),
        1 => Just(b'x'),
        1 => Just(0x1f),
        1 => Just(0xc3),
    ];
    prop::collection::vec(byte, 0..200)
}

/// Bytes a mutation puts into a line: structure, escapes, number parts, a control byte.
fn mutation_byte() -> impl Strategy<Value = u8> {
    prop::sample::select(b"\"\\{}[],:0-+e.E u\x01 9tfn".to_vec())
}

/// Tool output of any shape: nested values with escapes, numbers and literals.
fn tool_output() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        (-1e6f64..1e6).prop_map(|f| json!(f)),
        "(\\PC|[\"\\\\\n\t/\u{1}])(\\PC|[\"\\\\\n\t])*".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 32, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::btree_map("(type|text|id|name|content|[a-z]{1,6})", inner, 0..5)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// What happens to a line before it is read: nothing, torn, a byte changed or inserted,
/// or a key repeated.
#[derive(Debug, Clone)]
enum Damage {
    None,
    Torn(usize),
    Changed(usize, u8),
    Inserted(usize, u8),
    /// Inserted just before one of the line's brackets, braces, commas, colons or quotes.
    AtStructure(usize, u8),
    Repeated(&'static str),
}

fn damage() -> impl Strategy<Value = Damage> {
    prop_oneof![
        2 => Just(Damage::None),
        1 => any::<usize>().prop_map(Damage::Torn),
        3 => (any::<usize>(), mutation_byte()).prop_map(|(at, b)| Damage::Changed(at, b)),
        2 => (any::<usize>(), mutation_byte()).prop_map(|(at, b)| Damage::Inserted(at, b)),
        3 => (any::<usize>(), mutation_byte()).prop_map(|(at, b)| Damage::AtStructure(at, b)),
        1 => prop::sample::select(vec!["type", "message", "content", "id", "text", "payload", "usage"])
            .prop_map(Damage::Repeated),
    ]
}

fn apply(line: String, damage: &Damage) -> Vec<u8> {
    let mut bytes = line.into_bytes();
    let n = bytes.len();
    match *damage {
        Damage::None => {}
        Damage::Torn(at) => bytes.truncate(at % n),
        Damage::Changed(at, b) => bytes[at % n] = b,
        Damage::Inserted(at, b) => bytes.insert(at % n, b),
        Damage::AtStructure(k, b) => {
            let marks: Vec<usize> = (0..n)
                .filter(|&i| b"[]{},:\"".contains(&bytes[i]))
                .collect();
            bytes.insert(marks[k % marks.len()], b);
        }
        Damage::Repeated(key) => {
            let needle = format!("\"{key}\":");
            let text = String::from_utf8(bytes).unwrap();
            let repeated = text.replacen(&needle, &format!("{needle}1,{needle}"), 1);
            bytes = repeated.into_bytes();
        }
    }
    bytes
}

fn claude_line(kind: &str, output: Value, extra: Value, mode: &str) -> String {
    let message = match kind {
        "user" => json!({"role": "user", "content": [
            {"type": "tool_result", "tool_use_id": "toolu_1", "content": output.clone(), "x": extra.clone()}
        ]}),
        "prompt" => json!({"role": "user", "content": "fix the TEXT \"quoted\"\n"}),
        _ => json!({"id": "msg_1", "model": "claude-sonnet-4-5-20250929", "role": "assistant",
            "content": [
                {"type": "thinking", "thinking": output.clone(), "signature": "c2ln"},
                {"type": "text", "text": "done \\ ok"},
                {"type": "tool_use", "id": "toolu_2", "name": "Bash", "input": {"command": output.clone()}}
            ],
            "usage": {"input_tokens": 12, "output_tokens": 34, "cache_read_input_tokens": 5,
                "cache_creation": {"ephemeral_5m_input_tokens": 6, "ephemeral_1h_input_tokens": 7}}}),
    };
    json!({
        "type": if kind == "prompt" { "user" } else { kind },
        "sessionId": "s1", "uuid": "u-1", "timestamp": "2026-01-09T10:00:00.000Z",
        "cwd": "/home/dev/api", "gitBranch": "main", "permissionMode": mode,
        "toolUseResult": output, "extra": extra, "message": message
    })
    .to_string()
}

fn codex_line(kind: &str, output: Value, extra: Value) -> String {
    let payload = match kind {
        "session_meta" => {
            json!({"id": "019dc924", "cwd": "/home/dev/api", "originator": "codex_cli_rs",
            "base_instructions": {"text": output}, "git": {"branch": "main", "commit_hash": extra}})
        }
        "function_call" => json!({"type": "function_call", "name": "shell", "call_id": "c1",
            "arguments": output, "x": extra}),
        "function_call_output" => {
            json!({"type": "function_call_output", "call_id": "c1", "output": output})
        }
        _ => json!({"type": "token_count", "rate_limits": output, "info": {
            "last_token_usage": {"input_tokens": 100, "cached_input_tokens": 40, "output_tokens": 9,
                "reasoning_output_tokens": 2, "total_tokens": 109}, "model": "gpt-5.2-codex", "x": extra}}),
    };
    let kind = match kind {
        "session_meta" => "session_meta",
        "token_count" => "event_msg",
        _ => "response_item",
    };
    json!({"timestamp": "2026-01-09T10:00:01.000Z", "type": kind, "payload": payload}).to_string()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: CASES, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn strings_are_refused_exactly_when_serde_json_refuses_them(body in string_body()) {
        let mut line = b"{\"skipped\":\"".to_vec();
        line.extend_from_slice(&body);
        line.extend_from_slice(b"\"}");
        let mut out = Vec::new();
        let reduced = reduce(&line, &Level::keys(Some(&[])), &mut out);
        let serde = serde_json::from_slice::<serde::de::IgnoredAny>(&line).is_ok();
        prop_assert_eq!(reduced, serde, "{:?}", String::from_utf8_lossy(&line));
    }

    #[test]
    fn values_are_refused_exactly_when_serde_json_refuses_them(value in tool_output(), damage in damage()) {
        let line = apply(format!("{{\"skipped\": {value} }}"), &damage);
        let mut out = Vec::new();
        let reduced = reduce(&line, &Level::keys(Some(&[])), &mut out);
        let serde = line.trim_ascii_start().first() == Some(&b'{')
            && serde_json::from_slice::<serde::de::IgnoredAny>(&line).is_ok();
        prop_assert_eq!(reduced, serde, "{:?}", String::from_utf8_lossy(&line));
    }

    #[test]
    fn claude_lines_read_the_same_reduced(
        kind in prop::sample::select(vec!["user", "assistant", "prompt"]),
        output in tool_output(), extra in tool_output(),
        mode in prop::sample::select(vec!["default", "bypassPermissions"]),
        damage in damage(),
    ) {
        let lines = vec![apply(claude_line(kind, output, extra, mode), &damage)];
        let (reduced, whole) = same_both_ways(FileFormat::ClaudeJsonl, Path::new(CLAUDE_PATH), &lines);
        prop_assert_eq!(reduced, whole);
    }

    #[test]
    fn codex_lines_read_the_same_reduced(
        kind in prop::sample::select(vec!["session_meta", "function_call", "function_call_output", "token_count"]),
        output in tool_output(), extra in tool_output(),
        damage in damage(),
    ) {
        let context = json!({"timestamp": "2026-01-09T10:00:00.000Z", "type": "turn_context",
            "payload": {"model": "gpt-5.2-codex", "cwd": "/home/dev/api"}}).to_string();
        let lines = vec![context.into_bytes(), apply(codex_line(kind, output, extra), &damage)];
        let (reduced, whole) = same_both_ways(FileFormat::CodexJsonl, Path::new(CODEX_PATH), &lines);
        prop_assert_eq!(reduced, whole);
    }
}
