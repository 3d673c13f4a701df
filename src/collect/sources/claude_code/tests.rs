//! Claude Code parser tests over recorded fixtures (tests/fixtures/README.md lists what
//! each file exercises).

use crate::collect::parse::ParsedRows;
use crate::collect::sources::FileFormat;
use crate::collect::sources::test_support::{DEVELOPER, parse_file_checked, prices, settle};
use crate::domain::{CostSource, DedupePolicy, EventKind, RequestRecord, TokenUsage};

pub(super) const S: &str = "3f0b5d2e-9a4c-4f57-8a7e-0d0f6c1e2b3a";
pub(super) const MAIN: &str =
    "claude/projects/-home-dev-api/3f0b5d2e-9a4c-4f57-8a7e-0d0f6c1e2b3a.jsonl";
pub(super) const SUBAGENT: &str = "claude/projects/-home-dev-api/3f0b5d2e-9a4c-4f57-8a7e-0d0f6c1e2b3a/subagents/agent-7f3a9c.jsonl";

pub(super) fn parse(rel: &str) -> ParsedRows {
    parse_file_checked(FileFormat::ClaudeJsonl, rel)
}

pub(super) fn request<'a>(rows: &'a ParsedRows, key: &str) -> &'a RequestRecord {
    rows.requests
        .iter()
        .find(|r| r.dedupe_key == key)
        .unwrap_or_else(|| panic!("no request {key}"))
}

#[test]
fn content_block_copies_share_one_key_and_the_largest_wins() {
    let rows = parse(MAIN);
    let copies: Vec<_> = rows
        .requests
        .iter()
        .filter(|r| r.message_id.as_deref() == Some("msg_01XyZ"))
        .collect();
    assert_eq!(copies.len(), 3);
    for c in &copies {
        assert_eq!(c.dedupe_key, "cc:msg_01XyZ:req_011CAbCdEfGh");
        assert_eq!(c.policy(), DedupePolicy::LargestCopy);
        assert_eq!(
            (c.usage.input, c.usage.cache_write_5m, c.usage.cache_read),
            (4, 2241, 113_676)
        );
        assert_eq!(c.cost.source, CostSource::Computed);
    }
    // Placeholder output counts (1, 1) on early copies, the real 412 on the last.
    assert_eq!(
        copies.iter().map(|c| c.usage.output).collect::<Vec<_>>(),
        vec![1, 1, 412]
    );
    let kept = settle(&rows.requests);
    let kept = kept
        .iter()
        .find(|r| r.message_id.as_deref() == Some("msg_01XyZ"))
        .unwrap();
    assert_eq!(kept.usage.output, 412);
    assert_eq!(kept.model.as_deref(), Some("claude-sonnet-4-5-20250929"));
}

#[test]
fn requests_carry_keys_usage_and_cost_by_the_rules() {
    let rows = parse(MAIN);
    let table = prices();
    let no_req = request(&rows, "cc:msg_01NoReq");
    assert_eq!(
        no_req.usage,
        TokenUsage {
            input: 10,
            output: 20,
            cache_read: 100,
            ..TokenUsage::default()
        }
    );

    let hour = request(&rows, "cc:msg_01Hour:req_01Hour");
    // The breakdown object wins; the flat 9999 is ignored.
    assert_eq!(
        (hour.usage.cache_write_5m, hour.usage.cache_write_1h),
        (0, 5000)
    );
    assert_eq!(
        hour.cost,
        table.cost(Some("claude-opus-4-7"), &hour.usage, false)
    );

    let big = request(&rows, "cc:msg_01Big:req_01Big");
    assert_eq!(big.usage.input, 250_000);
    assert_eq!(
        big.cost,
        table.cost(Some("claude-sonnet-4-5-20250929"), &big.usage, false)
    );
    assert_eq!(big.cost.source, CostSource::Computed);

    let unknown = request(&rows, "cc:msg_01Unk:req_01Unk");
    assert_eq!(unknown.cost.source, CostSource::Unpriced);
    assert_eq!(unknown.model.as_deref(), Some("acme-local-llm-7b"));

    let fast = request(&rows, "cc:msg_01Fast:req_01Fast");
    assert!(fast.fast);
    assert_eq!(
        fast.cost,
        table.cost(Some("claude-opus-4-6"), &fast.usage, true)
    );

    for r in &rows.requests {
        assert_eq!(
            (r.session_key.as_str(), r.developer.as_str()),
            (S, DEVELOPER)
        );
        assert_eq!(r.project_id.as_deref(), Some("github.com/acme/api"));
        assert!(!r.sidechain);
    }
    // Error lines are never requests.
    assert!(
        rows.requests
            .iter()
            .all(|r| r.model.as_deref() != Some("<synthetic>"))
    );
    assert!(
        rows.requests
            .iter()
            .all(|r| r.dedupe_key != "cc:msg_01ErrRate:req_01ErrRate")
    );
    assert_eq!(rows.requests.len(), 3 + 5);
    assert!(rows.skipped.is_empty(), "{:?}", rows.skipped);
}

