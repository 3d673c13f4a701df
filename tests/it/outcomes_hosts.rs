//! GitHub and GitLab through wiremock with the providers' response shapes: pagination,
//! AI assistance from the author, the body and the commits, review rounds and the first
//! review, deployments and their status, conditional requests answered 304, and a pass
//! that stops at the rate limit.

use agentdeck::collect::sources::code_host::{CodeHost, Fetcher, pass};
use agentdeck::collect::sources::{github::GitHub, gitlab::GitLab};
use agentdeck::store::Store;
use serde_json::json;
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn t(h: u32) -> String {
    format!("2026-11-2{}T{:02}:00:00Z", 1 + h / 24, h % 24)
}

fn gh_pull(n: i64, login: &str, body: &str, merged: bool, updated_h: u32) -> serde_json::Value {
    json!({
        "number": n, "title": format!("PAY-{n}: change"), "body": body, "user": {"login": login},
        "head": {"ref": format!("feature/{n}"), "sha": "abc1234"},
        "created_at": t(1), "updated_at": t(updated_h),
        "merged_at": if merged { json!(t(updated_h)) } else { json!(null) },
        "closed_at": if merged { json!(t(updated_h)) } else { json!(null) },
        "merge_commit_sha": "def5678",
    })
}

fn gh_commit(name: &str, email: &str, message: &str) -> serde_json::Value {
    json!({"sha": "1234567", "commit": {
        "author": {"name": name, "email": email, "date": t(1)},
        "committer": {"name": name, "email": email, "date": t(1)},
        "message": message}})
}

async fn open_store(dir: &std::path::Path) -> Store {
    let p = dir.join("s.db");
    tokio::task::spawn_blocking(move || Store::open(&p).unwrap())
        .await
        .unwrap()
}

/// One GitHub pass over `repos` against `gh`, into a new store in `dir`, with `token`.
async fn github_pass(
    gh: &MockServer,
    dir: &std::path::Path,
    repos: &[&str],
    token: Option<&str>,
) -> (
    agentdeck::collect::sources::code_host::HostPassSummary,
    Fetcher,
    Store,
) {
    let store = open_store(dir).await;
    let host = GitHub::new(Some(&gh.uri()));
    let mut fetcher = Fetcher::new(&host, token).unwrap();
    let repos: Vec<String> = repos.iter().map(|r| r.to_string()).collect();
    let s = pass(&host, &mut fetcher, &store, &repos, 0).await.unwrap();
    (s, fetcher, store)
}

