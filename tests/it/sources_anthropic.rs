//! The Anthropic Admin poller against wiremock on loopback with recorded response shapes:
//! usage (paged by `next_page`), cost (cents as decimal strings), Claude Code analytics
//! (one day per call); and the failure modes every poller shares: 401/403 without a retry
//! storm, 429 with and without Retry-After, 5xx, malformed JSON, a repeating cursor.

use crate::sources_support::*;
use agentdeck::collect::pollers::{ApiKind, PollError, poll_once, run_and_record};
use agentdeck::collect::scheduler::Backoff;
use serde_json::{Value, json};
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const USAGE: &str = "/v1/organizations/usage_report/messages";
const COST: &str = "/v1/organizations/cost_report";
const CC: &str = "/v1/organizations/usage_report/claude_code";

fn usage_page(days: &[&str], has_more: bool, next: Option<&str>) -> Value {
    let data: Vec<Value> = days
        .iter()
        .map(|d| {
            json!({"starting_at": format!("{d}T00:00:00Z"), "ending_at": format!("{d}T23:59:59Z"), "results": [
                {"uncached_input_tokens": 1000, "cache_creation": {"ephemeral_5m_input_tokens": 200, "ephemeral_1h_input_tokens": 50},
                 "cache_read_input_tokens": 5000, "output_tokens": 300, "server_tool_use": {"web_search_requests": 0},
                 "model": "claude-sonnet-4-5-20250929", "api_key_id": null, "workspace_id": null, "service_tier": null}
            ]})
        })
        .collect();
    json!({"data": data, "has_more": has_more, "next_page": next})
}

fn empty() -> Value {
    json!({"data": [], "has_more": false, "next_page": null})
}

/// Claude Code analytics echo the day they are asked for.
fn claude_code_day(req: &Request) -> ResponseTemplate {
    let day = query(req, "starting_at").unwrap_or_default();
    ResponseTemplate::new(200).set_body_json(json!({"data": [{
        "date": day, "actor": {"type": "user_actor", "email_address": "Dev@Example.com"},
        "organization_id": "1b7f9c2e-0000-4000-8000-000000000000", "customer_type": "subscription",
        "subscription_type": "team", "terminal_type": "vscode",
        "core_metrics": {"num_sessions": 4, "lines_of_code": {"added": 310, "removed": 87},
                         "commits_by_claude_code": 3, "pull_requests_by_claude_code": 1},
        "tool_actions": {"edit_tool": {"accepted": 21, "rejected": 2}, "multi_edit_tool": {"accepted": 0, "rejected": 0},
                         "write_tool": {"accepted": 5, "rejected": 0}, "notebook_edit_tool": {"accepted": 0, "rejected": 0}},
        "model_breakdown": [{"model": "claude-sonnet-4-5-20250929",
            "tokens": {"input": 4100, "output": 18250, "cache_read": 2210000, "cache_creation": 96000},
            "estimated_cost": {"currency": "USD", "amount": 1383}}]
    }], "has_more": false, "next_page": null}))
}

