//! `agentdeck report reconcile` over a real store: the Anthropic bill and Claude Code
//! analytics polled from wiremock, a local Claude Code transcript ingested by the binary,
//! and a Copilot seat nobody used: the gap and its reasons, in JSON and CSV.

use crate::common::*;
use crate::sources_support::*;
use agentdeck::collect::pollers::{ApiKind, poll_once};
use agentdeck::store::ops::Op;
use agentdeck::store::vendor::SeatRow;
use serde_json::json;
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::test(flavor = "multi_thread")]
async fn the_bill_is_compared_with_local_spend_and_gaps_are_named() {
    let server = MockServer::start().await;
    let empty = json!({"data": [], "has_more": false, "next_page": null});
    Mock::given(path("/v1/organizations/usage_report/messages"))
        .respond_with(ResponseTemplate::new(200).set_body_json(empty.clone()))
        .mount(&server)
        .await;
    Mock::given(path("/v1/organizations/cost_report"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"data": [
            {"starting_at": "2026-03-08T00:00:00Z", "ending_at": "2026-03-09T00:00:00Z", "results": [
                {"currency": "USD", "amount": "250.00", "model": "claude-sonnet-4-5-20250929", "cost_type": "tokens"}]}],
            "has_more": false, "next_page": null})))
        .mount(&server)
        .await;
    Mock::given(path("/v1/organizations/usage_report/claude_code"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"data": [
            {"date": "2026-03-08", "actor": {"type": "user_actor", "email_address": "laptop-less@example.com"},
             "core_metrics": {"num_sessions": 1}, "model_breakdown": []}],
            "has_more": false, "next_page": null})))
        .mount(&server)
        .await;
    let t = store();
    poll_once(
        &spec(ApiKind::AnthropicAdmin, &server.uri(), 3),
        &t.store,
        NOW,
    )
    .await
    .unwrap();
    t.store
        .writer()
        .apply(agentdeck::store::WriteBatch {
            ops: vec![Op::UpsertSeat(SeatRow {
                source: "copilot".into(),
                developer: "idle@example.com".into(),
                plan: Some("business".into()),
                seen_at: NOW,
                ..SeatRow::default()
            })],
            ..Default::default()
        })
        .await
        .unwrap();

    // This machine's Claude Code: one request that day.
    let root = t._dir.path().join("claude");
    let proj = claude_project(&root, "-home-dev-api");
    std::fs::write(
        proj.join("s.jsonl"),
        format!(
            "{}\n",
            assistant_line(
                "s",
                "m1",
                Some("r1"),
                "2026-03-08T10:00:00.000Z",
                100_000,
                2_000,
                0
            )
        ),
    )
    .unwrap();
    let db = t.path.to_str().unwrap().to_string();
    let root = root.to_str().unwrap().to_string();
    let (doc, csv) = tokio::task::spawn_blocking(move || {
        run_ok(&["--db", &db, "ingest", "--claude-dir", &root]);
        let args = [
            "--db",
            &db,
            "report",
            "reconcile",
            "--since",
            "2026-03-07",
            "--until",
            "2026-03-10",
        ];
        let doc = json_of(&run_ok(&[&args[..], &["--json"]].concat()));
        let csv = String::from_utf8(run_ok(&[&args[..], &["--csv"]].concat()).stdout).unwrap();
        (doc, csv)
    })
    .await
    .unwrap();
    let rows = doc["reconcile"].as_array().unwrap();
    let day = rows
        .iter()
        .find(|r| r["day"] == "2026-03-08" && r["vendor"] == "anthropic")
        .unwrap_or_else(|| panic!("{doc:#}"));
    assert_eq!(day["billed_usd"], 2.5);
    // 100k input at $3/M + 2k output at $15/M
    assert_eq!(day["local_computed_usd"], 0.33);
    assert_eq!(day["gap_usd"], 2.17);
    let gaps = day["gaps"].as_array().unwrap();
    assert!(
        gaps[0]
            .as_str()
            .unwrap()
            .starts_with("missing machines: 1 developer(s)")
            && gaps[0]
                .as_str()
                .unwrap()
                .contains("laptop-less@example.com"),
        "{gaps:?}"
    );
    assert_eq!(
        doc["seats_without_usage"],
        json!([{"vendor": "copilot", "developer": "idle@example.com"}])
    );
    assert!(
        csv.starts_with(
            "day,vendor,billed_usd,vendor_estimated_usd,local_computed_usd,gap_usd,gaps\n"
        ),
        "{csv}"
    );
    assert!(
        csv.contains("2026-03-08,anthropic,2.50,,0.33,2.17,\"missing machines"),
        "{csv}"
    );
    assert!(
        csv.contains(",copilot,,,,,\"seat without usage: idle@example.com\""),
        "{csv}"
    );
}

