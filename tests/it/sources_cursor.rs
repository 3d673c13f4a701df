//! The Cursor Admin poller against wiremock: members (directory and seats), daily usage in
//! 30-day chunks, spend paged by page number, usage events as requests (charged cents are
//! the bill, included events our estimate), and a page number the server does not honour.

use crate::sources_support::*;
use agentdeck::collect::pollers::{ApiKind, poll_once};
use serde_json::{Value, json};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const MEMBERS: &str = "/teams/members";
const DAILY: &str = "/teams/daily-usage-data";
const SPEND: &str = "/teams/spend";
const EVENTS: &str = "/teams/filtered-usage-events";

fn body(r: &Request) -> Value {
    serde_json::from_slice(&r.body).unwrap()
}

fn event(ts: &str, model: &str, charged: Option<f64>, conversation: &str) -> Value {
    json!({"timestamp": ts, "model": model, "kind": if charged.is_some() { "Usage-based" } else { "Included in Business" },
        "maxMode": false, "requestsCosts": 2, "isTokenBasedCall": true,
        "tokenUsage": {"inputTokens": 5932, "outputTokens": 4761, "cacheWriteTokens": 0, "cacheReadTokens": 495701, "totalCents": 33.71},
        "userEmail": "Dev@Example.com", "isChargeable": charged.is_some(), "isHeadless": false,
        "chargedCents": charged.unwrap_or(0.0), "conversationId": conversation})
}

fn events_page(r: &Request) -> ResponseTemplate {
    let page = body(r)["page"].as_i64().unwrap();
    let events = match page {
        // 2026-03-09T10:00:00Z and 10:05
        1 => vec![
            event("1773050400000", "claude-4.5-sonnet", Some(33.71), "c1"),
            event("1773050700000", "claude-4.5-sonnet", None, "c1"),
        ],
        _ => vec![event("1773136800000", "gpt-5", Some(1.5), "c2")],
    };
    ResponseTemplate::new(200).set_body_json(json!({
        "totalUsageEventsCount": 3,
        "pagination": {"numPages": 2, "currentPage": page, "pageSize": 500, "hasNextPage": page < 2, "hasPreviousPage": page > 1},
        "usageEvents": events,
        "period": {"startDate": 0, "endDate": 0}
    }))
}

fn spend_page(r: &Request) -> ResponseTemplate {
    let page = body(r)["page"].as_i64().unwrap();
    let member = if page == 1 {
        ("dev@example.com", 4250)
    } else {
        ("ops@example.com", 10)
    };
    ResponseTemplate::new(200).set_body_json(json!({
        "teamMemberSpend": [{"email": member.0, "name": "X", "role": "member", "spendCents": member.1, "fastPremiumRequests": 3, "hardLimitOverrideDollars": 0}],
        "subscriptionCycleStart": 1772323200000_i64, "totalMembers": 2, "totalPages": 2
    }))
}