async fn happy_server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(USAGE))
        .and(query_param("page", "p2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(usage_page(
            &["2026-03-09", "2026-03-10"],
            false,
            None,
        )))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(USAGE))
        .and(header("x-api-key", "test-key-not-secret"))
        .and(header("anthropic-version", "2023-06-01"))
        .respond_with(ResponseTemplate::new(200).set_body_json(usage_page(
            &["2026-03-07", "2026-03-08"],
            true,
            Some("p2"),
        )))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(COST))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"data": [
            {"starting_at": "2026-03-08T00:00:00Z", "ending_at": "2026-03-09T00:00:00Z", "results": [
                {"currency": "USD", "amount": "123.45", "description": "Claude Sonnet 4.5 input", "cost_type": "tokens",
                 "model": "claude-sonnet-4-5-20250929", "token_type": "uncached_input_tokens", "service_tier": "standard"},
                {"currency": "USD", "amount": "76.55", "description": "Claude Sonnet 4.5 output", "cost_type": "tokens",
                 "model": "claude-sonnet-4-5-20250929", "token_type": "output_tokens", "service_tier": "standard"},
                {"currency": "USD", "amount": "10", "description": "Web search", "cost_type": "web_search", "model": null}
            ]}], "has_more": false, "next_page": null})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(CC))
        .respond_with(claude_code_day)
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn usage_cost_and_claude_code_land_and_repolling_changes_nothing() {
    let server = happy_server().await;
    let t = store();
    let spec = spec(ApiKind::AnthropicAdmin, &server.uri(), 3);
    let report = poll_once(&spec, &t.store, NOW).await.unwrap();
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    // usage: 2 pages; cost: 1; Claude Code: one call per day 03-07..03-10.
    assert_eq!(report.pages, 2 + 1 + 4);
    let cc = hits(&server, CC).await;
    let days: Vec<String> = cc.iter().filter_map(|r| query(r, "starting_at")).collect();
    assert_eq!(
        days,
        vec!["2026-03-07", "2026-03-08", "2026-03-09", "2026-03-10"]
    );
    let usage = hits(&server, USAGE).await;
    assert_eq!(
        query(&usage[0], "starting_at").as_deref(),
        Some("2026-03-07T00:00:00Z")
    );
    assert_eq!(query(&usage[0], "group_by[]").as_deref(), Some("model"));

    let snapshot = |t: &TestStore| {
        (
            rows(
                t,
                "SELECT source, day, developer, model, input_tokens, output_tokens, cache_write_tokens, cache_read_tokens, billed_micro_usd, estimated_micro_usd, sessions, lines_added, commits, pull_requests, tool_accepted, tool_rejected FROM vendor_usage ORDER BY 1, 2, 3, 4",
            ),
            rows(
                t,
                "SELECT source, day, developer, suggestions, acceptances, lines_accepted, requests FROM daily_usage ORDER BY 1, 2, 3",
            ),
        )
    };
    let (vendor, daily) = snapshot(&t);
    // Cost: 123.45 + 76.55 cents = $2.00 for the model; web search 10 cents, apart.
    assert!(vendor.contains(&"anthropic_admin|2026-03-08||claude-sonnet-4-5-20250929|1000|300|250|5000|2000000|NULL|0|0|0|0|0|0".to_string()) || vendor.iter().any(|r| r.starts_with("anthropic_admin|2026-03-08||claude-sonnet-4-5-20250929|1000|300|250|5000|2000000|")), "{vendor:#?}");
    assert!(
        vendor
            .iter()
            .any(|r| r.starts_with("anthropic_admin|2026-03-08||web_search|0|0|0|0|100000|")),
        "{vendor:#?}"
    );
    // Usage rows carry our estimate, never a bill.
    assert!(
        vendor.iter().any(|r| r.starts_with(
            "anthropic_admin|2026-03-07||claude-sonnet-4-5-20250929|1000|300|250|5000|NULL|"
        )),
        "{vendor:#?}"
    );
    // Claude Code: per developer (email lower-cased), the vendor's estimate in cents.
    assert!(
        vendor.contains(
            &"anthropic_claude_code|2026-03-09|dev@example.com||0|0|0|0|NULL|NULL|4|310|3|1|26|2"
                .to_string()
        ),
        "{vendor:#?}"
    );
    assert!(vendor.contains(&"anthropic_claude_code|2026-03-09|dev@example.com|claude-sonnet-4-5-20250929|4100|18250|96000|2210000|NULL|13830000|0|0|0|0|0|0".to_string()), "{vendor:#?}");
    assert_eq!(daily.len(), 4);
    assert_eq!(
        daily[0],
        "claude_code|2026-03-07|dev@example.com|28|26|310|4"
    );

    // The cursor remembers the last settled day; the next pass re-reads only from there.
    let state = rows(
        &t,
        "SELECT state FROM cursors WHERE source = 'anthropic_admin' AND path = 'usage_report/messages'",
    );
    assert_eq!(state, vec![r#"{"complete_through":"2026-03-08"}"#]);
    poll_once(&spec, &t.store, NOW).await.unwrap();
    assert_eq!(
        snapshot(&t),
        (vendor, daily),
        "re-polling the same period changes nothing"
    );
    let usage = hits(&server, USAGE).await;
    let second_pass = usage
        .iter()
        .rev()
        .find(|r| query(r, "page").is_none())
        .unwrap();
    assert_eq!(
        query(second_pass, "starting_at").as_deref(),
        Some("2026-03-08T00:00:00Z"),
        "unsettled days are read again"
    );
}

#[tokio::test]
async fn a_refused_key_fails_at_once_and_is_recorded_in_full() {
    let server = MockServer::start().await;
    Mock::given(path(USAGE))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({"type": "error", "error": {"type": "authentication_error", "message": "invalid x-api-key"}})))
        .mount(&server)
        .await;
    let t = store();
    let spec = spec(ApiKind::AnthropicAdmin, &server.uri(), 3);
    let (result, pause) = run_and_record(&spec, &t.store, &mut Backoff::new(spec.interval)).await;
    let err = result.unwrap_err().to_string();
    assert_eq!(
        err,
        format!("{USAGE} refused the key (401): invalid x-api-key")
    );
    assert_eq!(
        server.received_requests().await.unwrap().len(),
        1,
        "no retry storm"
    );
    assert!(
        pause >= std::time::Duration::from_secs(45),
        "backs off, {pause:?}"
    );
    let health = rows(
        &t,
        "SELECT last_error, last_success IS NULL, next_run > last_run, settings FROM source_health WHERE source = 'anthropic_admin'",
    );
    assert!(health[0].starts_with(&format!("{err}|1|1|")), "{health:?}");
    assert!(
        !health[0].contains("test-key-not-secret"),
        "the key is never stored"
    );
    // 403 the same, and without Retry-After it is a permission problem, not a throttle.
    server.reset().await;
    Mock::given(path(USAGE))
        .respond_with(ResponseTemplate::new(403).set_body_string("forbidden"))
        .mount(&server)
        .await;
    let err = poll_once(&spec, &t.store, NOW).await.unwrap_err();
    assert!(
        matches!(
            err,
            PollError::Fetch(agentdeck::collect::http::FetchError::Unauthorized {
                status: 403,
                ..
            })
        ),
        "{err}"
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

/// A vendor that quotes the key back in its refusal (raw, or as the Basic credentials it
/// was sent in) never gets it into the error, the health record or stdout.
#[tokio::test]
async fn a_key_the_vendor_echoes_in_its_refusal_is_redacted() {
    let server = MockServer::start().await;
    Mock::given(path(USAGE))
        .respond_with(
            ResponseTemplate::new(401).set_body_json(json!({"type": "error", "error": {
            "type": "authentication_error", "message": "invalid x-api-key test-key-not-secret"}})),
        )
        .mount(&server)
        .await;
    Mock::given(path("/teams/members"))
        .respond_with(ResponseTemplate::new(403).set_body_string(
            "bad credentials: Basic dGVzdC1rZXktbm90LXNlY3JldDo= (user test-key-not-secret)",
        ))
        .mount(&server)
        .await;
    let t = store();
    for (kind, expected) in [
        (
            ApiKind::AnthropicAdmin,
            format!("{USAGE} refused the key (401): invalid x-api-key <redacted>"),
        ),
        (
            ApiKind::Cursor,
            "/teams/members refused the key (403): bad credentials: Basic <redacted> (user <redacted>)"
                .to_string(),
        ),
    ] {
        let spec = spec(kind, &server.uri(), 1);
        let (result, _) = run_and_record(&spec, &t.store, &mut Backoff::new(spec.interval)).await;
        assert_eq!(result.unwrap_err().to_string(), expected);
    }
    let health = rows(&t, "SELECT source, last_error FROM source_health").join("\n");
    assert!(health.contains("<redacted>"), "{health}");
    assert!(
        !health.contains("test-key-not-secret") && !health.contains("dGVzdC1rZXktbm90"),
        "{health}"
    );
}

#[tokio::test]
async fn rate_limits_are_waited_out_and_5xx_retried_within_bounds() {
    let server = MockServer::start().await;
    // 429 with Retry-After once, then 429 without, then 500, then success.
    Mock::given(path(USAGE))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "1"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(path(USAGE))
        .respond_with(ResponseTemplate::new(429))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(path(USAGE))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(path(USAGE))
        .respond_with(ResponseTemplate::new(200).set_body_json(empty()))
        .mount(&server)
        .await;
    Mock::given(path(COST))
        .respond_with(ResponseTemplate::new(200).set_body_json(empty()))
        .mount(&server)
        .await;
    Mock::given(path(CC))
        .respond_with(ResponseTemplate::new(200).set_body_json(empty()))
        .mount(&server)
        .await;
    let t = store();
    let spec = spec(ApiKind::AnthropicAdmin, &server.uri(), 1);
    let started = std::time::Instant::now();
    let report = poll_once(&spec, &t.store, NOW).await.unwrap();
    assert!(
        started.elapsed() >= std::time::Duration::from_secs(1),
        "Retry-After honoured"
    );
    assert_eq!(hits(&server, USAGE).await.len(), 4);
    assert_eq!(report.rows_added, 0, "empty pages add nothing");

    // A Retry-After longer than a run may wait: the run fails and the next one is due then.
    server.reset().await;
    Mock::given(path(USAGE))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "7200"))
        .mount(&server)
        .await;
    let (result, pause) = run_and_record(&spec, &t.store, &mut Backoff::new(spec.interval)).await;
    assert!(
        result
            .unwrap_err()
            .to_string()
            .contains("rate limited (429); retry after 7200s")
    );
    assert_eq!(pause, std::time::Duration::from_secs(7200));
    assert_eq!(server.received_requests().await.unwrap().len(), 1);

    // Retry-After may be an HTTP date: the same rule, counted from now.
    server.reset().await;
    let in_two_hours = (chrono::Utc::now() + chrono::Duration::hours(2))
        .format("%a, %d %b %Y %H:%M:%S GMT")
        .to_string();
    Mock::given(path(USAGE))
        .respond_with(
            ResponseTemplate::new(429).insert_header("retry-after", in_two_hours.as_str()),
        )
        .mount(&server)
        .await;
    let (result, pause) = run_and_record(&spec, &t.store, &mut Backoff::new(spec.interval)).await;
    assert!(result.unwrap_err().to_string().contains("retry after 7"));
    assert!(
        pause > std::time::Duration::from_secs(7_000),
        "waits for the date, {pause:?}"
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 1);

    // 5xx forever: a bounded number of attempts, then a clear error.
    server.reset().await;
    Mock::given(path(USAGE))
        .respond_with(ResponseTemplate::new(502).set_body_string("bad gateway"))
        .mount(&server)
        .await;
    let err = poll_once(&spec, &t.store, NOW)
        .await
        .unwrap_err()
        .to_string();
    assert_eq!(err, format!("{USAGE} answered 502: bad gateway"));
    assert_eq!(server.received_requests().await.unwrap().len(), 4);
}

