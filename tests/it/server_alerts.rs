//! Server-owned alert state on both backends (SQLite, and the real PostgreSQL of
//! AGENTDECK_TEST_POSTGRES_URL): the alerts API filtered by role, actions attributed to the
//! token and refused for the wrong member or manager, the same answers from both backends,
//! state kept across a restart; `POST /api/v1/events`; the engine firing on the server's
//! data; two consoles syncing one server see each other's acknowledgements.

use crate::server_support::team::{ANA, BOB, CAROL, LEAD, Team, each_backend};
use crate::server_support::{claude_api_request, claude_resource, logs};
use agentdeck::alerting::config::{AlertRuleConfig, PolicySection, effective_rules};
use agentdeck::alerting::sync::poll;
use agentdeck::alerting::{Engine, Evaluation};
use agentdeck::collect::sources::team_server::TeamServer;
use agentdeck::domain::alert_rules::Unit;
use agentdeck::domain::alerts::{AlertState, Severity};
use agentdeck::server::backend::{Backend, Database};
use agentdeck::server::state::Limits;
use agentdeck::store::ops::{AlertRow, Op};
use agentdeck::store::queries::alerts_admin::StoredAlert;
use agentdeck::store::queries::sync::OrgTotalsRule;
use agentdeck::store::{Store, WriteBatch};
use serde_json::{Value, json};
use std::time::Duration;

fn fire(rule: &str, subject: &str, fired_at: i64) -> Op {
    Op::FireAlert(AlertRow {
        rule: rule.into(),
        subject: subject.into(),
        severity: Severity::Warning,
        message: format!("{rule} on {subject}"),
        fired_at,
        value: Some(60.0),
        threshold: Some(20.0),
        unit: Some(Unit::Usd),
        ..AlertRow::default()
    })
}

pub(crate) async fn start(backend: (Database, Option<tempfile::TempDir>)) -> Team {
    Team::start(backend, Limits::default(), OrgTotalsRule::default()).await
}

/// Fires one alert per subject through the backend the server uses.
pub(crate) async fn plant(t: &Team, subjects: &[&str], now: i64) {
    let backend = Backend::open(&t.database).await.unwrap();
    let ops = subjects
        .iter()
        .enumerate()
        .map(|(i, s)| fire("spend_spike_developer", s, now - 60_000 + i as i64))
        .collect();
    backend.apply_ops(ops).await.unwrap();
}

pub(crate) async fn get(t: &Team, who: &str, path: &str) -> (u16, Value) {
    let r = reqwest::Client::new()
        .get(t.url(path))
        .bearer_auth(&t.tokens[who])
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

pub(crate) async fn post(t: &Team, who: &str, path: &str, body: Value) -> (u16, Value) {
    let r = reqwest::Client::new()
        .post(t.url(path))
        .bearer_auth(&t.tokens[who])
        .json(&body)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

/// (subject, state, acked_by, note) of every alert `who` may see, by subject.
async fn seen(t: &Team, who: &str) -> Vec<(String, String, Option<String>, Option<String>)> {
    let (status, page) = get(t, who, "/api/v1/alerts?since=0").await;
    assert_eq!(status, 200, "{} {who}: {page}", t.label());
    let mut out: Vec<_> = page["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["subject"].as_str().unwrap().to_string(),
                a["state"].as_str().unwrap().to_string(),
                a["acked_by"].as_str().map(str::to_string),
                a["note"].as_str().map(str::to_string),
            )
        })
        .collect();
    out.sort();
    out
}

fn id_of(page: &[(i64, String)], subject: &str) -> i64 {
    page.iter().find(|(_, s)| s == subject).unwrap().0
}

