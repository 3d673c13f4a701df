//! Conditional requests across passes: the ETags of GitHub listings are kept in the store,
//! so a later pass (a new client, as every `report`/console refresh makes) over an
//! unchanged repository costs only 304 answers — and a changed listing is read again.

use agentdeck::collect::sources::code_host::{Fetcher, pass};
use agentdeck::collect::sources::github::GitHub;
use agentdeck::store::Store;
use serde_json::json;
use wiremock::matchers::{header, header_exists, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn pull(n: i64, updated: &str) -> serde_json::Value {
    json!({
        "number": n, "title": "PAY-1: change", "body": "plain", "user": {"login": "ana"},
        "head": {"ref": "feature/x", "sha": "abc1234"}, "created_at": "2026-11-20T08:00:00Z",
        "updated_at": updated, "merged_at": null, "closed_at": null, "merge_commit_sha": null,
    })
}

/// Mounts `body` at `at` with ETag `etag`, answering 304 to `If-None-Match: etag`.
async fn conditional(gh: &MockServer, at: &str, etag: &str, body: serde_json::Value) {
    Mock::given(method("GET"))
        .and(path(at.to_string()))
        .and(header("if-none-match", etag))
        .respond_with(ResponseTemplate::new(304).insert_header("etag", etag))
        .with_priority(1)
        .mount(gh)
        .await;
    Mock::given(method("GET"))
        .and(path(at.to_string()))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("etag", etag)
                .set_body_json(body),
        )
        .with_priority(5)
        .mount(gh)
        .await;
}

async fn conditional_requests(gh: &MockServer) -> usize {
    let all = gh.received_requests().await.unwrap();
    all.iter()
        .filter(|r| r.headers.contains_key("if-none-match"))
        .count()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unchanged_repository_costs_only_304s_on_the_next_pass() {
    let gh = MockServer::start().await;
    let api = gh.uri();
    conditional(
        &gh,
        "/repos/acme/api/pulls",
        "\"p1\"",
        json!([pull(1, "2026-11-21T09:00:00Z")]),
    )
    .await;
    for (at, body) in [
        ("/repos/acme/api/pulls/1/reviews", json!([])),
        ("/repos/acme/api/pulls/1/commits", json!([])),
    ] {
        Mock::given(method("GET"))
            .and(path(at))
            .respond_with(ResponseTemplate::new(200).set_body_json(body))
            .mount(&gh)
            .await;
    }
    conditional(
        &gh,
        "/repos/acme/api/deployments",
        "\"d1\"",
        json!([{"id": 7, "sha": "abc1234", "environment": "production",
                "created_at": "2026-11-21T10:00:00Z",
                "statuses_url": format!("{api}/repos/acme/api/deployments/7/statuses")}]),
    )
    .await;
    conditional(
        &gh,
        "/repos/acme/api/deployments/7/statuses",
        "\"s1\"",
        json!([{"state": "success"}]),
    )
    .await;

    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    let repos = vec!["acme/api".to_string()];
    let host = GitHub::new(Some(&api));
    let first = {
        let db = db.clone();
        let store = tokio::task::spawn_blocking(move || Store::open(&db).unwrap())
            .await
            .unwrap();
        let mut fetcher = Fetcher::new(&host, Some("ghp_test")).unwrap();
        let s = pass(&host, &mut fetcher, &store, &repos, 0).await.unwrap();
        assert_eq!((s.pull_requests, s.deploys), (1, 1), "{s:?}");
        assert_eq!(
            fetcher.requests, 5,
            "pulls, reviews, commits, deployments, statuses"
        );
        assert_eq!(conditional_requests(&gh).await, 0);
        fetcher.requests
    };

    // A new process: a new client and a reopened store.
    let store = tokio::task::spawn_blocking(move || Store::open(&db).unwrap())
        .await
        .unwrap();
    let mut fetcher = Fetcher::new(&host, Some("ghp_test")).unwrap();
    let s = pass(&host, &mut fetcher, &store, &repos, 0).await.unwrap();
    assert!(s.problems.is_empty(), "{s:?}");
    assert_eq!((s.pull_requests, s.deploys), (0, 0), "{s:?}");
    assert_eq!(
        (fetcher.requests, fetcher.not_modified),
        (2, 2),
        "the pull listing and the deployments, both answered 304"
    );
    assert_eq!(conditional_requests(&gh).await, 2);
    assert_eq!(gh.received_requests().await.unwrap().len(), first + 2);

    // The listing changes (a new ETag): it is read again and the pull re-read.
    gh.reset().await;
    Mock::given(method("GET"))
        .and(path("/repos/acme/api/pulls"))
        .and(header_exists("if-none-match"))
        .and(header("if-none-match", "\"p1\""))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("etag", "\"p2\"")
                .set_body_json(json!([pull(1, "2026-11-22T09:00:00Z")])),
        )
        .mount(&gh)
        .await;
    for at in [
        "/repos/acme/api/pulls/1/reviews",
        "/repos/acme/api/pulls/1/commits",
    ] {
        Mock::given(method("GET"))
            .and(path(at))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
            .mount(&gh)
            .await;
    }
    Mock::given(method("GET"))
        .and(path("/repos/acme/api/deployments"))
        .and(header("if-none-match", "\"d1\""))
        .respond_with(ResponseTemplate::new(304))
        .mount(&gh)
        .await;
    let mut fetcher = Fetcher::new(&host, Some("ghp_test")).unwrap();
    let s = pass(&host, &mut fetcher, &store, &repos, 0).await.unwrap();
    assert!(s.problems.is_empty(), "{s:?}");
    assert_eq!(s.pull_requests, 1, "{s:?}");
    let conn = rusqlite::Connection::open(dir.path().join("s.db")).unwrap();
    let etag: String = conn
        .query_row(
            "SELECT etag FROM http_etags WHERE url LIKE '%/pulls?%'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(etag, "\"p2\"");
}
