//! Copilot CLI parser tests over the recorded session in `tests/fixtures/copilot`.

use crate::collect::parse::SkipReason;
use crate::collect::sources::FileFormat;
use crate::collect::sources::test_support::parse_file_checked;
use crate::domain::{CostSource, TokenUsage};

const SID: &str = "5b1e2f3a-0c4d-4e5f-8a9b-0c1d2e3f4a5b";
const FILE: &str = "copilot/session-state/5b1e2f3a-0c4d-4e5f-8a9b-0c1d2e3f4a5b/events.jsonl";

#[test]
fn shutdown_snapshots_become_one_request_per_model_with_uncached_input() {
    let rows = parse_file_checked(FileFormat::CopilotJsonl, FILE);
    let got: Vec<(&str, &str, TokenUsage, CostSource)> = rows
        .requests
        .iter()
        .map(|r| {
            (
                r.dedupe_key.as_str(),
                r.model.as_deref().unwrap_or(""),
                r.usage,
                r.cost.source,
            )
        })
        .collect();
    let u = |input, output, cache_write_5m, cache_read, reasoning| TokenUsage {
        input,
        output,
        cache_write_5m,
        cache_write_1h: 0,
        cache_read,
        reasoning,
    };
    let key =
        |event: &str, model: &str| format!("cpcli:{SID}:e0000001-0000-4000-8000-{event}:{model}");
    let k1 = key("00000000000a", "claude-sonnet-4.5");
    let k2 = key("00000000000a", "gpt-5-mini");
    let k3 = format!("cpcli-credit:{SID}:claude-haiku-4.5:40000000");
    let k4 = key("000000000011", "claude-sonnet-4.5");
    let k5 = key("000000000011", "gemini-2.5-pro");
    assert_eq!(
        got,
        vec![
            // input 120000 includes 90000 cache reads and 10000 cache writes
            (
                k1.as_str(),
                "claude-sonnet-4.5",
                u(20_000, 4_000, 10_000, 90_000, 300),
                CostSource::Computed
            ),
            // AI credits stated: the vendor's charge (150,000,000 nano-AIU = $0.0015)
            (
                k2.as_str(),
                "gpt-5-mini",
                u(2_000, 500, 0, 1_000, 100),
                CostSource::Reported
            ),
            // a credit-only pair with two event ids counts once (same key)
            (
                k3.as_str(),
                "claude-haiku-4.5",
                TokenUsage::default(),
                CostSource::Reported
            ),
            (
                k3.as_str(),
                "claude-haiku-4.5",
                TokenUsage::default(),
                CostSource::Reported
            ),
            // the resumed process is its own snapshot, counted again
            (
                k4.as_str(),
                "claude-sonnet-4.5",
                u(10_000, 2_000, 0, 40_000, 0),
                CostSource::Computed
            ),
            // Gemini's thinking is apart from its output: added to output
            (
                k5.as_str(),
                "gemini-2.5-pro",
                u(8_000, 950, 0, 0, 250),
                CostSource::Computed
            ),
        ]
    );
    assert_eq!(rows.requests[1].cost.amount.micro_usd(), 1_500);
    assert!(
        rows.requests[0].cost.amount.micro_usd() > 0,
        "sonnet priced from the table"
    );
    assert!(rows.requests.iter().all(|r| r.session_key == SID));
    assert_eq!(
        rows.requests[0].project_id.as_deref(),
        Some("github.com/acme/api")
    );
    let skipped: Vec<(u64, SkipReason)> = rows
        .skipped
        .iter()
        .map(|s| (s.line, s.reason.clone()))
        .collect();
    assert_eq!(
        skipped,
        vec![
            (7, SkipReason::MalformedJson),
            (10, SkipReason::BadValue("inputTokens"))
        ]
    );
    assert_eq!(rows.sessions[0].branch.as_deref(), Some("feat/login"));
}

#[test]
fn price_names_drop_routing_suffixes_and_dash_claude_versions() {
    use super::parser::price_name;
    assert_eq!(price_name("claude-sonnet-4.5"), "claude-sonnet-4-5");
    assert_eq!(price_name("claude-opus-4.6-1m-internal"), "claude-opus-4-6");
    assert_eq!(price_name("gpt-5.2-high"), "gpt-5.2");
}

/// A busy process is charged more than 10^12 nano-AIU ($10): the credits are bounded as a
/// charge, not as a token count, so the snapshot is kept; a charge above the bound of one
/// request is still refused with the field named.
#[test]
fn credits_above_ten_dollars_are_kept_and_absurd_ones_refused() {
    use crate::collect::sources::test_support::parse_bytes_split;
    let line = |id: &str, nano: &str| {
        format!(
            r#"{{"type":"session.shutdown","id":"{id}","timestamp":"2026-03-09T10:00:00.000Z","data":{{"modelMetrics":{{"claude-opus-4.6":{{"usage":{{"inputTokens":3000000,"outputTokens":200000}},"requests":{{"count":90}},"totalNanoAiu":{nano}}}}}}}}}"#
        )
    };
    let text = format!(
        "{}\n{}\n",
        line("e1", "2500000000000"),
        line("e2", "100000000000000000")
    );
    let path = std::path::Path::new("/x/session-state/s1/events.jsonl");
    let rows = parse_bytes_split(FileFormat::CopilotJsonl, path, text.as_bytes(), None);
    assert_eq!(rows.requests.len(), 1, "{:?}", rows.skipped);
    assert_eq!(rows.requests[0].cost.source, CostSource::Reported);
    assert_eq!(rows.requests[0].cost.amount.micro_usd(), 25_000_000);
    let skipped: Vec<(u64, SkipReason)> = rows
        .skipped
        .iter()
        .map(|s| (s.line, s.reason.clone()))
        .collect();
    assert_eq!(skipped, vec![(2, SkipReason::BadValue("totalNanoAiu"))]);
}
