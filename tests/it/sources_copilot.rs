//! The GitHub Copilot poller against wiremock: billing seats paged by `Link`, one
//! `users-1-day` report per day whose NDJSON download links are fetched without the GitHub
//! token, a day without a report, malformed NDJSON lines, and a secondary rate limit.

use crate::sources_support::*;
use agentdeck::collect::pollers::{ApiKind, poll_once};
use serde_json::json;
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const SEATS: &str = "/orgs/acme/copilot/billing/seats";
const USERS_1_DAY: &str = "/orgs/acme/copilot/metrics/reports/users-1-day";

fn seat(login: &str, last: Option<&str>) -> serde_json::Value {
    json!({"created_at": "2025-11-01T10:00:00Z", "assignee": {"login": login, "id": 1, "type": "User"},
           "pending_cancellation_date": null, "last_activity_at": last,
           "last_activity_editor": "vscode/1.96.0/copilot/1.250.0", "plan_type": "business"})
}

async fn server() -> MockServer {
    let server = MockServer::start().await;
    let uri = server.uri();
    Mock::given(method("GET"))
        .and(path(SEATS))
        .and(query_param("page", "2"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"total_seats": 2, "seats": [seat("Idle-Dev", None)]})),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(SEATS))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("link", format!("<{uri}{SEATS}?per_page=100&page=2>; rel=\"next\", <{uri}{SEATS}?per_page=100&page=2>; rel=\"last\"").as_str())
                .set_body_json(json!({"total_seats": 2, "seats": [seat("octo-dev", Some("2026-03-09T16:00:00Z"))]})),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(USERS_1_DAY))
        .respond_with(move |r: &Request| {
            let day = query(r, "day").unwrap();
            if day == "2026-03-07" {
                return ResponseTemplate::new(404).set_body_json(json!({"message": "Not Found"}));
            }
            ResponseTemplate::new(200).set_body_json(json!({
                "download_links": [format!("{uri}/download/{day}/a.ndjson"), format!("{uri}/download/{day}/b.ndjson")],
                "report_day": day
            }))
        })
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(wiremock::matchers::path_regex("^/download/.*/a.ndjson$"))
        .respond_with(|r: &Request| {
            let day = r.url.path().split('/').nth(2).unwrap().to_string();
            ResponseTemplate::new(200).set_body_string(format!(
                "{}\n{{not json\n",
                json!({"day": day, "user_login": "Octo-Dev", "user_id": 7, "used_agent": true,
                       "user_initiated_interaction_count": 12, "code_generation_activity_count": 40,
                       "code_acceptance_activity_count": 10, "loc_suggested_to_add_sum": 90, "loc_added_sum": 30})
            ))
        })
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(wiremock::matchers::path_regex("^/download/.*/b.ndjson$"))
        .respond_with(ResponseTemplate::new(200).set_body_string(""))
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn seats_and_daily_user_reports_land_and_downloads_carry_no_token() {
    let server = server().await;
    let t = store();
    // A directory entry with the GitHub login matches the report's user to an email.
    {
        let conn = rusqlite::Connection::open(&t.path).unwrap();
        conn.execute("INSERT INTO developers (id, email, handle, team) VALUES ('octo@example.com', 'octo@example.com', 'octo-dev', 'web')", []).unwrap();
    }
    let spec = spec(ApiKind::Copilot, &server.uri(), 3);
    let report = poll_once(&spec, &t.store, NOW).await.unwrap();
    // Days 03-07 (no report), 03-08 and 03-09; today's report does not exist yet.
    let days: Vec<String> = hits(&server, USERS_1_DAY)
        .await
        .iter()
        .filter_map(|r| query(r, "day"))
        .collect();
    assert_eq!(days, vec!["2026-03-07", "2026-03-08", "2026-03-09"]);
    assert_eq!(
        report.problems.by_kind.get("malformed_json"),
        Some(&2),
        "{:?}",
        report.problems
    );
    assert!(
        report.problems.first[0].contains("2026-03-08 link 1 line 2"),
        "{:?}",
        report.problems
    );

    let all = server.received_requests().await.unwrap();
    for r in &all {
        let authed = r.headers.contains_key("authorization");
        if r.url.path().starts_with("/download/") {
            assert!(
                !authed,
                "download links are fetched without the GitHub token"
            );
        } else {
            assert!(authed, "{}", r.url);
        }
    }
    let daily = rows(
        &t,
        "SELECT day, developer, suggestions, acceptances, lines_suggested, lines_accepted, requests FROM daily_usage WHERE source = 'copilot' ORDER BY day",
    );
    assert_eq!(
        daily,
        vec![
            "2026-03-08|octo@example.com|40|10|90|30|12",
            "2026-03-09|octo@example.com|40|10|90|30|12",
        ]
    );
    let seats = rows(
        &t,
        "SELECT developer, plan, last_activity_at IS NOT NULL, last_activity_editor FROM vendor_seats ORDER BY developer",
    );
    assert_eq!(
        seats,
        vec![
            "idle-dev|business|0|vscode/1.96.0/copilot/1.250.0",
            "octo@example.com|business|1|vscode/1.96.0/copilot/1.250.0"
        ]
    );
    poll_once(&spec, &t.store, NOW).await.unwrap();
    assert_eq!(
        rows(
            &t,
            "SELECT day, developer, suggestions, acceptances, lines_suggested, lines_accepted, requests FROM daily_usage WHERE source = 'copilot' ORDER BY day"
        ),
        daily
    );

    // A seat unassigned since (no longer listed) is no longer a paid seat.
    server.reset().await;
    Mock::given(method("GET"))
        .and(path(SEATS))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"total_seats": 1, "seats": [seat("octo-dev", Some("2026-03-10T09:00:00Z"))]}),
        ))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(USERS_1_DAY))
        .respond_with(ResponseTemplate::new(404))
        .mount(&server)
        .await;
    poll_once(&spec, &t.store, NOW + 3_600_000).await.unwrap();
    assert_eq!(
        rows(&t, "SELECT developer FROM vendor_seats"),
        vec!["octo@example.com"]
    );
}

