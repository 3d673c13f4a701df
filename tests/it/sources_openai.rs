//! The OpenAI Admin poller against wiremock: completions usage paged by `next_page`
//! (cached input split out of input) and costs in dollars, whose buckets some specs call
//! `result`; re-polling the same period changes nothing.

use crate::sources_support::*;
use agentdeck::collect::pollers::{ApiKind, poll_once};
use serde_json::json;
use wiremock::matchers::{header, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const USAGE: &str = "/v1/organization/usage/completions";
const COSTS: &str = "/v1/organization/costs";

fn bucket(start: i64, results_key: &str, results: serde_json::Value) -> serde_json::Value {
    json!({"object": "bucket", "start_time": start, "end_time": start + 86_400, results_key: results})
}

#[tokio::test]
async fn usage_and_costs_land_with_billed_and_estimated_apart() {
    let server = MockServer::start().await;
    let d8 = 1_772_928_000; // 2026-03-08T00:00:00Z
    let usage = |input, cached| {
        json!([{"object": "organization.usage.completions.result", "input_tokens": input,
        "input_cached_tokens": cached, "output_tokens": 500, "input_audio_tokens": 0, "output_audio_tokens": 0,
        "num_model_requests": 7, "model": "gpt-5", "project_id": null}])
    };
    Mock::given(path(USAGE))
        .and(query_param("page", "page_2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"object": "page",
            "data": [bucket(d8 + 86_400, "results", usage(3000, 1000))], "has_more": false, "next_page": null})))
        .mount(&server)
        .await;
    Mock::given(path(USAGE))
        .and(header("authorization", "Bearer test-key-not-secret"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"object": "page",
            "data": [bucket(d8, "results", usage(10_000, 4_000))], "has_more": true, "next_page": "page_2"})))
        .mount(&server)
        .await;
    Mock::given(path(COSTS))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"object": "page", "data": [
            bucket(d8, "result", json!([
                {"object": "organization.costs.result", "amount": {"value": 1.25, "currency": "usd"}, "line_item": "gpt-5, input", "project_id": "proj_a"},
                {"object": "organization.costs.result", "amount": {"value": 0.75, "currency": "usd"}, "line_item": "gpt-5, input", "project_id": "proj_b"}
            ]))], "has_more": false, "next_page": null})))
        .mount(&server)
        .await;
    let t = store();
    let spec = spec(ApiKind::OpenAiAdmin, &server.uri(), 3);
    let report = poll_once(&spec, &t.store, NOW).await.unwrap();
    assert_eq!(report.pages, 3);
    let first = &hits(&server, USAGE).await[0];
    assert_eq!(query(first, "start_time").as_deref(), Some("1772841600"));
    assert_eq!(query(first, "group_by").as_deref(), Some("model"));
    let vendor = rows(
        &t,
        "SELECT day, model, input_tokens, cache_read_tokens, output_tokens, requests, billed_micro_usd, estimated_micro_usd IS NOT NULL FROM vendor_usage ORDER BY day, model",
    );
    assert_eq!(
        vendor,
        vec![
            "2026-03-08|gpt-5|6000|4000|500|7|NULL|1",
            "2026-03-08|gpt-5, input|0|0|0|0|2000000|0",
            "2026-03-09|gpt-5|2000|1000|500|7|NULL|1",
        ]
    );
    poll_once(&spec, &t.store, NOW).await.unwrap();
    assert_eq!(
        rows(
            &t,
            "SELECT day, model, input_tokens, cache_read_tokens, output_tokens, requests, billed_micro_usd, estimated_micro_usd IS NOT NULL FROM vendor_usage ORDER BY day, model"
        ),
        vendor
    );
}

