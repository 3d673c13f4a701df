//! Vendor daily usage on the team server, on both backends (SQLite, and the real PostgreSQL
//! of AGENTDECK_TEST_POSTGRES_URL): only admin and collector tokens push it (a collector
//! its team's developers'), every field is bounded, a day pushed again replaces the stored day, the server's engine fires
//! `low_acceptance` over it, and a console's store sends its vendor days and gets the alert
//! back by sync.

use crate::server_alerts::{ana_spends, engine_with, fired, ids, post, start};
use crate::server_support::team::{ANA, BOB, CAROL, Team, each_backend, fresh_postgres};
use agentdeck::alerting::Engine;
use agentdeck::alerting::config::{AlertRuleConfig, PolicySection, effective_rules};
use agentdeck::collect::sources::team_server::TeamServer;
use agentdeck::collect::sources::vendor_push::VendorPush;
use agentdeck::server::backend::{Backend, Database};
use agentdeck::store::ops::{DailyUsageRow, Op};
use agentdeck::store::{Store, WriteBatch};
use serde_json::{Value, json};
use std::time::Duration;

fn today() -> String {
    chrono::Utc::now().date_naive().to_string()
}

fn vendor_day(source: &str, developer: &str, suggestions: i64, acceptances: i64) -> Value {
    json!({ "source": source, "day": today(), "developer": developer,
        "suggestions": suggestions, "acceptances": acceptances, "lines_accepted": 40 })
}

/// Ana accepts 10 % of 300 suggestions (low), Bob 50 % of 400 (healthy), Carol 10 % of 150
/// (too few suggestions to judge, unless counted twice).
fn the_days() -> Value {
    json!({ "daily_usage": [
        vendor_day("cursor", ANA, 300, 30),
        vendor_day("copilot", BOB, 400, 200),
        vendor_day("cursor", CAROL, 150, 15),
    ]})
}