#[tokio::test]
async fn a_secondary_rate_limit_is_a_throttle_and_a_plain_403_is_not_retried() {
    let server = MockServer::start().await;
    Mock::given(path(SEATS))
        .respond_with(
            ResponseTemplate::new(403)
                .insert_header("retry-after", "1")
                .set_body_json(json!({"message": "You have exceeded a secondary rate limit"})),
        )
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(path(SEATS))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"total_seats": 0, "seats": []})),
        )
        .mount(&server)
        .await;
    Mock::given(path(USERS_1_DAY))
        .respond_with(ResponseTemplate::new(404))
        .mount(&server)
        .await;
    let t = store();
    let spec = spec(ApiKind::Copilot, &server.uri(), 1);
    poll_once(&spec, &t.store, NOW).await.unwrap();
    assert_eq!(hits(&server, SEATS).await.len(), 2);

    server.reset().await;
    Mock::given(path(SEATS))
        .respond_with(
            ResponseTemplate::new(403)
                .set_body_json(json!({"message": "Resource not accessible by integration"})),
        )
        .mount(&server)
        .await;
    let err = poll_once(&spec, &t.store, NOW)
        .await
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        format!("{SEATS} refused the key (403): Resource not accessible by integration")
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

/// One Copilot poll (a day back) into a new store, which must fail: its error.
async fn one_failed_poll(server: &MockServer) -> String {
    let t = store();
    let spec = spec(ApiKind::Copilot, &server.uri(), 1);
    poll_once(&spec, &t.store, NOW)
        .await
        .unwrap_err()
        .to_string()
}

