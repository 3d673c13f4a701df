//! Gemini parser tests over recorded chats (tests/fixtures/README.md lists what each file
//! exercises): last record wins, nothing answered is removed (rewinds, checkpoints),
//! legacy documents.

use crate::collect::parse::{LineLoc, ParseEnv, ParsedRows, SkipReason};
use crate::collect::sources::test_support::{
    DEVELOPER, assert_never_panics, fixture, lines, parse_batches, parse_file_checked, prices,
    projects, store_apply,
};
use crate::collect::sources::{FileFormat, parse_document};
use crate::domain::{CostSource, DedupePolicy, EventKind, TokenUsage};

const SID: &str = "6f1c9a2b-0d3e-4b5a-8c7d-9e0f1a2b3c4d";
const CHAT: &str = "gemini/tmp/e3b0c442/chats/session-2026-03-02T09-00-6f1c9a2b.jsonl";
const LEGACY: &str = "gemini/tmp/9f86d081/chats/session-2025-11-20T08-15-1a2b3c4d.json";

fn offset_of_line(rel: &str, line: u64) -> i64 {
    let bytes = std::fs::read(fixture(rel)).unwrap();
    lines(&bytes)
        .into_iter()
        .find(|(_, loc)| loc.line == line)
        .map(|(_, loc)| loc.offset as i64)
        .unwrap()
}

fn usage(input: i64, cache_read: i64, output: i64, reasoning: i64) -> TokenUsage {
    TokenUsage {
        input,
        cache_read,
        output,
        reasoning,
        ..TokenUsage::default()
    }
}

#[test]
fn the_last_record_for_a_message_wins_and_a_rewind_keeps_what_it_rewound() {
    let rows = parse_file_checked(FileFormat::GeminiJsonl, CHAT);
    let m2 = offset_of_line(CHAT, 3);
    let got: Vec<_> = rows
        .requests
        .iter()
        .map(|r| (r.dedupe_key.as_str(), r.ord, r.usage))
        .collect();
    assert_eq!(
        got,
        vec![
            // input 12840 incl. 9000 cached; thoughts 512 are output (and reasoning)
            (
                "gm:6f1c9a2b-0d3e-4b5a-8c7d-9e0f1a2b3c4d:m2",
                m2,
                usage(3840, 9000, 722, 512)
            ),
            // the same id re-appended with 40 tool tokens and more output: same key and ord
            (
                "gm:6f1c9a2b-0d3e-4b5a-8c7d-9e0f1a2b3c4d:m2",
                m2,
                usage(3880, 9000, 772, 512)
            ),
            // m4 was answered before the user rewound to m3: billed, so still counted
            (
                "gm:6f1c9a2b-0d3e-4b5a-8c7d-9e0f1a2b3c4d:m4",
                offset_of_line(CHAT, 8),
                usage(2000, 12000, 900, 0)
            ),
            (
                "gm:6f1c9a2b-0d3e-4b5a-8c7d-9e0f1a2b3c4d:m6",
                offset_of_line(CHAT, 11),
                usage(15000, 0, 400, 100)
            ),
        ]
    );
    assert!(
        rows.requests
            .iter()
            .all(|r| r.policy() == DedupePolicy::LastWins && r.session_key == SID)
    );
    assert_eq!(
        rows.requests[3].cost.source,
        CostSource::Unpriced,
        "an unknown model is unpriced"
    );
    assert_eq!(
        rows.requests[0].cost,
        prices().cost(Some("gemini-2.5-pro"), &rows.requests[0].usage, false)
    );
    // The rewind is a marker on the timeline: from m3's ordinal on, Replay may show rewound.
    let rewinds: Vec<_> = rows
        .events
        .iter()
        .filter(|e| e.kind == EventKind::Rewind)
        .map(|e| (e.ord, e.detail.clone()))
        .collect();
    assert_eq!(
        rewinds,
        vec![(
            offset_of_line(CHAT, 9),
            Some(format!("rewound_from_ord={}", offset_of_line(CHAT, 7)))
        )]
    );
    let (stored, _) = store_apply(std::slice::from_ref(&rows));
    let stored: Vec<_> = stored
        .iter()
        .map(|r| {
            (
                r.dedupe_key.rsplit(':').next().unwrap().to_owned(),
                r.usage.output,
            )
        })
        .collect();
    assert_eq!(
        stored,
        vec![
            ("m2".to_owned(), 772),
            ("m4".to_owned(), 900),
            ("m6".to_owned(), 400)
        ]
    );
}