#[tokio::test]
async fn malformed_json_and_a_repeating_cursor_stop_the_pass_with_a_clear_error() {
    let server = MockServer::start().await;
    Mock::given(path(USAGE))
        .respond_with(ResponseTemplate::new(200).set_body_string("{\"data\": ["))
        .mount(&server)
        .await;
    let t = store();
    let spec = spec(ApiKind::AnthropicAdmin, &server.uri(), 1);
    let err = poll_once(&spec, &t.store, NOW)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with(&format!(
            "{USAGE} sent a body that is not the expected JSON"
        )),
        "{err}"
    );

    server.reset().await;
    Mock::given(path(USAGE))
        .respond_with(ResponseTemplate::new(200).set_body_json(usage_page(
            &["2026-03-09"],
            true,
            Some("same"),
        )))
        .mount(&server)
        .await;
    let err = poll_once(&spec, &t.store, NOW)
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("page cursor `same` came back again"), "{err}");
    assert_eq!(
        server.received_requests().await.unwrap().len(),
        2,
        "stopped at the first repeat"
    );
    // The page read before the loop is kept, with the cursor to resume from.
    assert_eq!(scalar(&t, "SELECT count(*) FROM vendor_usage"), 1);
}

/// Claude Code analytics saying `has_more` without a `next_page` stop the pass with an
/// error, as the other reports do, instead of marking the day complete with its later
/// pages never read.
#[tokio::test]
async fn claude_code_more_pages_without_a_token_is_an_error_not_a_complete_day() {
    let server = MockServer::start().await;
    for p in [USAGE, COST] {
        Mock::given(path(p))
            .respond_with(ResponseTemplate::new(200).set_body_json(empty()))
            .mount(&server)
            .await;
    }
    Mock::given(path(CC))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"data": [{
            "date": "2026-03-08", "actor": {"type": "user_actor", "email_address": "dev@example.com"},
            "core_metrics": {"num_sessions": 1}}], "has_more": true, "next_page": null})))
        .mount(&server)
        .await;
    let t = store();
    let err = poll_once(
        &spec(ApiKind::AnthropicAdmin, &server.uri(), 3),
        &t.store,
        NOW,
    )
    .await
    .unwrap_err()
    .to_string();
    assert_eq!(
        err,
        format!(
            "{CC} sent a body that is not the expected JSON: `has_more` is true but `next_page` is missing"
        )
    );
    assert_eq!(
        scalar(
            &t,
            "SELECT count(*) FROM cursors WHERE path = 'usage_report/claude_code' AND state LIKE '%complete_through%'"
        ),
        0,
        "no day is marked complete"
    );
}