pub(crate) async fn ids(t: &Team) -> Vec<(i64, String)> {
    let (_, page) = get(t, "admin", "/api/v1/alerts?since=0").await;
    page["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["id"].as_i64().unwrap(),
                a["subject"].as_str().unwrap().into(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn alert_state_is_filtered_attributed_and_refused_by_role_on_every_backend() {
    let now = chrono::Utc::now().timestamp_millis();
    let mut answers: Vec<(String, Vec<Value>)> = Vec::new();
    for backend in each_backend().await {
        let t = start(backend).await;
        let label = t.label();
        let subjects = [
            format!("developer:{ANA}"),
            format!("developer:{BOB}"),
            format!("developer:{CAROL}"),
            "team:a".to_string(),
            "team:b".to_string(),
        ];
        let refs: Vec<&str> = subjects.iter().map(String::as_str).collect();
        plant(&t, &refs, now).await;
        let subjects_of = |v: Vec<(String, String, Option<String>, Option<String>)>| {
            v.into_iter().map(|a| a.0).collect::<Vec<_>>()
        };
        assert_eq!(
            subjects_of(seen(&t, "ana").await),
            vec![format!("developer:{ANA}")],
            "{label}: a member sees their own alerts"
        );
        assert_eq!(
            subjects_of(seen(&t, "lead").await),
            vec![
                format!("developer:{ANA}"),
                format!("developer:{CAROL}"),
                "team:a".to_string()
            ],
            "{label}: a manager sees the team's"
        );
        assert_eq!(subjects_of(seen(&t, "admin").await).len(), 5, "{label}");

        let all = ids(&t).await;
        let ana_alert = id_of(&all, &format!("developer:{ANA}"));
        let bob_alert = id_of(&all, &format!("developer:{BOB}"));
        let team_a = id_of(&all, "team:a");
        let mut log = Vec::new();
        let mut act = async |who: &str, id: i64, action: &str, body: Value| {
            let (status, answer) =
                post(&t, who, &format!("/api/v1/alerts/{id}/{action}"), body).await;
            log.push(json!({ "who": who, "action": action, "status": status,
                "answer": answer.get("by").cloned().unwrap_or(Value::Null) }));
            status
        };
        assert_eq!(
            act("bob", ana_alert, "ack", json!({})).await,
            403,
            "{label}"
        );
        assert_eq!(
            act("ana", team_a, "resolve", json!({})).await,
            403,
            "{label}"
        );
        assert_eq!(
            act("lead", bob_alert, "ack", json!({})).await,
            403,
            "{label}"
        );
        assert_eq!(
            act("ana", ana_alert, "ack", json!({ "note": "on it" })).await,
            200,
            "{label}"
        );
        let until = now + 3_600_000;
        assert_eq!(
            act("lead", team_a, "snooze", json!({ "until_ms": until })).await,
            200,
            "{label}"
        );
        assert_eq!(
            act("bob", bob_alert, "resolve", json!({ "note": "fixed" })).await,
            200
        );
        assert_eq!(
            act("bob", bob_alert, "ack", json!({})).await,
            409,
            "{label}"
        );
        assert_eq!(
            act("admin", 987_654, "ack", json!({})).await,
            404,
            "{label}"
        );
        let lead_view = seen(&t, "lead").await;
        assert!(
            lead_view.contains(&(
                format!("developer:{ANA}"),
                "acked".into(),
                Some(ANA.into()),
                Some("on it".into())
            )),
            "{label}: the ack carries the token's identity: {lead_view:?}"
        );
        assert!(
            lead_view.contains(&("team:a".into(), "snoozed".into(), Some(LEAD.into()), None)),
            "{label}: {lead_view:?}"
        );
        if matches!(t.database, Database::Postgres(_)) {
            assert_eq!(
                t.scalar(&format!(
                    "SELECT count(*) FROM alert_history WHERE alert_id = {ana_alert}
                     AND action = 'acked' AND by_whom = '{ANA}' AND note = 'on it'"
                ))
                .await,
                1,
                "the history records who acknowledged, when and why"
            );
        }

        // Restarting the server keeps every state and who set it.
        let before = seen(&t, "admin").await;
        let t = t.restart().await;
        assert_eq!(seen(&t, "admin").await, before, "{label}: after a restart");
        answers.push((label.into(), log));
        t.stop().await;
    }
    // Both backends answer alike.
    if let [(_, sqlite), (_, pg)] = answers.as_slice() {
        assert_eq!(sqlite, pg, "SQLite and PostgreSQL answer the same");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn events_are_recorded_by_admins_and_collectors_on_every_backend() {
    for backend in each_backend().await {
        let t = start(backend).await;
        let label = t.label();
        let deploy = json!({ "kind": "deploy", "id": "deploy-1", "repo": "github.com/acme/api",
            "sha": "1a2b3c4d5e6f", "environment": "production" });
        let incident = json!({ "kind": "incident", "id": "INC-7", "severity": "sev2",
            "title": "checkout errors" });
        assert_eq!(
            post(&t, "ana", "/api/v1/events", deploy.clone()).await.0,
            403,
            "{label}: a member token may not record deploys"
        );
        let (status, answer) = post(
            &t,
            "collector",
            "/api/v1/events",
            json!({ "events": [deploy.clone(), incident] }),
        )
        .await;
        assert_eq!(
            (status, &answer),
            (200, &json!({ "accepted": 2 })),
            "{label}"
        );
        // The same deploy again updates its row, and keeps what the repeat does not say.
        let deployed_at = t
            .scalar("SELECT ts FROM deploys WHERE id = 'deploy-1'")
            .await;
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        let again = json!({ "kind": "deploy", "id": "deploy-1", "repo": "github.com/acme/api",
            "status": "rolled_back" });
        assert_eq!(
            post(&t, "admin", "/api/v1/events", again).await.0,
            200,
            "{label}"
        );
        let (status, answer) = post(
            &t,
            "admin",
            "/api/v1/events",
            json!({ "kind": "deploy", "id": "x", "repo": "r", "sha": "zz" }),
        )
        .await;
        assert_eq!(status, 400, "{label}: {answer}");
        assert!(
            answer["error"].as_str().unwrap().contains("sha"),
            "{answer}"
        );
        assert_eq!(
            t.scalar(
                "SELECT count(*) FROM deploys WHERE id = 'deploy-1' AND status = 'rolled_back'
                 AND source = 'api:root@x.io' AND sha = '1a2b3c4d5e6f' AND environment = 'production'"
            )
            .await,
            1,
            "{label}"
        );
        assert_eq!(
            t.scalar("SELECT ts FROM deploys WHERE id = 'deploy-1'")
                .await,
            deployed_at,
            "{label}: the rollback is not when it deployed"
        );
        // The paging tool reports the resolution: the incident keeps when it opened and
        // its severity.
        let opened = t
            .scalar("SELECT opened_at FROM incidents WHERE id = 'INC-7'")
            .await;
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        let resolved = json!({ "kind": "incident", "id": "INC-7",
            "resolved_at_ms": chrono::Utc::now().timestamp_millis() });
        assert_eq!(
            post(&t, "collector", "/api/v1/events", resolved).await.0,
            200,
            "{label}"
        );
        assert_eq!(
            t.scalar("SELECT count(*) FROM incidents WHERE id = 'INC-7' AND severity = 'sev2' AND source = 'api:lead@x.io' AND resolved_at IS NOT NULL")
                .await,
            1,
            "{label}"
        );
        assert_eq!(
            t.scalar("SELECT opened_at FROM incidents WHERE id = 'INC-7'")
                .await,
            opened,
            "{label}: the resolution is not when it opened"
        );
        t.stop().await;
    }
}

/// An incident that names its repository is AI-linked only by an AI-attributed commit of
/// that repository: a commit with the same id elsewhere does not link it, on either backend
/// (PostgreSQL keeps no commits; a SQLite server's database may be a console's store, with
/// the commits its git passes read).
#[tokio::test(flavor = "multi_thread")]
async fn an_incident_is_not_linked_by_a_commit_of_another_repository_on_every_backend() {
    const SHA: &str = "1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d";
    for backend in each_backend().await {
        let t = start(backend).await;
        let label = t.label();
        if let Database::Sqlite(path) = &t.database {
            rusqlite::Connection::open(path)
                .unwrap()
                .execute(
                    "INSERT INTO commits (repo, sha, author, ts, ai_agent, ai_detected_by)
                     VALUES ('github.com/acme/web', ?1, 'ana@x.io', 0, 'claude_code', 'trailer')",
                    [SHA],
                )
                .unwrap();
        }
        let incident = json!({ "kind": "incident", "id": "INC-9", "repo": "github.com/acme/api",
            "sha": &SHA[..8] });
        assert_eq!(
            post(&t, "collector", "/api/v1/events", incident).await.0,
            200,
            "{label}"
        );
        assert_eq!(
            t.scalar("SELECT count(*) FROM incidents WHERE id = 'INC-9' AND NOT ai_linked")
                .await,
            1,
            "{label}: the AI commit is in github.com/acme/web, not the incident's repository"
        );
        t.stop().await;
    }
}

pub(crate) fn engine_with(rules: &[&str], policy: PolicySection) -> Engine {
    let config = [
        AlertRuleConfig {
            name: "spend_over_a_cent".into(),
            metric: Some("spend".into()),
            scope: Some("developer".into()),
            window: Some("3650days".into()),
            threshold: Some(0.01),
            ..AlertRuleConfig::default()
        },
        AlertRuleConfig {
            name: "unapproved_agent".into(),
            window: Some("3650days".into()),
            ..AlertRuleConfig::default()
        },
    ];
    let mut all = effective_rules(&config).unwrap();
    all.retain(|r| rules.contains(&r.name.as_str()));
    assert_eq!(all.len(), rules.len(), "{rules:?}");
    Engine {
        rules: all,
        policy,
        targets: Vec::new(),
        tz: chrono_tz::UTC,
    }
}

/// Ana's Claude Code requests through OTLP, committed.
pub(crate) async fn ana_spends(t: &Team) {
    let export = logs(
        claude_resource(),
        (0..3)
            .map(|i| claude_api_request("s-ana", &format!("req-{i}"), i, ANA))
            .collect(),
    );
    assert_eq!(t.logs("ana", &export).await.0, 200);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while t.scalar("SELECT count(*) FROM requests").await < 3 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "requests never landed"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

pub(crate) fn fired(ev: &Evaluation) -> Vec<(String, String)> {
    let mut f = ev.fired.clone();
    f.sort();
    f
}

#[tokio::test(flavor = "multi_thread")]
async fn the_engine_fires_updates_and_resolves_on_the_servers_data_on_every_backend() {
    let policy = PolicySection {
        approved_agents: vec!["codex".into()],
        approved_models: Vec::new(),
    };
    let mut outcomes = Vec::new();
    for backend in each_backend().await {
        let t = start(backend).await;
        let label = t.label();
        ana_spends(&t).await;
        let engine = engine_with(&["spend_over_a_cent", "unapproved_agent"], policy.clone());
        let db = Backend::open(&t.database).await.unwrap();
        let now = chrono::Utc::now().timestamp_millis();
        let first = db.evaluate_alerts(&engine, now, true).await.unwrap();
        assert_eq!(
            fired(&first),
            vec![
                ("spend_over_a_cent".into(), format!("developer:{ANA}")),
                ("unapproved_agent".into(), format!("developer:{ANA}")),
            ],
            "{label}: {first:?}"
        );
        assert!(first.problems.is_empty(), "{label}: {:?}", first.problems);
        // Still crossing: no second alert, no second notification.
        let second = db
            .evaluate_alerts(&engine, now + 1_000, true)
            .await
            .unwrap();
        assert!(second.fired.is_empty(), "{label}: {second:?}");
        assert_eq!(
            seen(&t, "ana").await,
            vec![
                (format!("developer:{ANA}"), "firing".into(), None, None),
                (format!("developer:{ANA}"), "firing".into(), None, None),
            ],
            "{label}: the engine's alerts are the server's alert state"
        );
        // Codex approved after all: that alert resolves, by the engine.
        let relaxed = engine_with(
            &["spend_over_a_cent", "unapproved_agent"],
            PolicySection {
                approved_agents: vec!["claude_code".into()],
                approved_models: Vec::new(),
            },
        );
        let third = db
            .evaluate_alerts(&relaxed, now + 2_000, true)
            .await
            .unwrap();
        assert_eq!(
            third.resolved,
            vec![("unapproved_agent".into(), format!("developer:{ANA}"))],
            "{label}"
        );
        let findings: Vec<(String, String, String)> = first
            .findings
            .iter()
            .map(|f| (f.rule.clone(), f.subject.clone(), f.message.clone()))
            .collect();
        outcomes.push(findings);
        t.stop().await;
    }
    if let [sqlite, pg] = outcomes.as_slice() {
        assert_eq!(sqlite, pg, "both backends measure the same");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_postgres_server_runs_the_engine_on_its_own() {
    let Some(url) = crate::server_support::team::fresh_postgres().await else {
        return;
    };
    let t = start((Database::Postgres(url), None)).await;
    let backend = Backend::open(&t.database).await.unwrap();
    let engine = engine_with(&["spend_over_a_cent"], PolicySection::default());
    let task = agentdeck::server::alert_engine::spawn(engine, backend, Vec::new());
    ana_spends(&t).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let alerts = seen(&t, "ana").await;
        if alerts == vec![(format!("developer:{ANA}"), "firing".into(), None, None)] {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the engine never fired on new data: {alerts:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    task.abort();
    t.stop().await;
}

pub(crate) async fn local(store: &Store, subject: &str) -> Option<StoredAlert> {
    let (store, subject) = (store.clone(), subject.to_string());
    tokio::task::spawn_blocking(move || {
        store
            .reader()
            .unwrap()
            .alerts(&[])
            .unwrap()
            .into_iter()
            .find(|a| a.row.subject == subject)
    })
    .await
    .unwrap()
}

pub(crate) async fn wait_for(
    store: &Store,
    subject: &str,
    what: impl Fn(&StoredAlert) -> bool,
) -> StoredAlert {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(a) = local(store, subject).await.filter(|a| what(a)) {
            return a;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{subject}: never reached the expected state; last {:?}",
            local(store, subject).await
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn two_consoles_syncing_one_server_see_each_others_acks_on_every_backend() {
    let now = chrono::Utc::now().timestamp_millis();
    for backend in each_backend().await {
        let t = start(backend).await;
        let label = t.label();
        let ana_subject = format!("developer:{ANA}");
        plant(&t, &[&ana_subject, "team:a"], now).await;
        let dir = tempfile::tempdir().unwrap();
        let (pa, pb) = (dir.path().join("a.db"), dir.path().join("b.db"));
        let (a, b) = tokio::task::spawn_blocking(move || {
            (Store::open(&pa).unwrap(), Store::open(&pb).unwrap())
        })
        .await
        .unwrap();
        let every = Duration::from_millis(100);
        let console = |who: &str| TeamServer::new(&t.url(""), Some(t.tokens[who].clone())).unwrap();
        let sync_a = tokio::spawn(poll(console("ana"), a.clone(), every));
        let sync_b = tokio::spawn(poll(console("lead"), b.clone(), every));

        // Console A (ana) acknowledges her alert, typing any name; B (her manager) sees it
        // with the token's identity after its next sync.
        let mine = wait_for(&a, &ana_subject, |_| true).await;
        wait_for(&b, &ana_subject, |a| a.row.state == AlertState::Firing).await;
        let a2 = a.clone();
        tokio::task::spawn_blocking(move || {
            a2.writer()
                .apply_blocking(WriteBatch {
                    ops: vec![Op::AckAlert {
                        id: mine.id,
                        by: "typed-in-console-a".into(),
                        note: "looking".into(),
                        at: now,
                    }],
                    ..WriteBatch::default()
                })
                .unwrap()
        })
        .await
        .unwrap();
        let at_b = wait_for(&b, &ana_subject, |a| a.row.state == AlertState::Acked).await;
        assert_eq!(
            (at_b.row.acked_by.as_deref(), at_b.row.note.as_deref()),
            (Some(ANA), Some("looking")),
            "{label}"
        );
        // B snoozes the team's alert; A is a member and never sees it, the server records B.
        let team = wait_for(&b, "team:a", |_| true).await;
        let b2 = b.clone();
        tokio::task::spawn_blocking(move || {
            b2.writer()
                .apply_blocking(WriteBatch {
                    ops: vec![Op::SnoozeAlert {
                        id: team.id,
                        until: now + 3_600_000,
                        by: "x".into(),
                    }],
                    ..WriteBatch::default()
                })
                .unwrap()
        })
        .await
        .unwrap();
        let snoozed = wait_for(&b, "team:a", |a| {
            a.row.state == AlertState::Snoozed && a.row.acked_by.as_deref() == Some(LEAD)
        })
        .await;
        assert_eq!(snoozed.row.snoozed_until, Some(now + 3_600_000), "{label}");
        assert!(local(&a, "team:a").await.is_none(), "{label}");
        assert_eq!(
            local(&a, &ana_subject)
                .await
                .unwrap()
                .row
                .acked_by
                .as_deref(),
            Some(ANA),
            "{label}: A's copy is replaced by the server's record"
        );
        sync_a.abort();
        sync_b.abort();

        // A restarted server keeps it; a fresh console sees the acknowledgement.
        let t = t.restart().await;
        let pc = dir.path().join("c.db");
        let c = tokio::task::spawn_blocking(move || Store::open(&pc).unwrap())
            .await
            .unwrap();
        let sync_c = tokio::spawn(poll(
            TeamServer::new(&t.url(""), Some(t.tokens["lead"].clone())).unwrap(),
            c.clone(),
            every,
        ));
        let at_c = wait_for(&c, &ana_subject, |a| a.row.state == AlertState::Acked).await;
        assert_eq!(at_c.row.acked_by.as_deref(), Some(ANA), "{label}");
        sync_c.abort();
        t.stop().await;
    }
}