#[test]
fn events_are_metadata_only() {
    let rows = parse(MAIN);
    let got: Vec<_> = rows
        .events
        .iter()
        .map(|e| {
            (
                e.kind,
                e.tool_name.as_deref(),
                e.status_code,
                e.detail.as_deref(),
                e.dedupe_key.as_str(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (
                EventKind::Prompt,
                None,
                None,
                Some("chars=33"),
                "cc:ev:a1000000-0000-4000-8000-000000000001"
            ),
            (
                EventKind::ToolUse,
                Some("Bash"),
                None,
                None,
                "cc:tool:toolu_01Abc"
            ),
            (
                EventKind::Compaction,
                None,
                None,
                Some("auto"),
                "cc:ev:a1000000-0000-4000-8000-000000000008"
            ),
            (
                EventKind::ApiError,
                None,
                Some(529),
                Some("retry=1"),
                "cc:ev:a1000000-0000-4000-8000-000000000010"
            ),
            (
                EventKind::ApiError,
                None,
                None,
                Some("usage_limit"),
                "cc:ev:a1000000-0000-4000-8000-000000000011"
            ),
            (
                EventKind::ApiError,
                None,
                Some(429),
                Some("rate_limit"),
                "cc:ev:a1000000-0000-4000-8000-000000000012"
            ),
            (
                EventKind::Prompt,
                None,
                None,
                Some("chars=27"),
                "cc:ev:a1000000-0000-4000-8000-000000000013"
            ),
        ]
    );
    assert!(rows.events.iter().all(|e| e.session_key == S));
    // The serialized rows hold no prompt, output, tool input or tool output text.
    let dump = format!("{rows:?}");
    for secret in [
        "deterministic\"",
        "cargo test",
        "3 passed",
        "Overloaded",
        "usage limit",
        "screenshot",
        "docs",
    ] {
        assert!(!dump.contains(secret), "row data leaked {secret:?}");
    }
}

#[test]
fn sessions_get_project_branch_and_titles() {
    let rows = parse(MAIN);
    assert_eq!(rows.projects.len(), 1);
    assert_eq!(rows.projects[0].id, "github.com/acme/api");
    assert!(!rows.sessions.is_empty());
    for s in &rows.sessions {
        assert_eq!(
            (s.session_key.as_str(), s.source.as_str()),
            (S, "claude_code_files")
        );
        assert_eq!(s.project_id.as_deref(), Some("github.com/acme/api"));
        assert_eq!(s.branch.as_deref(), Some("main"));
    }
    assert_eq!(
        rows.sessions[0].title.as_deref(),
        Some("Fix flaky retry test")
    );
    let last = rows.sessions.last().unwrap();
    assert_eq!(last.title.as_deref(), Some("Deterministic retry tests"));
    assert_eq!(
        last.last_activity_at,
        rows.requests.iter().map(|r| r.ts).max().unwrap()
    );
}

#[test]
fn subagent_files_fold_into_the_parent_session_and_replays_are_dropped() {
    let parent = parse(MAIN);
    let nested = parse(SUBAGENT);
    let old_flat = parse("claude/projects/-home-dev-api/agent-5e1d.jsonl");
    for r in nested.requests.iter().chain(&old_flat.requests) {
        assert_eq!(r.session_key, S);
        assert!(r.sidechain);
    }
    assert!(
        nested
            .sessions
            .iter()
            .chain(&old_flat.sessions)
            .all(|s| s.session_key == S)
    );
    // The subagent's task prompt is not a person typing.
    assert!(nested.events.iter().all(|e| e.kind != EventKind::Prompt));
    assert_eq!(nested.events[0].tool_name.as_deref(), Some("Grep"));
    let replay = request(&nested, "cc:msg_01XyZ:req_02Replay");
    assert_eq!(replay.message_id.as_deref(), Some("msg_01XyZ"));

    let mut all = parent.requests.clone();
    all.extend(nested.requests.iter().cloned());
    all.extend(old_flat.requests.iter().cloned());
    let kept = settle(&all);
    let xyz: Vec<_> = kept
        .iter()
        .filter(|r| r.message_id.as_deref() == Some("msg_01XyZ"))
        .collect();
    assert_eq!(xyz.len(), 1);
    assert!(!xyz[0].sidechain, "the parent copy beats the /btw replay");
    assert_eq!(xyz[0].usage.output, 412);
    for own in ["cc:msg_01Sub:req_011Sub", "cc:msg_01Old5e:req_01Old5e"] {
        assert!(
            kept.iter().any(|r| r.dedupe_key == own),
            "{own} counts toward the parent"
        );
    }
    // Replay first, parent later: the parent still wins.
    let mut reversed = nested.requests.clone();
    reversed.extend(parent.requests.iter().cloned());
    let kept = settle(&reversed);
    let xyz: Vec<_> = kept
        .iter()
        .filter(|r| r.message_id.as_deref() == Some("msg_01XyZ"))
        .collect();
    assert_eq!(
        (xyz.len(), xyz[0].sidechain, xyz[0].usage.output),
        (1, false, 412)
    );
}