#[tokio::test(flavor = "multi_thread")]
async fn github_pulls_reviews_commits_and_deployments() {
    assert_eq!(GitHub::new(None).repo_id("acme/api"), "github.com/acme/api");
    let gh = MockServer::start().await;
    let api = gh.uri();
    let next = format!(
        "<{api}/repos/acme/api/pulls?state=all&sort=updated&direction=desc&per_page=100&page=2>; rel=\"next\""
    );
    Mock::given(method("GET"))
        .and(path("/repos/acme/api/pulls"))
        .and(query_param("page", "2"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!([gh_pull(3, "li", "Refactor", true, 5)])),
        )
        .mount(&gh)
        .await;
    Mock::given(method("GET"))
        .and(path("/repos/acme/api/pulls"))
        .and(header("authorization", "Bearer ghp_test"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("link", next.as_str())
                .insert_header("etag", "\"p1\"")
                .insert_header("x-ratelimit-remaining", "4999")
                .set_body_json(json!([
                    gh_pull(1, "Copilot", "Fixes the bug", true, 9),
                    gh_pull(2, "ana", "Summary\n\n🤖 Generated with [Claude Code](https://claude.com/claude-code)", false, 8),
                ])),
        )
        .mount(&gh)
        .await;
    let reviews = |n: i64, body: serde_json::Value| {
        Mock::given(method("GET"))
            .and(path(format!("/repos/acme/api/pulls/{n}/reviews")))
            .respond_with(ResponseTemplate::new(200).set_body_json(body))
    };
    reviews(
        1,
        json!([{"user": {"login": "li"}, "state": "APPROVED", "submitted_at": t(3)}]),
    )
    .mount(&gh)
    .await;
    reviews(2, json!([])).mount(&gh).await;
    reviews(
        3,
        json!([
            {"user": {"login": "ana"}, "state": "CHANGES_REQUESTED", "submitted_at": t(2)},
            {"user": {"login": "li"}, "state": "COMMENTED", "submitted_at": t(2)},
            {"user": {"login": "ana"}, "state": "APPROVED", "submitted_at": t(4)}
        ]),
    )
    .mount(&gh)
    .await;
    let commits = |n: i64, body: serde_json::Value| {
        Mock::given(method("GET"))
            .and(path(format!("/repos/acme/api/pulls/{n}/commits")))
            .respond_with(ResponseTemplate::new(200).set_body_json(body))
    };
    commits(
        1,
        json!([gh_commit(
            "copilot-swe-agent[bot]",
            "198982749+Copilot@users.noreply.github.com",
            "Fix"
        )]),
    )
    .mount(&gh)
    .await;
    commits(2, json!([gh_commit("Ana", "ana@x.dev", "Add x")]))
        .mount(&gh)
        .await;
    commits(
        3,
        json!([gh_commit(
            "Li",
            "li@x.dev",
            "Refactor\n\nCo-authored-by: Cursor <cursoragent@cursor.com>"
        )]),
    )
    .mount(&gh)
    .await;
    Mock::given(method("GET"))
        .and(path("/repos/acme/api/deployments"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([
            {"id": 77, "sha": "def5678", "environment": "production", "created_at": t(10),
             "statuses_url": format!("{api}/repos/acme/api/deployments/77/statuses")}
        ])))
        .mount(&gh)
        .await;
    Mock::given(method("GET"))
        .and(path("/repos/acme/api/deployments/77/statuses"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!([{"state": "failure"}, {"state": "in_progress"}])),
        )
        .mount(&gh)
        .await;

    let dir = tempfile::tempdir().unwrap();
    let store = open_store(dir.path()).await;
    let host = GitHub::new(Some(&api));
    let mut fetcher = Fetcher::new(&host, Some("ghp_test")).unwrap();
    let repos = vec!["acme/api".to_string()];
    let s = pass(&host, &mut fetcher, &store, &repos, 0).await.unwrap();
    assert_eq!(
        (s.pull_requests, s.ai_pull_requests, s.deploys),
        (3, 3, 1),
        "{s:?}"
    );
    assert!(s.problems.is_empty(), "{s:?}");
    let conn = rusqlite::Connection::open(dir.path().join("s.db")).unwrap();
    type Row = (i64, String, String, i64, Option<i64>, Option<String>);
    let rows: Vec<Row> = conn
        .prepare("SELECT number, ai_agent, ai_detected_by, review_rounds, first_review_at, ticket_key FROM pull_requests WHERE repo = ?1 ORDER BY number")
        .unwrap()
        .query_map([format!("{}/acme/api", gh.address())], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(
        (rows[0].1.as_str(), rows[0].2.as_str(), rows[0].3),
        ("copilot", "author", 1),
        "merged on first review"
    );
    assert_eq!(
        (rows[1].1.as_str(), rows[1].2.as_str(), rows[1].3),
        ("claude_code", "message", 0)
    );
    assert_eq!(
        (rows[2].1.as_str(), rows[2].2.as_str(), rows[2].3),
        ("cursor", "trailer", 2),
        "changes requested once: two rounds"
    );
    assert_eq!(
        rows[2].4,
        chrono::DateTime::parse_from_rfc3339(&t(2))
            .ok()
            .map(|d| d.timestamp_millis())
    );
    assert_eq!(rows[0].5.as_deref(), Some("PAY-1"));
    let status: String = conn
        .query_row("SELECT status FROM deploys WHERE id = '77'", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(status, "failed");

    // Again with the same client: the first page comes back 304 from the ETag cache, and
    // nothing older than the cursor is fetched again.
    Mock::given(method("GET"))
        .and(path("/repos/acme/api/pulls"))
        .and(header("if-none-match", "\"p1\""))
        .respond_with(ResponseTemplate::new(304))
        .with_priority(1)
        .mount(&gh)
        .await;
    let before = fetcher.requests;
    let again = pass(&host, &mut fetcher, &store, &repos, 0).await.unwrap();
    assert_eq!(fetcher.not_modified, 1);
    assert_eq!(
        again.pull_requests, 1,
        "only the pull updated at the cursor's instant is re-read"
    );
    assert!(
        fetcher.requests - before <= 5,
        "{} requests",
        fetcher.requests - before
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_pass_stops_at_the_rate_limit() {
    let gh = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(403)
                .insert_header("x-ratelimit-remaining", "0")
                .insert_header("x-ratelimit-reset", "4102444800")
                .set_body_json(json!({"message": "API rate limit exceeded"})),
        )
        .mount(&gh)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let (s, fetcher, _) = github_pass(&gh, dir.path(), &["acme/a", "acme/b"], None).await;
    assert_eq!(s.repositories, 0);
    assert_eq!(
        s.problems.len(),
        1,
        "the second repository is not tried: {s:?}"
    );
    assert!(s.problems[0].contains("rate limit"), "{s:?}");
    assert_eq!(fetcher.requests, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn gitlab_merge_requests_notes_commits_and_deployments() {
    let gl = MockServer::start().await;
    let api = format!("{}/api/v4", gl.uri());
    let mr = |iid: i64, user: &str, desc: &str| {
        json!({
            "iid": iid, "title": "Change", "description": desc, "author": {"username": user},
            "source_branch": format!("ana/eng-{iid}-x"), "created_at": t(1), "updated_at": t(6),
            "merged_at": t(6), "closed_at": null, "sha": "abc1234", "merge_commit_sha": "fed4321"
        })
    };
    Mock::given(method("GET"))
        .and(path("/api/v4/projects/acme%2Fapi/merge_requests"))
        .and(query_param("page", "2"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("x-next-page", "")
                .set_body_json(json!([mr(2, "li", "plain")])),
        )
        .mount(&gl)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v4/projects/acme%2Fapi/merge_requests"))
        .and(header("private-token", "glpat-x"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("x-next-page", "2")
                .set_body_json(json!([mr(
                    1,
                    "ana",
                    "Done.\n\nCo-authored-by: Codex <noreply@openai.com>"
                )])),
        )
        .mount(&gl)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v4/projects/acme%2Fapi/merge_requests/1/notes"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([
            {"author": {"username": "ana"}, "system": false, "body": "ready", "created_at": t(2)},
            {"author": {"username": "li"}, "system": false, "body": "please rename", "created_at": t(3)},
            {"author": {"username": "li"}, "system": true, "body": "requested changes", "created_at": t(3)}
        ])))
        .mount(&gl)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v4/projects/acme%2Fapi/merge_requests/2/notes"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .mount(&gl)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v4/projects/acme%2Fapi/merge_requests/1/commits"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .mount(&gl)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v4/projects/acme%2Fapi/merge_requests/2/commits"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([
            {"author_name": "Li (aider)", "author_email": "li@x.dev", "committer_name": "Li (aider)", "committer_email": "li@x.dev", "message": "x"}
        ])))
        .mount(&gl)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v4/projects/acme%2Fapi/deployments"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([
            {"id": 5, "sha": "fed4321", "status": "success", "created_at": t(7), "environment": {"name": "prod"}}
        ])))
        .mount(&gl)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let store = open_store(dir.path()).await;
    let host = GitLab::new(Some(&api));
    let mut fetcher = Fetcher::new(&host, Some("glpat-x")).unwrap();
    let s = pass(&host, &mut fetcher, &store, &["acme/api".to_string()], 0)
        .await
        .unwrap();
    assert_eq!(
        (s.pull_requests, s.ai_pull_requests, s.deploys),
        (2, 2, 1),
        "{s:?}"
    );
    let conn = rusqlite::Connection::open(dir.path().join("s.db")).unwrap();
    let host_id = format!("{}/acme/api", gl.address());
    let rows: Vec<(i64, String, i64, String)> = conn
        .prepare("SELECT number, ai_agent, review_rounds, ticket_key FROM pull_requests WHERE repo = ?1 ORDER BY number")
        .unwrap()
        .query_map([&host_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(
        rows,
        vec![
            (1, "codex".into(), 2, "ENG-1".into()),
            (2, "aider".into(), 0, "ENG-2".into())
        ]
    );
    let status: String = conn
        .query_row("SELECT status FROM deploys WHERE id = '5'", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(status, "success");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_merged_revert_marks_the_pull_request_it_undoes_as_reverted() {
    let gh = MockServer::start().await;
    let mount_pulls = |pulls: serde_json::Value| {
        Mock::given(method("GET"))
            .and(path("/repos/acme/api/pulls"))
            .respond_with(ResponseTemplate::new(200).set_body_json(pulls))
    };
    let mount_rest = || async {
        Mock::given(method("GET"))
            .and(wiremock::matchers::path_regex(
                r"^/repos/acme/api/(pulls/\d+/(reviews|commits)|deployments)$",
            ))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
            .mount(&gh)
            .await;
    };
    mount_pulls(json!([
        gh_pull(5, "ana", "Checkout", true, 6),
        gh_pull(4, "li", "Search", true, 5)
    ]))
    .mount(&gh)
    .await;
    mount_rest().await;
    let dir = tempfile::tempdir().unwrap();
    let store = open_store(dir.path()).await;
    let host = GitHub::new(Some(&gh.uri()));
    let repos = vec!["acme/api".to_string()];
    let mut fetcher = Fetcher::new(&host, None).unwrap();
    pass(&host, &mut fetcher, &store, &repos, 0).await.unwrap();

    // Later: #5 is reverted with GitHub's Revert button (merged); a revert of #4 is still
    // open, and one names another repository's #4.
    gh.reset().await;
    mount_pulls(json!([
        gh_pull(6, "ana", "Reverts acme/api#5", true, 12),
        gh_pull(7, "li", "Reverts acme/api#4", false, 11),
        gh_pull(8, "li", "Reverts acme/web#4", true, 10),
    ]))
    .mount(&gh)
    .await;
    mount_rest().await;
    let mut fetcher = Fetcher::new(&host, None).unwrap();
    let s = pass(&host, &mut fetcher, &store, &repos, 0).await.unwrap();
    assert!(s.problems.is_empty(), "{s:?}");
    let conn = rusqlite::Connection::open(dir.path().join("s.db")).unwrap();
    let reverted: Vec<i64> = conn
        .prepare("SELECT number FROM pull_requests WHERE reverted ORDER BY number")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(reverted, vec![5]);
    let facts = store
        .reader()
        .unwrap()
        .quality_facts(0, i64::MAX / 2)
        .unwrap();
    assert_eq!(
        (facts.human.reverted_prs, facts.human.merged),
        (1, 4),
        "the PR revert rate is 1 of 4 merged"
    );

    // #5 updated again later (a comment): it stays reverted.
    gh.reset().await;
    mount_pulls(json!([gh_pull(5, "ana", "Checkout", true, 20)]))
        .mount(&gh)
        .await;
    mount_rest().await;
    let mut fetcher = Fetcher::new(&host, None).unwrap();
    pass(&host, &mut fetcher, &store, &repos, 0).await.unwrap();
    let still: bool = conn
        .query_row(
            "SELECT reverted FROM pull_requests WHERE number = 5",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(still);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_gitlab_approval_without_a_comment_is_the_first_review() {
    let gl = MockServer::start().await;
    let api = format!("{}/api/v4", gl.uri());
    Mock::given(method("GET"))
        .and(path("/api/v4/projects/acme%2Fapi/merge_requests"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([{
            "iid": 3, "title": "Change", "description": "", "author": {"username": "ana"},
            "source_branch": "x", "created_at": t(1), "updated_at": t(6), "merged_at": t(6)
        }])))
        .mount(&gl)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v4/projects/acme%2Fapi/merge_requests/3/notes"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([
            {"author": {"username": "ana"}, "system": true, "body": "added 1 commit", "created_at": t(2)},
            {"author": {"username": "li"}, "system": true, "body": "approved this merge request", "created_at": t(4)},
            {"author": {"username": "li"}, "system": true, "body": "mentioned in commit fed4321", "created_at": t(6)}
        ])))
        .mount(&gl)
        .await;
    Mock::given(method("GET"))
        .and(wiremock::matchers::path_regex(
            r"^/api/v4/projects/acme%2Fapi/(merge_requests/3/commits|deployments)$",
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .mount(&gl)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let store = open_store(dir.path()).await;
    let host = GitLab::new(Some(&api));
    let mut fetcher = Fetcher::new(&host, None).unwrap();
    let s = pass(&host, &mut fetcher, &store, &["acme/api".to_string()], 0)
        .await
        .unwrap();
    assert!(s.problems.is_empty(), "{s:?}");
    let conn = rusqlite::Connection::open(dir.path().join("s.db")).unwrap();
    let row: (i64, Option<i64>) = conn
        .query_row(
            "SELECT review_rounds, first_review_at FROM pull_requests WHERE number = 3",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    let approved_at = chrono::DateTime::parse_from_rfc3339(&t(4))
        .unwrap()
        .timestamp_millis();
    assert_eq!(row, (1, Some(approved_at)), "approved by li: one round");
}

/// GitHub's secondary rate limit: a 403 with `retry-after` and requests left in the
/// primary quota. The pass stops there (trying the next repository would only prolong it)
/// and says when it may resume.
#[tokio::test(flavor = "multi_thread")]
async fn a_secondary_rate_limit_stops_the_pass_for_its_retry_after() {
    let gh = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(403)
                .insert_header("x-ratelimit-remaining", "4000")
                .insert_header("retry-after", "120")
                .set_body_json(json!({"message": "You have exceeded a secondary rate limit"})),
        )
        .mount(&gh)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let (s, fetcher, _) = github_pass(&gh, dir.path(), &["acme/a", "acme/b"], None).await;
    assert_eq!(
        fetcher.requests, 1,
        "the second repository is not tried: {s:?}"
    );
    assert_eq!(s.problems.len(), 1, "{s:?}");
    assert!(
        s.problems[0].contains("rate limit reached; it resets in 120 s"),
        "{s:?}"
    );
}

/// A repository the host refuses: the problem and the `github` source's last error name
/// the path and the answer once, not "github: " again after the source's own name
/// (`agentdeck sources` showed `github … github: repos/…`, the log `github: github: …`).
#[tokio::test(flavor = "multi_thread")]
async fn a_refused_repository_is_not_prefixed_with_the_host_twice() {
    let gh = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({"message": "Not Found"})))
        .mount(&gh)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let (s, _, store) = github_pass(&gh, dir.path(), &["acme/gone"], None).await;
    let expected = "repos/acme/gone/pulls?state=all&sort=updated&direction=desc&per_page=100 \
                    answered 404: Not Found";
    assert_eq!(s.problems, vec![expected.to_string()]);
    let details = tokio::task::spawn_blocking(move || store.reader().unwrap().source_details())
        .await
        .unwrap()
        .unwrap();
    let github = details
        .iter()
        .find(|d| d.status.source == "github")
        .unwrap();
    assert_eq!(github.status.last_error.as_deref(), Some(expected));
}

/// A pull-request listing whose `Link: rel="next"` points at another host is not followed:
/// the token goes only to the configured API (it had been sent wherever the answer said).
#[tokio::test(flavor = "multi_thread")]
async fn a_next_page_on_another_host_is_not_sent_the_token() {
    let gh = MockServer::start().await;
    let elsewhere = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/repos/acme/api/pulls"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header(
                    "link",
                    format!(
                        "<{}/repos/acme/api/pulls?page=2>; rel=\"next\"",
                        elsewhere.uri()
                    )
                    .as_str(),
                )
                .set_body_json(json!([gh_pull(1, "dev", "", false, 2)])),
        )
        .mount(&gh)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .mount(&gh)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .mount(&elsewhere)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let (s, _, _) = github_pass(&gh, dir.path(), &["acme/api"], Some("ghp_secret_token")).await;
    assert_eq!(s.problems.len(), 1, "{:?}", s.problems);
    assert!(
        s.problems[0].contains("next-page link leaves the configured host"),
        "{:?}",
        s.problems
    );
    assert_eq!(
        elsewhere.received_requests().await.unwrap().len(),
        0,
        "the other host was asked, with the token"
    );
}