async fn server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(MEMBERS))
        // Basic auth: the key as user name, no password.
        .and(header(
            "authorization",
            "Basic dGVzdC1rZXktbm90LXNlY3JldDo=",
        ))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"teamMembers": [
                {"name": "Dev One", "email": "Dev@Example.com", "role": "member"},
                {"name": "Gone", "email": "gone@example.com", "role": "member", "isRemoved": true}
            ]})),
        )
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(DAILY))
        .respond_with(|r: &Request| {
            let start = body(r)["startDate"].as_i64().unwrap();
            ResponseTemplate::new(200).set_body_json(json!({"data": [
                {"date": 1773014400000_i64, "email": "dev@example.com", "isActive": true, "totalLinesAdded": 120, "totalLinesDeleted": 5,
                 "acceptedLinesAdded": 80, "acceptedLinesDeleted": 2, "totalApplies": 4, "totalAccepts": 3, "totalRejects": 1,
                 "totalTabsShown": 200, "totalTabsAccepted": 60, "composerRequests": 2, "chatRequests": 3, "agentRequests": 4,
                 "cmdkUsages": 1, "mostUsedModel": "claude-4.5-sonnet"}
            ], "period": {"startDate": start, "endDate": start}}))
        })
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(SPEND))
        .respond_with(spend_page)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(EVENTS))
        .respond_with(events_page)
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn members_daily_usage_spend_and_events_land_once() {
    let server = server().await;
    let t = store();
    let spec = spec(ApiKind::Cursor, &server.uri(), 45);
    let report = poll_once(&spec, &t.store, NOW).await.unwrap();
    assert!(report.problems.is_empty(), "{:?}", report.problems);

    // 45 days back is cut into two ranges of at most 30 days.
    let chunks: Vec<(i64, i64)> = hits(&server, DAILY)
        .await
        .iter()
        .map(|r| {
            (
                body(r)["startDate"].as_i64().unwrap(),
                body(r)["endDate"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(chunks.len(), 2);
    for (s, e) in &chunks {
        assert!(e - s < 30 * 86_400_000, "{chunks:?}");
    }
    assert_eq!(chunks[1].0, chunks[0].1 + 1, "chunks are contiguous");
    assert_eq!(hits(&server, SPEND).await.len(), 2);
    assert_eq!(hits(&server, EVENTS).await.len(), 2);

    let snapshot = |t: &TestStore| {
        (
            rows(
                t,
                "SELECT agent, developer, model, input_tokens, output_tokens, cache_read, cost_source, cost_micro_usd FROM requests ORDER BY ts",
            ),
            rows(
                t,
                "SELECT source, developer, suggestions, acceptances, lines_suggested, lines_accepted, requests FROM daily_usage ORDER BY day",
            ),
            rows(
                t,
                "SELECT developer, model, billed_micro_usd FROM vendor_usage ORDER BY developer",
            ),
            rows(t, "SELECT id, display_name FROM developers ORDER BY id"),
            rows(t, "SELECT source, developer, plan FROM vendor_seats"),
        )
    };
    let (requests, daily, spend, devs, seats) = snapshot(&t);
    assert_eq!(requests.len(), 3);
    // Charged cents are the bill; an included event gets our estimate from the price table.
    assert_eq!(
        requests[0],
        "cursor|dev@example.com|claude-4.5-sonnet|5932|4761|495701|reported|337100"
    );
    assert!(
        requests[1]
            .starts_with("cursor|dev@example.com|claude-4.5-sonnet|5932|4761|495701|computed|"),
        "{requests:?}"
    );
    assert_eq!(
        requests[2],
        "cursor|dev@example.com|gpt-5|5932|4761|495701|reported|15000"
    );
    assert_eq!(daily, vec!["cursor|dev@example.com|204|63|120|80|10"]);
    assert_eq!(
        spend,
        vec![
            "dev@example.com|(billing cycle)|42500000",
            "ops@example.com|(billing cycle)|100000"
        ]
    );
    assert_eq!(
        devs,
        vec!["dev@example.com|Dev One"],
        "removed members are not added"
    );
    assert_eq!(seats, vec!["cursor|dev@example.com|member"]);
    assert_eq!(
        scalar(&t, "SELECT count(*) FROM sessions WHERE agent = 'cursor'"),
        2
    );

    poll_once(&spec, &t.store, NOW).await.unwrap();
    assert_eq!(
        snapshot(&t),
        (requests, daily, spend, devs, seats),
        "re-polling changes nothing"
    );

    // Cursor now stands next to the other agents in the reports (and so in Costs/Replay).
    let db = t.path.to_str().unwrap().to_string();
    let doc = tokio::task::spawn_blocking(move || {
        crate::common::json_of(&crate::common::run_ok(&[
            "--db",
            &db,
            "report",
            "agent",
            "--json",
            "--no-refresh",
            "--since",
            "2026-03-01",
            "--until",
            "2026-03-11",
        ]))
    })
    .await
    .unwrap();
    let cursor = doc["agents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["agent"] == "cursor")
        .unwrap_or_else(|| panic!("{doc:#}"));
    assert_eq!(cursor["requests"], 3);
    assert!(cursor["cost_usd"].as_f64().unwrap() > 0.35, "{cursor:#}");
}

#[tokio::test]
async fn a_page_number_the_server_ignores_stops_the_pass() {
    let server = MockServer::start().await;
    Mock::given(path(MEMBERS))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"teamMembers": []})))
        .mount(&server)
        .await;
    Mock::given(path(DAILY))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"data": []})))
        .mount(&server)
        .await;
    Mock::given(path(SPEND))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"teamMemberSpend": [], "subscriptionCycleStart": 1772323200000_i64, "totalPages": 1})))
        .mount(&server)
        .await;
    // Always "page 1 of 9, more to come", whatever page is asked for.
    Mock::given(path(EVENTS))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "pagination": {"numPages": 9, "currentPage": 1, "hasNextPage": true},
            "usageEvents": [event("1773050400000", "gpt-5", Some(1.0), "c9")]
        })))
        .mount(&server)
        .await;
    let t = store();
    let err = poll_once(&spec(ApiKind::Cursor, &server.uri(), 3), &t.store, NOW)
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("page 2 answered as page 1"), "{err}");
    assert_eq!(hits(&server, EVENTS).await.len(), 2);
    assert_eq!(
        scalar(&t, "SELECT count(*) FROM requests"),
        1,
        "the good page is kept"
    );
}