#[test]
fn a_rewind_in_a_later_run_keeps_rows_stored_earlier() {
    let path = fixture(CHAT);
    let bytes = std::fs::read(&path).unwrap();
    // First run ends after m4 (line 8); the rewind arrives in the second run.
    let batches = parse_batches(FileFormat::GeminiJsonl, &path, &bytes, Some(8));
    assert!(
        batches[0]
            .requests
            .iter()
            .any(|r| r.dedupe_key.ends_with(":m4"))
    );
    assert!(
        batches[1]
            .events
            .iter()
            .any(|e| e.kind == EventKind::Rewind)
    );
    let (stored, events) = store_apply(&batches);
    assert!(stored.iter().any(|r| r.dedupe_key.ends_with(":m4")));
    assert!(
        events.iter().any(|e| e.dedupe_key.contains(":m3:")),
        "the rewound prompt stays on the timeline"
    );
}

#[test]
fn chat_events_sessions_project_and_bad_lines() {
    let rows = parse_file_checked(FileFormat::GeminiJsonl, CHAT);
    let rewound = format!("rewound_from_ord={}", offset_of_line(CHAT, 7));
    let got: Vec<_> = rows
        .events
        .iter()
        .map(|e| (e.kind, e.tool_name.as_deref(), e.detail.as_deref()))
        .collect();
    assert_eq!(
        got,
        vec![
            (EventKind::Prompt, None, Some("chars=22")),
            (EventKind::ToolUse, Some("run_shell_command"), None),
            (EventKind::Prompt, None, Some("chars=12")),
            (EventKind::Rewind, None, Some(rewound.as_str())),
            (EventKind::Prompt, None, Some("chars=22")),
            (EventKind::ApiError, None, Some("error")),
        ]
    );
    assert_eq!(rows.projects.len(), 1);
    assert_eq!(
        rows.projects[0].id, "github.com/acme/api",
        "the first directory names the project"
    );
    assert!(
        rows.sessions
            .iter()
            .all(|s| s.session_key == SID && s.source == "gemini_files")
    );
    assert_eq!(
        rows.sessions.last().unwrap().title.as_deref(),
        Some("Fix failing tests")
    );
    let skipped: Vec<_> = rows
        .skipped
        .iter()
        .map(|s| (s.line, s.reason.clone(), s.detail.clone()))
        .collect();
    assert_eq!(
        skipped,
        vec![
            (15, SkipReason::MalformedJson, Some("column 84".to_owned())),
            (
                17,
                SkipReason::BadValue("$rewindTo"),
                Some("unknown message id".to_owned())
            ),
        ]
    );
    let dump = format!("{rows:?}");
    for secret in [
        "list the failing",
        "npm test",
        "2 failing",
        "Quota",
        "Running them",
        "run the tests",
    ] {
        assert!(!dump.contains(secret), "row data leaked {secret:?}");
    }
}

#[test]
fn a_checkpoint_upserts_what_it_lists_and_keeps_what_it_leaves_out() {
    let bytes = concat!(
        r#"{"sessionId":"s-set","projectHash":"abc","startTime":"2026-03-02T09:00:00.000Z"}"#,
        "\n",
        r#"{"id":"a","timestamp":"2026-03-02T09:00:01.000Z","type":"gemini","model":"gemini-2.5-pro","tokens":{"input":10,"output":1}}"#,
        "\n",
        r#"{"id":"c","timestamp":"2026-03-02T09:00:02.000Z","type":"gemini","model":"gemini-2.5-pro","tokens":{"input":30,"output":3}}"#,
        "\n",
        // Compression: the checkpoint lists a summary turn (no tokens), c with a later
        // token count, and a new reply b; a is left out but was answered.
        r#"{"$set":{"messages":[{"id":"sum","timestamp":"2026-03-02T09:00:03.000Z","type":"user","content":[{"text":"summary"}]},{"id":"c","timestamp":"2026-03-02T09:00:02.000Z","type":"gemini","model":"gemini-2.5-pro","tokens":{"input":30,"output":4}},{"id":"b","timestamp":"2026-03-02T09:00:04.000Z","type":"gemini","model":"gemini-2.5-pro","tokens":{"input":20,"output":2}}]}}"#,
        "\n",
    );
    let path = fixture("gemini/tmp/abc/chats/s-set.jsonl");
    let whole = parse_batches(FileFormat::GeminiJsonl, &path, bytes.as_bytes(), None);
    let (stored, _) = store_apply(&whole);
    let got: Vec<_> = stored
        .iter()
        .map(|r| (r.dedupe_key.as_str(), r.usage.output))
        .collect();
    assert_eq!(
        got,
        vec![("gm:s-set:a", 1), ("gm:s-set:c", 4), ("gm:s-set:b", 2)]
    );
    for split in 1..4 {
        let batches = parse_batches(
            FileFormat::GeminiJsonl,
            &path,
            bytes.as_bytes(),
            Some(split),
        );
        assert_eq!(store_apply(&batches).0, stored, "split after {split}");
    }
    assert_eq!(
        whole[0].projects[0].id, "gemini:abc",
        "no directory: the project hash"
    );
}

