//! Sync pages on both backends, table by table: every table a page is built from
//! (requests, sessions, events, counters, developers and their teams) holds only rows in the
//! caller's scope; and org-wide daily totals reach members and managers only when enough
//! developers outside their scope contributed (k-anonymity, default 5).

use crate::server_support;

use agentdeck::protocol::SyncPage;
use agentdeck::server::state::Limits;
use agentdeck::store::queries::sync::OrgTotalsRule;
use server_support::team::*;
use server_support::*;

/// Requests, prompts and a commit counter for ana and bob (their own tokens), carol (the
/// team's collector) and the lead (their own token).
async fn seeded(org: OrgTotalsRule) -> Vec<Team> {
    let mut out = Vec::new();
    for b in each_backend().await {
        let t = Team::start(b, Limits::default(), org).await;
        for (who, email, session) in [
            ("ana", ANA, "S-shared"),
            ("bob", BOB, "S-shared"),
            ("collector", CAROL, "S-shared"),
            ("lead", LEAD, "S-shared"),
        ] {
            let prompt = record(
                "claude_code.user_prompt",
                T0_NANOS,
                vec![s("session.id", session), s("user.email", email)],
            );
            let export = logs(
                claude_resource(),
                vec![
                    claude_api_request(session, &format!("req-{who}"), 1, email),
                    prompt,
                ],
            );
            let (status, answer) = t.logs(who, &export).await;
            assert_eq!((status, answer.partial_success), (200, None), "{who}");
            let commit = metrics(
                claude_resource(),
                vec![sum_metric(
                    "claude_code.commit.count",
                    1,
                    vec![(T0_NANOS - 60, T0_NANOS, 1, vec![s("user.email", email)])],
                )],
            );
            assert_eq!(t.metrics(who, &commit).await.0, 200);
        }
        out.push(t);
    }
    out
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v.dedup();
    v
}

/// Who each role sees in one table of the merged sync pages.
async fn scopes(t: &Team, table: impl Fn(&SyncPage) -> Vec<String>) {
    for (who, expected) in [
        ("ana", vec![ANA]),
        ("bob", vec![BOB]),
        ("lead", vec![ANA, CAROL, LEAD]),
        ("admin", vec![ANA, BOB, CAROL, LEAD]),
    ] {
        let page = t.sync(who).await;
        assert_eq!(
            sorted(table(&page)),
            sorted(expected.iter().map(|s| s.to_string()).collect()),
            "{}: {who}",
            t.label()
        );
    }
}

#[tokio::test]
async fn requests_are_read_within_scope() {
    for t in seeded(OrgTotalsRule::default()).await {
        scopes(&t, |p| {
            p.requests.iter().map(|r| r.developer.clone()).collect()
        })
        .await;
        t.stop().await;
    }
}

#[tokio::test]
async fn sessions_are_read_within_scope() {
    for t in seeded(OrgTotalsRule::default()).await {
        scopes(&t, |p| {
            p.sessions.iter().map(|s| s.developer.clone()).collect()
        })
        .await;
        t.stop().await;
    }
}

#[tokio::test]
async fn events_are_read_within_scope() {
    for t in seeded(OrgTotalsRule::default()).await {
        scopes(&t, |p| {
            p.events.iter().map(|e| e.developer.clone()).collect()
        })
        .await;
        t.stop().await;
    }
}

#[tokio::test]
async fn counters_are_read_within_scope() {
    for t in seeded(OrgTotalsRule::default()).await {
        scopes(&t, |p| {
            p.counters.iter().map(|c| c.developer.clone()).collect()
        })
        .await;
        t.stop().await;
    }
}

#[tokio::test]
async fn developers_are_read_within_scope() {
    for t in seeded(OrgTotalsRule::default()).await {
        scopes(&t, |p| p.developers.iter().map(|d| d.id.clone()).collect()).await;
        t.stop().await;
    }
}

#[tokio::test]
async fn teams_are_read_within_scope() {
    for t in seeded(OrgTotalsRule::default()).await {
        for (who, expected) in [
            ("ana", vec!["a"]),
            ("bob", vec!["b"]),
            ("lead", vec!["a"]),
            ("admin", vec!["a", "b"]),
        ] {
            let page = t.sync(who).await;
            let teams = sorted(page.developers.iter().map(|d| d.team.clone()).collect());
            assert_eq!(teams, expected, "{}: {who}", t.label());
        }
        t.stop().await;
    }
}

fn org_requests(page: &SyncPage) -> i64 {
    page.org_daily.iter().map(|d| d.requests).sum()
}

#[tokio::test]
async fn org_totals_are_k_anonymous() {
    for t in seeded(OrgTotalsRule::default()).await {
        // Four developers: three outside ana's scope, one outside the lead's. Fewer than 5.
        assert!(t.sync("ana").await.org_daily.is_empty(), "{}", t.label());
        assert!(t.sync("lead").await.org_daily.is_empty());
        assert_eq!(org_requests(&t.sync("admin").await), 4);
        t.stop().await;
    }
    for t in seeded(OrgTotalsRule { min_developers: 3 }).await {
        assert_eq!(org_requests(&t.sync("ana").await), 4, "{}", t.label());
        assert!(
            t.sync("lead").await.org_daily.is_empty(),
            "{}: org minus the lead's team is one developer",
            t.label()
        );
        t.stop().await;
    }
}