/// The built-in `low_acceptance` (per developer) and the same rule per team.
fn acceptance_engine() -> Engine {
    let config = [AlertRuleConfig {
        name: "low_acceptance_team".into(),
        metric: Some("acceptance_rate".into()),
        scope: Some("team".into()),
        comparison: Some("below".into()),
        window: Some("7days".into()),
        threshold: Some(0.2),
        min_volume: Some(200.0),
        ..AlertRuleConfig::default()
    }];
    let mut rules = effective_rules(&config).unwrap();
    rules.retain(|r| r.name == "low_acceptance" || r.name == "low_acceptance_team");
    assert_eq!(rules.len(), 2);
    Engine {
        rules,
        policy: PolicySection::default(),
        targets: Vec::new(),
        tz: chrono_tz::UTC,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn collectors_push_vendor_days_and_the_server_fires_low_acceptance_on_every_backend() {
    let mut outcomes = Vec::new();
    for backend in each_backend().await {
        let t = start(backend).await;
        let label = t.label();
        for who in ["ana", "lead"] {
            let (status, answer) = post(&t, who, "/api/v1/push", the_days()).await;
            assert_eq!(status, 403, "{label}: {who} may not push vendor usage");
            assert!(
                answer["error"]
                    .as_str()
                    .unwrap()
                    .contains("admin or collector token"),
                "{label}: {answer}"
            );
        }
        assert_eq!(
            t.scalar("SELECT count(*) FROM daily_usage").await,
            0,
            "{label}"
        );
        // The collector (team a) pushes the days twice, with one row out of bounds each
        // time: Bob's (team b) is not its to write.
        for _ in 0..2 {
            let mut body = the_days();
            body["daily_usage"].as_array_mut().unwrap().push(
                json!({ "source": "cursor", "day": "2019-12-31", "developer": ANA,
                    "suggestions": 5 }),
            );
            let (status, answer) = post(&t, "collector", "/api/v1/push", body).await;
            assert_eq!(status, 200, "{label}: {answer}");
            assert_eq!(answer["daily_usage"], 2, "{label}: {answer}");
            let rejected = answer["rejected"].as_array().unwrap();
            assert_eq!(rejected.len(), 2, "{label}: {answer}");
            assert_eq!(rejected[0]["kind"], "daily_usage");
            assert_eq!(rejected[0]["index"], 1);
            assert!(
                rejected[0]["reason"]
                    .as_str()
                    .unwrap()
                    .contains("outside what this token may write"),
                "{label}: {answer}"
            );
            assert_eq!(rejected[1]["index"], 3);
            assert!(
                rejected[1]["reason"].as_str().unwrap().contains("`day`"),
                "{label}: {answer}"
            );
        }
        // The admin writes any developer's days.
        let bobs = json!({ "daily_usage": [vendor_day("copilot", BOB, 400, 200)] });
        let (status, answer) = post(&t, "admin", "/api/v1/push", bobs).await;
        assert_eq!(
            (status, &answer["daily_usage"]),
            (200, &json!(1)),
            "{label}"
        );
        assert_eq!(
            t.scalar("SELECT CAST(sum(suggestions) AS BIGINT) FROM daily_usage")
                .await,
            850,
            "{label}: a day pushed again replaces the stored day"
        );
        let db = Backend::open(&t.database).await.unwrap();
        let now = chrono::Utc::now().timestamp_millis();
        let ev = db
            .evaluate_alerts(&acceptance_engine(), now, true)
            .await
            .unwrap();
        assert!(ev.problems.is_empty(), "{label}: {:?}", ev.problems);
        // Carol's 150 suggestions stay under the rule's minimum: counted twice they would not.
        assert_eq!(
            fired(&ev),
            vec![
                ("low_acceptance".into(), format!("developer:{ANA}")),
                ("low_acceptance_team".into(), "team:a".into()),
            ],
            "{label}: {ev:?}"
        );
        let on_server: Vec<String> = ids(&t).await.into_iter().map(|(_, s)| s).collect();
        assert!(
            on_server.contains(&format!("developer:{ANA}")) && on_server.contains(&"team:a".into()),
            "{label}: {on_server:?}"
        );
        let findings: Vec<(String, String, String)> = ev
            .findings
            .iter()
            .map(|f| (f.rule.clone(), f.subject.clone(), f.message.clone()))
            .collect();
        outcomes.push(findings);
        t.stop().await;
    }
    if let [sqlite, pg] = outcomes.as_slice() {
        assert_eq!(sqlite, pg, "both backends measure acceptance the same");
    }
}

async fn local_days(store: &Store, rows: Vec<DailyUsageRow>) {
    store
        .writer()
        .apply(WriteBatch {
            ops: rows.into_iter().map(Op::UpsertDailyUsage).collect(),
            ..WriteBatch::default()
        })
        .await
        .unwrap();
}

fn row(source: &str, developer: &str, suggestions: i64, acceptances: i64) -> DailyUsageRow {
    DailyUsageRow {
        source: source.into(),
        day: today(),
        developer: developer.into(),
        suggestions,
        acceptances,
        ..DailyUsageRow::default()
    }
}

async fn console_store(dir: &tempfile::TempDir) -> Store {
    let path = dir.path().join("console.db");
    tokio::task::spawn_blocking(move || Store::open(&path).unwrap())
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_console_sends_its_vendor_days_and_syncs_the_servers_alert_on_every_backend() {
    for backend in each_backend().await {
        let t = start(backend).await;
        let label = t.label();
        let dir = tempfile::tempdir().unwrap();
        let store = console_store(&dir).await;
        local_days(
            &store,
            vec![row("cursor", ANA, 300, 30), row("copilot", BOB, 400, 200)],
        )
        .await;
        let server = TeamServer::new(&t.url(""), Some(t.tokens["collector"].clone())).unwrap();
        let mut push = VendorPush::default();
        let now = chrono::Utc::now().timestamp_millis();
        let first = push.push_changed(&server, &store, now).await.unwrap();
        // The collector writes its team's days; Bob's (team b) is refused by name.
        assert_eq!((first.sent, first.stored), (2, 1), "{label}: {first:?}");
        assert_eq!(
            first.rejected[0].key.as_deref(),
            Some(format!("copilot/{}/{BOB}", today()).as_str()),
            "{label}"
        );
        let again = push.push_changed(&server, &store, now).await.unwrap();
        assert_eq!(again.sent, 0, "{label}: nothing changed, nothing sent");
        // The vendor restates Ana's day: only that day goes, and replaces the server's.
        local_days(&store, vec![row("cursor", ANA, 300, 36)]).await;
        let restated = push.push_changed(&server, &store, now).await.unwrap();
        assert_eq!(restated.sent, 1, "{label}: {restated:?}");
        assert_eq!(
            t.scalar("SELECT CAST(sum(acceptances) AS BIGINT) FROM daily_usage")
                .await,
            36,
            "{label}"
        );
        // A member's console is refused, with the reason.
        let member = TeamServer::new(&t.url(""), Some(t.tokens["ana"].clone())).unwrap();
        let refused = VendorPush::default()
            .push_changed(&member, &store, now)
            .await
            .unwrap_err();
        assert!(
            refused.to_string().contains("admin or collector token"),
            "{label}: {refused}"
        );
        // The server's engine fires; the console sees the alert by its alert sync.
        let db = Backend::open(&t.database).await.unwrap();
        let ev = db
            .evaluate_alerts(&acceptance_engine(), now, true)
            .await
            .unwrap();
        assert_eq!(
            fired(&ev),
            vec![
                ("low_acceptance".into(), format!("developer:{ANA}")),
                ("low_acceptance_team".into(), "team:a".into()),
            ],
            "{label}: {ev:?}"
        );
        agentdeck::alerting::sync::sync_once(&server, &store)
            .await
            .unwrap();
        let alert = crate::server_alerts::local(&store, &format!("developer:{ANA}"))
            .await
            .unwrap_or_else(|| panic!("{label}: the console never received the alert"));
        assert_eq!(alert.row.rule, "low_acceptance", "{label}");
        assert!(
            alert.row.value.is_some_and(|v| (v - 0.12).abs() < 1e-9),
            "{label}: {:?}",
            alert.row
        );
        t.stop().await;
    }
}

/// Polls the server's alerts as the admin until `subject` appears or `within` passes.
async fn appears(t: &Team, subject: &str, within: Duration) -> bool {
    let deadline = tokio::time::Instant::now() + within;
    while tokio::time::Instant::now() < deadline {
        if ids(t).await.iter().any(|(_, s)| s == subject) {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}

#[tokio::test(flavor = "multi_thread")]
async fn a_postgres_servers_engine_evaluates_as_soon_as_vendor_days_arrive() {
    let Some(url) = fresh_postgres().await else {
        return;
    };
    let t = start((Database::Postgres(url), None)).await;
    let backend = Backend::open(&t.database).await.unwrap();
    let engine = engine_with(
        &["spend_over_a_cent", "low_acceptance"],
        PolicySection::default(),
    );
    let task = agentdeck::server::alert_engine::spawn(engine, backend, Vec::new());
    // An evaluation has run once the spend alert is there; the next one must come from the
    // vendor days arriving, well before the engine's once-a-minute tick.
    ana_spends(&t).await;
    assert!(
        appears(&t, &format!("developer:{ANA}"), Duration::from_secs(60)).await,
        "the engine never ran"
    );
    let (status, answer) = post(&t, "admin", "/api/v1/push", the_days()).await;
    assert_eq!(status, 200, "{answer}");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let (_, page) = crate::server_alerts::get(&t, "admin", "/api/v1/alerts?since=0").await;
        let rules: Vec<&str> = page["alerts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["rule"].as_str().unwrap())
            .collect();
        if rules.contains(&"low_acceptance") {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the engine did not evaluate when vendor days arrived: {rules:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    task.abort();
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn agentdeck_push_sends_vendor_days_with_a_collector_token_on_every_backend() {
    for backend in each_backend().await {
        let t = start(backend).await;
        let label = t.label();
        let dir = tempfile::tempdir().unwrap();
        let store = console_store(&dir).await;
        local_days(
            &store,
            vec![row("cursor", ANA, 300, 30), row("copilot", BOB, 400, 200)],
        )
        .await;
        drop(store);
        let db = dir.path().join("console.db");
        let push = |token: &str| {
            let (db, home, url, token) = (
                db.clone(),
                dir.path().to_path_buf(),
                t.url(""),
                token.to_string(),
            );
            tokio::task::spawn_blocking(move || {
                crate::common::bin()
                    .env("HOME", home)
                    .env("AGENTDECK_TOKEN", token)
                    .args(["--db", db.to_str().unwrap(), "push", "--server", &url])
                    .output()
                    .unwrap()
            })
        };
        // A member's push of its own rows goes through; the vendor days are refused, named.
        let member = push(&t.tokens["ana"]).await.unwrap();
        let stderr = String::from_utf8_lossy(&member.stderr);
        assert_eq!(member.status.code(), Some(0), "{label}: {stderr}");
        assert!(
            stderr.contains("vendor daily usage not sent")
                && stderr.contains("admin or collector token"),
            "{label}: {stderr}"
        );
        assert_eq!(t.scalar("SELECT count(*) FROM daily_usage").await, 0);
        let collector = push(&t.tokens["collector"]).await.unwrap();
        let stderr = String::from_utf8_lossy(&collector.stderr);
        assert_eq!(collector.status.code(), Some(0), "{label}: {stderr}");
        assert!(
            stderr.contains("sent 1 vendor day(s)")
                && stderr.contains(&format!("refused vendor day 0 (copilot/{}/{BOB})", today())),
            "{label}: {stderr}"
        );
        assert_eq!(
            t.scalar("SELECT CAST(sum(suggestions) AS BIGINT) FROM daily_usage")
                .await,
            300,
            "{label}"
        );
        t.stop().await;
    }
}