/// 429 with `Retry-After` is waited out (then the page is read), and a `next_page` that
/// comes back again stops the pass with the cursor named, keeping the pages read before it.
#[tokio::test]
async fn a_429_is_waited_out_and_a_repeating_next_page_stops_the_pass() {
    let server = MockServer::start().await;
    let d8 = 1_772_928_000; // 2026-03-08T00:00:00Z
    let usage = json!([{"object": "organization.usage.completions.result", "input_tokens": 100,
        "input_cached_tokens": 0, "output_tokens": 10, "num_model_requests": 1, "model": "gpt-5"}]);
    Mock::given(path(USAGE))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "1"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(path(USAGE))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"object": "page",
            "data": [bucket(d8, "results", usage)], "has_more": false, "next_page": null})),
        )
        .with_priority(5)
        .mount(&server)
        .await;
    // Every costs page claims more under the same cursor.
    Mock::given(path(COSTS))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"object": "page",
            "data": [bucket(d8, "results", json!([
                {"amount": {"value": 0.5, "currency": "usd"}, "line_item": "gpt-5, input"}]))],
            "has_more": true, "next_page": "same"})),
        )
        .mount(&server)
        .await;
    let t = store();
    let spec = spec(ApiKind::OpenAiAdmin, &server.uri(), 3);
    let started = std::time::Instant::now();
    let err = poll_once(&spec, &t.store, NOW)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        started.elapsed() >= std::time::Duration::from_millis(900),
        "Retry-After honoured"
    );
    assert_eq!(hits(&server, USAGE).await.len(), 2, "one 429, one retry");
    assert!(err.contains("page cursor `same` came back again"), "{err}");
    assert_eq!(
        hits(&server, COSTS).await.len(),
        2,
        "stopped at the first repeat"
    );
    assert_eq!(
        rows(
            &t,
            "SELECT model, input_tokens, billed_micro_usd FROM vendor_usage ORDER BY model"
        ),
        vec!["gpt-5|100|NULL", "gpt-5, input|0|500000"],
        "the usage and the costs page read before the repeat are kept"
    );
}

/// A billed amount too large to store (here $10^16) is counted as a problem with its day,
/// not written as a bill of nothing; the other line items of the day are kept. The same
/// for Anthropic's cost report (cents as decimal strings).
#[tokio::test]
async fn a_bill_too_large_to_store_is_counted_not_dropped_silently() {
    let server = MockServer::start().await;
    let d8 = 1_772_928_000; // 2026-03-08T00:00:00Z
    let empty = json!({"data": [], "has_more": false, "next_page": null});
    Mock::given(path(USAGE))
        .respond_with(ResponseTemplate::new(200).set_body_json(&empty))
        .mount(&server)
        .await;
    Mock::given(path(COSTS))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"data": [
            bucket(d8, "results", json!([
                {"amount": {"value": 1e16, "currency": "usd"}, "line_item": "gpt-5, input"},
                {"amount": {"value": 0.5, "currency": "usd"}, "line_item": "gpt-5, output"}
            ]))], "has_more": false, "next_page": null})))
        .mount(&server)
        .await;
    let anthropic_cost = "/v1/organizations/cost_report";
    Mock::given(path(anthropic_cost))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"data": [
            {"starting_at": "2026-03-08T00:00:00Z", "results": [
                {"amount": "1e20", "cost_type": "tokens", "model": "claude-opus-4-1"},
                {"amount": "50", "cost_type": "tokens", "model": "claude-sonnet-4-5"}
            ]}], "has_more": false, "next_page": null})))
        .mount(&server)
        .await;
    for path in [
        "/v1/organizations/usage_report/messages",
        "/v1/organizations/usage_report/claude_code",
    ] {
        Mock::given(wiremock::matchers::path(path))
            .respond_with(ResponseTemplate::new(200).set_body_json(&empty))
            .mount(&server)
            .await;
    }
    let t = store();
    let openai = poll_once(&spec(ApiKind::OpenAiAdmin, &server.uri(), 3), &t.store, NOW)
        .await
        .unwrap();
    assert_eq!(
        openai.problems.first,
        vec![format!(
            "{COSTS} 2026-03-08: `amount.value` is not an amount in range"
        )]
    );
    let anthropic = poll_once(
        &spec(ApiKind::AnthropicAdmin, &server.uri(), 3),
        &t.store,
        NOW,
    )
    .await
    .unwrap();
    assert_eq!(
        anthropic.problems.first,
        vec![format!(
            "{anthropic_cost} 2026-03-08: `amount` is not a decimal amount in range"
        )]
    );
    assert_eq!(
        rows(
            &t,
            "SELECT source, model, billed_micro_usd FROM vendor_usage ORDER BY source, model"
        ),
        vec![
            "anthropic_admin|claude-sonnet-4-5|500000",
            "openai_admin|gpt-5, output|500000"
        ]
    );
}

