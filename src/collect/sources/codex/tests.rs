//! Codex parser tests over recorded rollouts (tests/fixtures/README.md lists what each
//! file exercises).

use crate::collect::parse::ParsedRows;
use crate::collect::sources::FileFormat;
use crate::collect::sources::test_support::{
    assert_never_panics, fixture, parse_bytes_split, parse_file_checked, prices, settle,
};
use crate::domain::{CostSource, DedupePolicy, EventKind, TokenUsage};

const SID: &str = "019dc924-30bf-7182-a6a1-5b2f0c8e9d10";
const LIVE: &str = "codex/sessions/2026/04/01/rollout-2026-04-01T14-00-00-019dc924-30bf-7182-a6a1-5b2f0c8e9d10.jsonl";
const ARCHIVED: &str = "codex/archived_sessions/rollout-2026-04-01T14-00-00-019dc924-30bf-7182-a6a1-5b2f0c8e9d10.jsonl";

fn parse(rel: &str) -> ParsedRows {
    parse_file_checked(FileFormat::CodexJsonl, rel)
}

fn ms(iso: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(iso)
        .unwrap()
        .timestamp_millis()
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
fn token_counts_become_requests_with_uncached_input() {
    let rows = parse(LIVE);
    let got: Vec<_> = rows
        .requests
        .iter()
        .map(|r| (r.dedupe_key.to_string(), r.model.as_deref(), r.usage))
        .collect();
    assert_eq!(
        got,
        vec![
            // last_token_usage: input 1000 of which 800 cached
            (
                format!("cx:{SID}:{}:1200", ms("2026-04-01T14:00:12.500Z")),
                Some("gpt-5.2-codex"),
                usage(200, 800, 200, 50)
            ),
            // cumulative-only: delta of total_token_usage; the model switched via turn_context
            (
                format!("cx:{SID}:{}:3500", ms("2026-04-01T14:01:30.000Z")),
                Some("gpt-5.3-codex"),
                usage(800, 1200, 300, 50)
            ),
            // legacy cache_read_input_tokens
            (
                format!("cx:{SID}:{}:3620", ms("2026-04-01T14:02:00.000Z")),
                Some("gpt-5.3-codex"),
                usage(50, 50, 20, 0)
            ),
            // cached (600) capped at input (500)
            (
                format!("cx:{SID}:{}:4130", ms("2026-04-01T14:04:00.000Z")),
                Some("gpt-5.3-codex"),
                usage(0, 500, 10, 0)
            ),
        ]
    );
    let table = prices();
    for r in &rows.requests {
        assert_eq!(r.policy(), DedupePolicy::FirstWins);
        assert_eq!(r.session_key, SID);
        assert_eq!(r.project_id.as_deref(), Some("github.com/acme/api"));
        assert_eq!(r.cost, table.cost(r.model.as_deref(), &r.usage, false));
    }
    assert!(rows.skipped.is_empty(), "{:?}", rows.skipped);
}

#[test]
fn rollout_events_sessions_and_project() {
    let rows = parse(LIVE);
    let got: Vec<_> = rows
        .events
        .iter()
        .map(|e| (e.kind, e.tool_name.as_deref(), e.detail.as_deref()))
        .collect();
    assert_eq!(
        got,
        vec![
            (EventKind::Prompt, None, Some("chars=13")),
            (EventKind::ToolUse, Some("shell"), None),
            (EventKind::ToolUse, Some("apply_patch"), None),
            (EventKind::ToolUse, Some("local_shell"), None),
            (EventKind::ApiError, None, Some("error")),
            // `compacted` + `context_compacted` for one compaction: one event
            (EventKind::Compaction, None, None),
        ]
    );
    assert_eq!(rows.events[1].dedupe_key, format!("cx:{SID}:tool:call_1"));
    assert_eq!(rows.projects.len(), 1);
    assert_eq!(
        rows.projects[0].id, "github.com/acme/api",
        "credentials in the remote are dropped"
    );
    assert_eq!(rows.sessions[0].started_at, ms("2026-04-01T14:00:00.000Z"));
    for s in &rows.sessions {
        assert_eq!(
            (s.session_key.as_str(), s.source.as_str()),
            (SID, "codex_files")
        );
        assert_eq!(s.branch.as_deref(), Some("main"));
    }
    let dump = format!("{rows:?}");
    for secret in [
        "fix the build",
        "cargo",
        "mismatched",
        "secret",
        "ghp_",
        "Update File",
        "summary of",
    ] {
        assert!(!dump.contains(secret), "row data leaked {secret:?}");
    }
}

#[test]
fn an_archived_copy_does_not_double_count() {
    let live = parse(LIVE);
    let archived = parse(ARCHIVED);
    let live_keys: Vec<_> = live.requests.iter().map(|r| &r.dedupe_key).collect();
    let archived_keys: Vec<_> = archived.requests.iter().map(|r| &r.dedupe_key).collect();
    assert_eq!(live_keys, archived_keys);
    let mut both = live.requests.clone();
    both.extend(archived.requests);
    assert_eq!(settle(&both), live.requests);
}

#[test]
fn without_a_model_the_fallback_is_assumed() {
    let rows = parse(
        "codex/sessions/2026/04/02/rollout-2026-04-02T09-00-00-019dd000-0000-7000-8000-00000000abcd.jsonl",
    );
    let r = &rows.requests[0];
    assert_eq!(
        r.session_key, "019dd000-0000-7000-8000-00000000abcd",
        "id from the file name"
    );
    assert_eq!(r.model.as_deref(), Some(super::FALLBACK_MODEL));
    assert_eq!(r.usage, usage(90, 10, 50, 0));
    assert!(
        r.dedupe_key.ends_with(":0"),
        "no cumulative total: keyed by offset"
    );
    // A model named on the event itself wins from then on.
    assert_eq!(rows.requests[1].model.as_deref(), Some("o4-mini"));
    assert_eq!(rows.requests[1].usage, usage(200, 0, 20, 5));
    // Only the first request is priced on an assumption, and the ingest summary says where.
    let assumed: Vec<u64> = rows.assumed.iter().map(|a| a.line).collect();
    assert_eq!(assumed.len(), 1, "{:?}", rows.assumed);
    let named = parse("peer/all-agents/codex/sessions/codex-session.jsonl");
    assert!(named.assumed.is_empty(), "{:?}", named.assumed);
}

#[test]
fn subagent_replays_in_the_spawn_second_are_skipped() {
    let rows = parse(
        "codex/sessions/2026/04/03/rollout-2026-04-03T10-00-00-019dd111-1111-7111-8111-111111111111.jsonl",
    );
    assert_eq!(rows.requests.len(), 1);
    let r = &rows.requests[0];
    // Only the sub-agent's own work: the delta after the replayed totals.
    assert_eq!(r.usage, usage(300, 100, 60, 10));
    assert_eq!(r.model.as_deref(), Some("gpt-5.1-codex-mini"));
    assert_eq!(r.ts, ms("2026-04-03T10:00:20.000Z"));
}

#[test]
fn a_subagent_first_event_that_is_real_is_emitted_once_the_next_second_arrives() {
    let bytes = concat!(
        r#"{"timestamp":"2026-04-03T10:00:00.000Z","type":"session_meta","payload":{"id":"sub-1","source":{"subagent":{"thread_spawn":{"depth":1}}}}}"#,
        "\n",
        r#"{"timestamp":"2026-04-03T10:00:30.000Z","type":"event_msg","payload":{"type":"token_count","info":{"last_token_usage":{"input_tokens":10,"output_tokens":5}}}}"#,
        "\n",
        r#"{"timestamp":"2026-04-03T10:00:31.000Z","type":"event_msg","payload":{"type":"agent_message","message":"done"}}"#,
        "\n",
    );
    let path = fixture("codex/sessions/sub-1.jsonl");
    let whole = parse_bytes_split(FileFormat::CodexJsonl, &path, bytes.as_bytes(), None);
    assert_eq!(whole.requests.len(), 1);
    assert_eq!(whole.requests[0].usage, usage(10, 0, 5, 0));
    for split in 1..3 {
        let split_rows =
            parse_bytes_split(FileFormat::CodexJsonl, &path, bytes.as_bytes(), Some(split));
        assert_eq!(
            split_rows.requests, whole.requests,
            "held-back event survives a saved state"
        );
    }
}

#[test]
fn peer_fixtures_match_ccusage() {
    let rows = parse("peer/codex/sessions/project-alpha/session-alpha.jsonl");
    let got: Vec<_> = rows
        .requests
        .iter()
        .map(|r| (r.model.as_deref(), r.usage))
        .collect();
    assert_eq!(
        got,
        vec![
            (Some("gpt-5.2-codex"), usage(750, 250, 125, 75)),
            (Some("gpt-5.3-codex"), usage(1500, 500, 300, 100))
        ]
    );
    assert!(
        rows.requests
            .iter()
            .all(|r| r.session_key == "session-alpha")
    );

    // ccusage's all-agent fixture: gpt-5, input 100 (10 cached), output 50 → $0.00061375.
    let rows = parse("peer/all-agents/codex/sessions/codex-session.jsonl");
    let r = &rows.requests[0];
    assert_eq!(r.usage, usage(90, 10, 50, 0));
    assert_eq!(r.cost.source, CostSource::Computed);
    assert!((r.cost.amount.micro_usd() - 614).abs() <= 1, "{:?}", r.cost);
}

#[test]
fn any_bytes_parse_without_panicking() {
    assert_never_panics(
        FileFormat::CodexJsonl,
        &std::fs::read(fixture(LIVE)).unwrap(),
    );
}