#[tokio::test]
async fn github_organisation_teams_fill_the_directory() {
    let server = MockServer::start().await;
    let uri = server.uri();
    Mock::given(path("/orgs/acme/teams"))
        .and(query_param("page", "2"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!([{"slug": "web", "name": "Web"}])),
        )
        .mount(&server)
        .await;
    Mock::given(path("/orgs/acme/teams"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header(
                    "link",
                    format!("<{uri}/orgs/acme/teams?page=2>; rel=\"next\"").as_str(),
                )
                .set_body_json(json!([{"slug": "platform", "name": "Platform"}])),
        )
        .mount(&server)
        .await;
    Mock::given(path("/orgs/acme/teams/platform/members"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([{"login": "Octo-Dev"}])))
        .mount(&server)
        .await;
    Mock::given(path("/orgs/acme/teams/web/members"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([{"login": "newbie"}])))
        .mount(&server)
        .await;
    let t = store();
    {
        let conn = rusqlite::Connection::open(&t.path).unwrap();
        conn.execute("INSERT INTO developers (id, email, handle) VALUES ('octo@example.com', 'octo@example.com', 'octo-dev')", []).unwrap();
    }
    let teams = agentdeck::collect::directory::GithubTeams {
        base_url: uri.clone(),
        org: "acme".into(),
        key: agentdeck::collect::http::Secret::new("ghp_test"),
    };
    assert_eq!(teams.sync(&t.store).await.unwrap(), 2);
    assert_eq!(
        rows(&t, "SELECT id, handle, team FROM developers ORDER BY id"),
        vec!["newbie|newbie|web", "octo@example.com|octo-dev|platform"]
    );
    let health = rows(
        &t,
        "SELECT items_read, last_rows, last_error FROM source_health WHERE source = 'github_teams'",
    );
    assert_eq!(health, vec!["4|2|NULL"]);
}

/// A seats `Link: rel="next"` that points back at a page already read stops the pass with
/// the endpoint named instead of looping; a 429 with `Retry-After` before it is waited out.
#[tokio::test]
async fn a_link_that_never_advances_stops_the_seats_pass() {
    let server = MockServer::start().await;
    let uri = server.uri();
    Mock::given(path(SEATS))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "1"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(SEATS))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header(
                    "link",
                    format!("<{uri}{SEATS}?per_page=100&page=2>; rel=\"next\"").as_str(),
                )
                .set_body_json(json!({"total_seats": 1, "seats": [seat("octo-dev", None)]})),
        )
        .with_priority(5)
        .mount(&server)
        .await;
    let err = one_failed_poll(&server).await;
    assert!(err.contains("came back again"), "{err}");
    assert!(err.contains(SEATS), "{err}");
    assert_eq!(
        hits(&server, SEATS).await.len(),
        3,
        "one 429, its retry, page 2 naming itself as next: then the guard stops"
    );
}

/// A `Link: rel="next"` to another host is not followed: the GitHub token goes only to the
/// configured API (it had been sent to whatever host the answer named).
#[tokio::test]
async fn a_next_page_link_to_another_host_is_not_sent_the_token() {
    let server = MockServer::start().await;
    let elsewhere = MockServer::start().await;
    let other = elsewhere.uri();
    Mock::given(path(SEATS))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header(
                    "link",
                    format!("<{other}{SEATS}?per_page=100&page=2>; rel=\"next\"").as_str(),
                )
                .set_body_json(json!({"total_seats": 1, "seats": [seat("octo-dev", None)]})),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"seats": []})))
        .mount(&elsewhere)
        .await;
    let err = one_failed_poll(&server).await;
    assert!(err.contains("not followed with the key"), "{err}");
    assert!(!err.contains("ghp_"), "{err}");
    assert_eq!(
        elsewhere.received_requests().await.unwrap().len(),
        0,
        "the other host was asked, with the token"
    );
}

/// A signed download link carries no token: when its host refuses it (the link expired),
/// the error says so instead of blaming the GitHub token, and nothing of that day is
/// marked read.
#[tokio::test]
async fn an_expired_download_link_is_not_reported_as_a_refused_key() {
    let server = MockServer::start().await;
    let uri = server.uri();
    Mock::given(path(SEATS))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"total_seats": 0, "seats": []})),
        )
        .mount(&server)
        .await;
    Mock::given(path(USERS_1_DAY))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"download_links": [format!("{uri}/download/a.ndjson")]})),
        )
        .mount(&server)
        .await;
    Mock::given(path("/download/a.ndjson"))
        .respond_with(
            ResponseTemplate::new(403)
                .set_body_string("<Error><Code>AuthenticationFailed</Code></Error>"),
        )
        .mount(&server)
        .await;
    let t = store();
    let err = poll_once(&spec(ApiKind::Copilot, &server.uri(), 1), &t.store, NOW)
        .await
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        "a report download link answered 403: the signed link was refused (expired?): <Error><Code>AuthenticationFailed</Code></Error>"
    );
    assert_eq!(hits(&server, "/download/a.ndjson").await.len(), 1);
    assert_eq!(
        scalar(
            &t,
            "SELECT count(*) FROM cursors WHERE path = 'copilot/metrics/reports/users-1-day'"
        ),
        0
    );
}