/// A `totalPages` or `hasNextPage` of another type than Cursor sends (a string, `null`)
/// stops the pass with an error naming the endpoint, as `has_more` does for OpenAI and
/// Anthropic: taken for "no more pages", the rest of the spend or events would be lost
/// without a word.
#[tokio::test]
async fn a_paging_field_of_the_wrong_type_stops_the_pass_naming_the_endpoint() {
    let spend_ok = json!({"teamMemberSpend": [], "subscriptionCycleStart": 1772323200000_i64, "totalPages": 1});
    let events_ok = json!({"pagination": {"numPages": 1, "currentPage": 1, "hasNextPage": false}, "usageEvents": []});
    let spend_with = |pages: Value| {
        json!({"teamMemberSpend": [{"email": "dev@example.com", "spendCents": 10}],
               "subscriptionCycleStart": 1772323200000_i64, "totalPages": pages})
    };
    let events_with = |more: Value| {
        json!({"pagination": {"numPages": 2, "currentPage": 1, "hasNextPage": more},
               "usageEvents": [event("1773050400000", "gpt-5", Some(1.0), "c9")]})
    };
    let pages = |endpoint: &str| {
        format!(
            "{endpoint} sent a body that is not the expected JSON: `totalPages` is not a whole number"
        )
    };
    let more = |endpoint: &str| {
        format!(
            "{endpoint} sent a body that is not the expected JSON: `hasNextPage` is not true or false"
        )
    };
    for (spend, events, expected) in [
        (spend_with(json!("2")), events_ok.clone(), pages(SPEND)),
        (spend_with(Value::Null), events_ok.clone(), pages(SPEND)),
        (spend_ok.clone(), events_with(json!("true")), more(EVENTS)),
        (spend_ok.clone(), events_with(Value::Null), more(EVENTS)),
    ] {
        let server = MockServer::start().await;
        Mock::given(path(MEMBERS))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({"teamMembers": []})))
            .mount(&server)
            .await;
        Mock::given(path(DAILY))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({"data": []})))
            .mount(&server)
            .await;
        Mock::given(path(SPEND))
            .respond_with(ResponseTemplate::new(200).set_body_json(spend))
            .mount(&server)
            .await;
        Mock::given(path(EVENTS))
            .respond_with(ResponseTemplate::new(200).set_body_json(events))
            .mount(&server)
            .await;
        let t = store();
        let err = poll_once(&spec(ApiKind::Cursor, &server.uri(), 3), &t.store, NOW)
            .await
            .expect_err(&expected)
            .to_string();
        assert!(err.contains(&expected), "{err}");
    }
}