/// A developer who used Claude Code from two terminals on one day may come in two records
/// (`terminal_type` is a field of each), on one page or two: their activity, acceptance and
/// tokens add up. Each record had replaced the last, keeping one terminal's numbers.
#[tokio::test]
async fn one_developers_records_of_a_day_add_up() {
    let server = MockServer::start().await;
    for p in [USAGE, COST] {
        Mock::given(path(p))
            .respond_with(ResponseTemplate::new(200).set_body_json(empty()))
            .mount(&server)
            .await;
    }
    let record = |terminal: &str, sessions: i64, accepted: i64, input: i64| {
        json!({"date": "2026-03-10", "actor": {"type": "user_actor", "email_address": "dev@example.com"},
            "terminal_type": terminal,
            "core_metrics": {"num_sessions": sessions, "lines_of_code": {"added": 10 * sessions, "removed": 1},
                             "commits_by_claude_code": 1, "pull_requests_by_claude_code": 0},
            "tool_actions": {"edit_tool": {"accepted": accepted, "rejected": 1}},
            "model_breakdown": [{"model": "claude-sonnet-4-5-20250929",
                "tokens": {"input": input, "output": 10, "cache_read": 0, "cache_creation": 0},
                "estimated_cost": {"currency": "USD", "amount": 100}}]})
    };
    Mock::given(path(CC))
        .and(query_param("page", "p2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "data": [record("iTerm.app", 1, 2, 300)], "has_more": false, "next_page": null})))
        .mount(&server)
        .await;
    Mock::given(path(CC))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "data": [record("vscode", 4, 20, 1000), record("cursor", 2, 5, 200)],
            "has_more": true, "next_page": "p2"})))
        .with_priority(5)
        .mount(&server)
        .await;
    let t = store();
    poll_once(
        &spec(ApiKind::AnthropicAdmin, &server.uri(), 1),
        &t.store,
        NOW,
    )
    .await
    .unwrap();
    let activity = rows(
        &t,
        "SELECT day, sessions, lines_added, commits, tool_accepted, tool_rejected FROM vendor_usage
         WHERE source = 'anthropic_claude_code' AND model = '' AND day = '2026-03-10'",
    );
    assert_eq!(activity, vec!["2026-03-10|7|70|3|27|3"]);
    let tokens = rows(
        &t,
        "SELECT input_tokens, estimated_micro_usd FROM vendor_usage
         WHERE source = 'anthropic_claude_code' AND model != '' AND day = '2026-03-10'",
    );
    assert_eq!(tokens, vec!["1500|3000000"]);
    let daily = rows(
        &t,
        "SELECT suggestions, acceptances, lines_accepted, requests FROM daily_usage
         WHERE source = 'claude_code' AND day = '2026-03-10'",
    );
    assert_eq!(daily, vec!["30|27|70|7"]);
}