#[test]
fn legacy_documents_upsert_their_messages() {
    let table = prices();
    let resolver = projects();
    let env = ParseEnv {
        developer: DEVELOPER,
        prices: &table,
        projects: &resolver,
    };
    let path = fixture(LEGACY);
    let mut rows = ParsedRows::default();
    parse_document(
        FileFormat::GeminiJson,
        &std::fs::read(&path).unwrap(),
        &path,
        &env,
        &mut rows,
    );
    let got: Vec<_> = rows
        .requests
        .iter()
        .map(|r| (r.dedupe_key.as_str(), r.ord, r.usage))
        .collect();
    let start = chrono::DateTime::parse_from_rfc3339("2025-11-20T08:15:00.000Z")
        .unwrap()
        .timestamp_millis();
    assert_eq!(
        got,
        vec![
            (
                "gm:1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d:g1",
                1,
                usage(4000, 1000, 600, 200)
            ),
            // tolerant names (prompt/candidates/tool_tokens); no timestamp → the session start
            (
                "gm:1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d:g2",
                2,
                usage(6025, 0, 100, 0)
            ),
        ]
    );
    assert_eq!(rows.requests[1].ts, start);
    assert_eq!(rows.events[0].detail.as_deref(), Some("chars=17"));
    assert_eq!(
        rows.projects[0].id,
        "gemini:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
    );
    assert_eq!(rows.projects[0].display_name, "gemini:9f86d081");
    assert_eq!(rows.sessions[0].started_at, start);
    assert!(rows.skipped.is_empty());
}

#[test]
fn a_broken_legacy_document_is_one_skip() {
    let table = prices();
    let resolver = projects();
    let env = ParseEnv {
        developer: DEVELOPER,
        prices: &table,
        projects: &resolver,
    };
    let path = fixture("gemini/tmp/9f86d081/chats/session-2025-11-21T10-00-deadbeef.json");
    let mut rows = ParsedRows::default();
    parse_document(
        FileFormat::GeminiJson,
        &std::fs::read(&path).unwrap(),
        &path,
        &env,
        &mut rows,
    );
    assert_eq!(rows.row_count(), 0);
    assert_eq!(rows.skipped.len(), 1);
    assert_eq!(
        (rows.skipped[0].line, rows.skipped[0].reason.clone()),
        (0, SkipReason::BadDocument)
    );
    assert!(
        rows.skipped[0]
            .detail
            .as_deref()
            .is_some_and(|d| d.starts_with("line ") && d.contains(", column "))
    );
    // Line formats ignore parse_document, document formats ignore lines.
    let mut none = ParsedRows::default();
    parse_document(FileFormat::GeminiJsonl, b"{}", &path, &env, &mut none);
    let mut parser = FileFormat::GeminiJson.new_parser(&path, None);
    parser.parse_line(
        b"{\"id\":\"x\"}",
        LineLoc { offset: 0, line: 1 },
        &env,
        &mut none,
    );
    assert_eq!(none, ParsedRows::default());
}

#[test]
fn any_bytes_parse_without_panicking() {
    assert_never_panics(
        FileFormat::GeminiJsonl,
        &std::fs::read(fixture(CHAT)).unwrap(),
    );
    let legacy = std::fs::read(fixture(LEGACY)).unwrap();
    let table = prices();
    let resolver = projects();
    let env = ParseEnv {
        developer: DEVELOPER,
        prices: &table,
        projects: &resolver,
    };
    for cut in (0..legacy.len()).step_by(13) {
        parse_document(
            FileFormat::GeminiJson,
            &legacy[..cut],
            &fixture(LEGACY),
            &env,
            &mut ParsedRows::default(),
        );
    }
}