/// A pass that failed mid-way resumes from its stored page token; when the vendor no
/// longer accepts that token (expired: 400), the range is read again from its start
/// instead of every later pass failing on it.
#[tokio::test]
async fn an_expired_resume_token_restarts_the_range_instead_of_failing_every_pass() {
    let server = MockServer::start().await;
    let d8 = 1_772_928_000; // 2026-03-08T00:00:00Z
    let usage = |input: i64| json!([{"input_tokens": input, "output_tokens": 1, "num_model_requests": 1, "model": "gpt-5"}]);
    let empty = json!({"data": [], "has_more": false, "next_page": null});
    Mock::given(path(COSTS))
        .respond_with(ResponseTemplate::new(200).set_body_json(&empty))
        .mount(&server)
        .await;
    // First pass: page 1 is read, the page after it keeps failing.
    Mock::given(path(USAGE))
        .and(query_param("page", "old"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    Mock::given(path(USAGE))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "data": [bucket(d8, "results", usage(100))], "has_more": true, "next_page": "old"})))
        .mount(&server)
        .await;
    let t = store();
    let spec = spec(ApiKind::OpenAiAdmin, &server.uri(), 3);
    poll_once(&spec, &t.store, NOW).await.unwrap_err();

    // Later: the old token has expired; a fresh pass gets new tokens.
    server.reset().await;
    Mock::given(path(COSTS))
        .respond_with(ResponseTemplate::new(200).set_body_json(&empty))
        .mount(&server)
        .await;
    Mock::given(path(USAGE))
        .and(query_param("page", "old"))
        .respond_with(
            ResponseTemplate::new(400)
                .set_body_json(json!({"error": {"message": "Invalid page token"}})),
        )
        .mount(&server)
        .await;
    Mock::given(path(USAGE))
        .and(query_param("page", "new"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "data": [bucket(d8 + 86_400, "results", usage(200))], "has_more": false, "next_page": null})))
        .mount(&server)
        .await;
    Mock::given(path(USAGE))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "data": [bucket(d8, "results", usage(100))], "has_more": true, "next_page": "new"})))
        .mount(&server)
        .await;
    let report = poll_once(&spec, &t.store, NOW).await.unwrap();
    assert_eq!(report.pages, 3, "page 1, page `new`, costs");
    assert_eq!(
        rows(
            &t,
            "SELECT day, input_tokens FROM vendor_usage WHERE source = 'openai_admin' ORDER BY day"
        ),
        vec!["2026-03-08|100", "2026-03-09|200"]
    );
}

/// Wrong types are not read as "nothing": a `has_more` that is not a boolean stops the
/// pass with an error (rather than ending it as if the page were the last), and a bucket
/// whose results are not a list is counted as a problem with its day.
#[tokio::test]
async fn a_wrongly_typed_has_more_or_results_is_not_taken_for_the_end() {
    let server = MockServer::start().await;
    let d8 = 1_772_928_000; // 2026-03-08T00:00:00Z
    Mock::given(path(USAGE))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "data": [bucket(d8, "results", json!({"input_tokens": 5, "model": "gpt-5"}))],
            "has_more": false, "next_page": null})))
        .mount(&server)
        .await;
    Mock::given(path(COSTS))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "data": [], "has_more": "true", "next_page": "page_2"})))
        .mount(&server)
        .await;
    let t = store();
    let spec = spec(ApiKind::OpenAiAdmin, &server.uri(), 3);
    let err = poll_once(&spec, &t.store, NOW)
        .await
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        format!(
            "{COSTS} sent a body that is not the expected JSON: `has_more` is not true or false"
        )
    );
    server.reset().await;
    let empty = json!({"data": [], "has_more": false, "next_page": null});
    Mock::given(path(USAGE))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "data": [bucket(d8, "results", json!({"input_tokens": 5, "model": "gpt-5"}))],
            "has_more": false, "next_page": null})))
        .mount(&server)
        .await;
    Mock::given(path(COSTS))
        .respond_with(ResponseTemplate::new(200).set_body_json(&empty))
        .mount(&server)
        .await;
    let report = poll_once(&spec, &t.store, NOW).await.unwrap();
    assert_eq!(
        report.problems.first,
        vec![format!(
            "{USAGE} 2026-03-08: the bucket's results are not a list"
        )]
    );
}