/// Organisation-wide vendor rows (the admin usage reports carry no developer) are their
/// own line in `report reconcile`, next to what the same vendor attributed to developers.
#[test]
fn organisation_wide_vendor_tokens_are_their_own_line() {
    use agentdeck::store::vendor::{VendorTokens, VendorUsageRow};
    let t = store();
    let row = |source: &str, developer: &str, input: i64, billed: Option<i64>| {
        Op::UpsertVendorUsage(VendorUsageRow {
            source: source.into(),
            day: "2026-03-08".into(),
            developer: developer.into(),
            model: "gpt-5".into(),
            tokens: Some(VendorTokens {
                input,
                output: 1_000,
                cache_write: 0,
                cache_read: 500,
                requests: 7,
            }),
            billed_micro_usd: billed,
            ..VendorUsageRow::default()
        })
    };
    t.store
        .writer()
        .apply_blocking(agentdeck::store::WriteBatch {
            ops: vec![
                row("openai_admin", "", 40_000, Some(1_250_000)),
                row("openai_admin", "ana@example.com", 2_000, None),
            ],
            ..Default::default()
        })
        .unwrap();
    let db = t.path.to_str().unwrap();
    let args = [
        "--db",
        db,
        "report",
        "reconcile",
        "--since",
        "2026-03-07",
        "--until",
        "2026-03-10",
    ];
    let doc = json_of(&run_ok(&[&args[..], &["--json"]].concat()));
    assert_eq!(
        doc["organisation_totals"],
        json!([{
            "vendor": "openai", "source": "openai_admin",
            "input_tokens": 40_000, "output_tokens": 1_000, "cache_write_tokens": 0,
            "cache_read_tokens": 500, "total_tokens": 41_500, "requests": 7,
            "billed_usd": 1.25, "vendor_estimated_usd": null,
            "developer_attributed_tokens": 3_500,
        }]),
        "{doc:#}"
    );
    let table = String::from_utf8(run_ok(&args).stdout).unwrap();
    assert!(
        table.contains("organisation-wide vendor totals") && table.contains("41500 tokens"),
        "{table}"
    );
    let csv = String::from_utf8(run_ok(&[&args[..], &["--csv"]].concat()).stdout).unwrap();
    assert!(
        csv.contains(",openai,1.25,,,,\"organisation-wide (openai_admin): 41500 tokens"),
        "{csv}"
    );
}

/// Anthropic's organisation-wide rows come from the admin usage report and its
/// per-developer tokens from Claude Code analytics, two sources of one vendor: the
/// organisation line shows the tokens the vendor attributed to developers across both.
#[test]
fn the_organisation_line_counts_what_the_vendor_attributed_in_any_of_its_sources() {
    use agentdeck::store::vendor::{VendorTokens, VendorUsageRow};
    let t = store();
    let row = |source: &str, developer: &str, input: i64| {
        Op::UpsertVendorUsage(VendorUsageRow {
            source: source.into(),
            day: "2026-03-08".into(),
            developer: developer.into(),
            model: "claude-sonnet-4-5".into(),
            tokens: Some(VendorTokens {
                input,
                output: 100,
                cache_write: 0,
                cache_read: 0,
                requests: 0,
            }),
            ..VendorUsageRow::default()
        })
    };
    t.store
        .writer()
        .apply_blocking(agentdeck::store::WriteBatch {
            ops: vec![
                row("anthropic_admin", "", 10_000),
                row("anthropic_claude_code", "ana@example.com", 1_900),
            ],
            ..Default::default()
        })
        .unwrap();
    let db = t.path.to_str().unwrap();
    let doc = json_of(&run_ok(&[
        "--db",
        db,
        "report",
        "reconcile",
        "--since",
        "2026-03-07",
        "--until",
        "2026-03-10",
        "--json",
    ]));
    let org = &doc["organisation_totals"];
    assert_eq!(org.as_array().map(Vec::len), Some(1), "{doc:#}");
    assert_eq!(org[0]["source"], "anthropic_admin");
    assert_eq!(org[0]["total_tokens"], 10_100);
    assert_eq!(org[0]["developer_attributed_tokens"], 2_000, "{doc:#}");
}