/// A usage event whose charge is beyond what one request can cost is refused and counted
/// with where it was, as is one dated in the future; the other events of the page are
/// kept. A cycle spend too large to store is counted too.
#[tokio::test]
async fn events_and_spend_beyond_the_bounds_are_refused_and_counted() {
    let server = MockServer::start().await;
    Mock::given(path(MEMBERS))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"teamMembers": []})))
        .mount(&server)
        .await;
    Mock::given(path(DAILY))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"data": []})))
        .mount(&server)
        .await;
    Mock::given(path(SPEND))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"teamMemberSpend": [
            {"email": "dev@example.com", "spendCents": 1e20}
        ], "subscriptionCycleStart": 1772323200000_i64, "totalPages": 1})),
        )
        .mount(&server)
        .await;
    Mock::given(path(EVENTS))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "pagination": {"numPages": 1, "currentPage": 1, "hasNextPage": false},
            "usageEvents": [
                event("1773050400000", "gpt-5", Some(1e12), "c1"),
                event("1773050700000", "gpt-5", Some(1.5), "c1"),
                // Year 2286.
                event("9999999999999", "gpt-5", Some(1.5), "c1"),
            ]
        })))
        .mount(&server)
        .await;
    let t = store();
    let report = poll_once(&spec(ApiKind::Cursor, &server.uri(), 3), &t.store, NOW)
        .await
        .unwrap();
    assert_eq!(report.problems.by_kind.get("bad_value"), Some(&3));
    assert_eq!(
        report.problems.first,
        vec![
            "/teams/spend: a member without email or a spendCents in range",
            "/teams/filtered-usage-events page 1: `chargedCents` is above the bound for one request",
            "/teams/filtered-usage-events page 1: `timestamp` 9999999999999 is in the future"
        ]
    );
    // A cycle spend too large to store is not written as a spend of nothing.
    assert_eq!(scalar(&t, "SELECT count(*) FROM vendor_usage"), 0);
    assert_eq!(
        rows(&t, "SELECT cost_source, cost_micro_usd FROM requests"),
        vec!["reported|15000"]
    );
}

/// A member removed from the team (or unassigned Copilot seat) is no longer a paid seat:
/// the next poll forgets it, so `report reconcile` does not list it as an idle seat.
#[tokio::test]
async fn a_member_removed_since_the_last_poll_is_no_longer_a_seat() {
    let server = MockServer::start().await;
    let members = |gone: bool| {
        ResponseTemplate::new(200).set_body_json(json!({"teamMembers": [
            {"name": "Dev One", "email": "dev@example.com", "role": "member"},
            {"name": "Gone", "email": "gone@example.com", "role": "member", "isRemoved": gone}
        ]}))
    };
    Mock::given(path(MEMBERS))
        .respond_with(members(false))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(path(MEMBERS))
        .respond_with(members(true))
        .mount(&server)
        .await;
    Mock::given(path(DAILY))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"data": []})))
        .mount(&server)
        .await;
    Mock::given(path(SPEND))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"teamMemberSpend": [], "subscriptionCycleStart": 1772323200000_i64, "totalPages": 1})))
        .mount(&server)
        .await;
    Mock::given(path(EVENTS))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "pagination": {"numPages": 1, "currentPage": 1, "hasNextPage": false}, "usageEvents": []
        })))
        .mount(&server)
        .await;
    let seats = |t: &TestStore| rows(t, "SELECT developer FROM vendor_seats ORDER BY developer");
    let t = store();
    let spec = spec(ApiKind::Cursor, &server.uri(), 3);
    let first = poll_once(&spec, &t.store, NOW).await.unwrap();
    assert_eq!(seats(&t), vec!["dev@example.com", "gone@example.com"]);
    let second = poll_once(&spec, &t.store, NOW + 3_600_000).await.unwrap();
    assert_eq!(seats(&t), vec!["dev@example.com"]);
    assert_eq!(
        first.rows_added,
        second.rows_added + 2,
        "no extra row counted"
    );
}
