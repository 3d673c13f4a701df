//! Claude Code parser tests at the edges: ccusage's peer fixtures as oracles, old-format
//! lines, broken lines and arbitrary bytes.

use super::tests::{MAIN, SUBAGENT, parse, request};
use crate::collect::parse::SkipReason;
use crate::collect::sources::FileFormat;
use crate::collect::sources::test_support::{
    assert_never_panics, fixture, parse_file, prices, settle,
};
use crate::domain::{CostSource, Money, RequestRecord, TokenUsage};
use std::collections::BTreeMap;

/// (input, output, cache creation, cache read, total, cost in micro-USD)
type Sums = (i64, i64, i64, i64, i64, i64);

fn add(sums: &mut Sums, r: &RequestRecord) {
    let u = r.usage;
    *sums = (
        sums.0 + u.input,
        sums.1 + u.output,
        sums.2 + u.cache_creation(),
        sums.3 + u.cache_read,
        sums.4 + u.total(),
        sums.5 + r.cost.amount.micro_usd(),
    );
}

#[test]
fn peer_fixtures_give_ccusage_daily_and_session_totals() {
    let mut rows = parse("peer/claude/projects/project-alpha/session-alpha/chat.jsonl");
    rows.requests
        .extend(parse("peer/claude/projects/project-beta/session-beta/chat.jsonl").requests);
    let kept = settle(&rows.requests);
    let (mut daily, mut sessions, mut total) = (BTreeMap::new(), BTreeMap::new(), Sums::default());
    for r in &kept {
        assert_eq!(r.cost.source, CostSource::Reported, "{}", r.dedupe_key);
        let day = chrono::DateTime::from_timestamp_millis(r.ts)
            .unwrap()
            .format("%Y-%m-%d")
            .to_string();
        add(daily.entry(day).or_default(), r);
        add(sessions.entry(r.session_key.clone()).or_default(), r);
        add(&mut total, r);
    }
    // The peer's published numbers for its fixtures (tests/fixtures/README.md).
    assert_eq!(daily["2026-01-09"], (300, 125, 75, 30, 530, 460_000));
    assert_eq!(daily["2026-01-10"], (300, 125, 0, 40, 465, 560_000));
    assert_eq!(daily["2026-02-03"], (130, 60, 15, 40, 245, 70_000));
    assert_eq!(
        sessions["session-alpha"],
        (600, 250, 75, 70, 995, 1_020_000)
    );
    assert_eq!(sessions["session-beta"], (130, 60, 15, 40, 245, 70_000));
    assert_eq!(total, (730, 310, 90, 110, 1240, 1_090_000));
    let fast: Vec<_> = kept
        .iter()
        .filter(|r| r.fast)
        .map(|r| r.model.as_deref())
        .collect();
    assert_eq!(fast, vec![Some("claude-opus-4-20250514")]);
}

#[test]
fn peer_all_agent_line_counts_once_with_its_reported_cost() {
    let rows = parse("peer/all-agents/claude/projects/project/session-id.jsonl");
    let r = request(&rows, "cc:claude-message:claude-request");
    assert_eq!(
        r.usage,
        TokenUsage {
            input: 100,
            output: 50,
            cache_write_5m: 20,
            cache_read: 10,
            ..TokenUsage::default()
        }
    );
    assert_eq!(r.cost.amount, Money::from_usd(0.25));
    assert_eq!(r.session_key, "claude-session");
}

#[test]
fn old_lines_keep_their_reported_cost_and_get_stable_keys() {
    let rows = parse("claude/projects/-home-dev-web/s-old.jsonl");
    let keys: Vec<_> = rows
        .requests
        .iter()
        .map(|r| r.dedupe_key.as_str())
        .collect();
    let offset = std::fs::read(fixture("claude/projects/-home-dev-web/s-old.jsonl")).unwrap();
    let third_offset = offset
        .iter()
        .enumerate()
        .filter(|(_, b)| **b == b'\n')
        .nth(1)
        .unwrap()
        .0
        + 1;
    let ts = chrono::DateTime::parse_from_rfc3339("2025-06-01T10:06:00.000Z")
        .unwrap()
        .timestamp_millis();
    assert_eq!(
        keys,
        vec![
            "cc:msg_01Old:req_01Old".to_owned(),
            "cc:uuid:c3000000-0000-4000-8000-000000000002".to_owned(),
            format!("cc:s-old:{ts}:{third_offset}"),
        ]
    );
    assert_eq!(rows.requests[0].cost.amount, Money::from_usd(0.0123));
    assert_eq!(rows.requests[0].cost.source, CostSource::Reported);
    assert_eq!(rows.requests[1].cost.amount, Money::from_usd(0.002));
    assert_eq!(
        rows.requests[2].cost,
        prices().cost(
            Some("claude-3-5-haiku-20241022"),
            &rows.requests[2].usage,
            false
        )
    );
    assert!(
        rows.requests
            .iter()
            .all(|r| r.project_id.as_deref() == Some("github.com/acme/web"))
    );
    assert!(
        rows.sessions.iter().all(|s| s.branch.is_none()),
        "an empty gitBranch is no branch"
    );
}

#[test]
fn bad_lines_are_skipped_with_reasons_and_never_echo_content() {
    let rows = parse("claude/bad-lines.jsonl");
    let skipped: Vec<_> = rows
        .skipped
        .iter()
        .map(|s| (s.line, s.reason.clone()))
        .collect();
    assert_eq!(
        skipped,
        vec![
            (2, SkipReason::MalformedJson),
            (5, SkipReason::InvalidUtf8),
            (7, SkipReason::MissingField("timestamp")),
            (8, SkipReason::BadValue("timestamp")),
            (9, SkipReason::MalformedJson),
        ]
    );
    for skip in &rows.skipped {
        let detail = skip.detail.as_deref().unwrap_or("column 0");
        assert!(
            detail
                .strip_prefix("column ")
                .is_some_and(|n| n.parse::<u32>().is_ok()),
            "{detail}"
        );
    }
    let keys: Vec<_> = rows
        .requests
        .iter()
        .map(|r| r.dedupe_key.as_str())
        .collect();
    assert_eq!(
        keys,
        vec!["cc:msg_Ok1:req_msg_Ok1", "cc:msg_Ok9:req_msg_Ok9"]
    );
}

#[test]
fn any_bytes_parse_without_panicking() {
    for rel in [
        MAIN,
        SUBAGENT,
        "claude/bad-lines.jsonl",
        "claude/projects/-home-dev-web/s-old.jsonl",
    ] {
        assert_never_panics(
            FileFormat::ClaudeJsonl,
            &std::fs::read(fixture(rel)).unwrap(),
        );
    }
    let rows = parse_file(
        FileFormat::ClaudeJsonl,
        "claude/projects/-home-dev-api/agent-5e1d.jsonl",
    );
    assert_eq!(rows.requests.len(), 1);
}
