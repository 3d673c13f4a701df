//! What a team server does with its alerts besides keeping them, on both backends (SQLite,
//! and the real PostgreSQL of AGENTDECK_TEST_POSTGRES_URL): webhook notifications sent to a
//! loopback receiver once per crossing, retried, dead-lettered, and never sent twice by two
//! `serve` instances on one database; budget rules against the config's budgets; a snooze
//! that runs out reaching the consoles that sync the server.

use crate::server_alerts::{
    ana_spends, engine_with, fired, ids, local, plant, post, start, wait_for,
};
use crate::server_support::team::{ANA, each_backend};
use agentdeck::alerting::config::{PolicySection, effective_rules};
use agentdeck::alerting::sync::poll;
use agentdeck::alerting::{DeliveryReport, Engine, Format, RetryPolicy, Target, Webhook};
use agentdeck::collect::sources::team_server::TeamServer;
use agentdeck::domain::Money;
use agentdeck::domain::alerts::{AlertState, Severity};
use agentdeck::server::backend::{Backend, Database};
use agentdeck::store::Store;
use agentdeck::store::ops::{AlertRow, Op};
use serde_json::{Value, json};
use std::time::Duration;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn fire_and_queue(subject: &str, fired_at: i64, target: &str) -> Vec<Op> {
    vec![
        Op::FireAlert(AlertRow {
            rule: "spend_over_a_cent".into(),
            subject: subject.into(),
            severity: Severity::Warning,
            message: format!("spend on {subject}"),
            fired_at,
            ..AlertRow::default()
        }),
        Op::QueueDeliveries {
            rule: "spend_over_a_cent".into(),
            subject: subject.into(),
            fired_at,
            event: "fired".into(),
            targets: vec![target.into()],
            at: fired_at,
        },
    ]
}

#[tokio::test(flavor = "multi_thread")]
async fn notifications_are_sent_once_retried_and_dead_lettered_on_every_backend() {
    for backend in each_backend().await {
        let t = start(backend).await;
        let label = t.label();
        let receiver = MockServer::start().await;
        // A slow chat (both servers are busy at once) and a pager that is down.
        Mock::given(method("POST"))
            .and(path("/chat"))
            .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_millis(300)))
            .mount(&receiver)
            .await;
        Mock::given(method("POST"))
            .and(path("/pager"))
            .respond_with(ResponseTemplate::new(503))
            .mount(&receiver)
            .await;
        let hooks = vec![
            Webhook::new(
                "chat",
                &format!("{}/chat", receiver.uri()),
                Format::Slack,
                Severity::Info,
            ),
            Webhook::new(
                "pager",
                &format!("{}/pager", receiver.uri()),
                Format::Json,
                Severity::Info,
            ),
        ];
        let mut engine = engine_with(&["spend_over_a_cent"], PolicySection::default());
        engine.targets = hooks
            .iter()
            .map(|h| Target {
                name: h.name.clone(),
                min_severity: h.min_severity,
            })
            .collect();
        ana_spends(&t).await;
        let db = Backend::open(&t.database).await.unwrap();
        let now = chrono::Utc::now().timestamp_millis();
        db.evaluate_alerts(&engine, now, true).await.unwrap();
        db.evaluate_alerts(&engine, now + 1_000, true)
            .await
            .unwrap();
        assert_eq!(
            t.scalar("SELECT count(*) FROM alert_deliveries").await,
            2,
            "{label}: one notification per crossing and target, not per evaluation"
        );
        // More crossings for the chat, so that two servers have work at the same time.
        for (i, who) in ["bob@example.com", "carol@example.com", "x@example.com"]
            .iter()
            .enumerate()
        {
            db.apply_ops(fire_and_queue(
                &format!("developer:{who}"),
                now - 10_000 + i as i64,
                "chat",
            ))
            .await
            .unwrap();
        }

        // Two `serve` instances on PostgreSQL deliver at once; SQLite has one server.
        let instances = match t.database {
            Database::Postgres(_) => 2,
            Database::Sqlite(_) => 1,
        };
        let policy = RetryPolicy {
            attempts: 3,
            first_pause: Duration::from_millis(20),
        };
        let mut runs = Vec::new();
        for _ in 0..instances {
            let (b, hooks) = (Backend::open(&t.database).await.unwrap(), hooks.clone());
            runs.push(tokio::spawn(async move {
                b.deliver_pending(&hooks, &reqwest::Client::new(), policy)
                    .await
                    .unwrap()
            }));
        }
        let mut total = DeliveryReport::default();
        for r in runs {
            let r = r.await.unwrap();
            total.delivered += r.delivered;
            total.dead += r.dead;
        }
        assert_eq!(
            total,
            DeliveryReport {
                delivered: 4,
                dead: 1
            },
            "{label}"
        );
        let received = receiver.received_requests().await.unwrap();
        let bodies = |p: &str| -> Vec<Value> {
            received
                .iter()
                .filter(|r| r.url.path() == p)
                .map(|r| serde_json::from_slice(&r.body).unwrap())
                .collect()
        };
        let mut chat: Vec<String> = bodies("/chat")
            .iter()
            .map(|b| b["text"].as_str().unwrap().to_string())
            .collect();
        chat.sort();
        chat.dedup();
        assert_eq!(
            (bodies("/chat").len(), chat.len()),
            (4, 4),
            "{label}: each notification sent once: {chat:?}"
        );
        assert!(
            chat.iter()
                .any(|c| c.contains("spend_over_a_cent") && c.contains(&format!("developer:{ANA}"))),
            "{label}: {chat:?}"
        );
        let pager = bodies("/pager");
        assert_eq!(pager.len(), 3, "{label}: three attempts, then dead");
        assert_eq!(
            (
                &pager[0]["event"],
                &pager[0]["alert"]["rule"],
                &pager[0]["alert"]["subject"]
            ),
            (
                &json!("fired"),
                &json!("spend_over_a_cent"),
                &json!(format!("developer:{ANA}"))
            ),
            "{label}"
        );
        assert_eq!(
            t.scalar(
                "SELECT count(*) FROM alert_deliveries WHERE target = 'pager' AND state = 'dead'
                 AND attempts = 3 AND last_error LIKE 'HTTP 503%'"
            )
            .await,
            1,
            "{label}: the dead-letter record"
        );
        assert_eq!(
            t.scalar(
                "SELECT count(*) FROM alert_deliveries WHERE target = 'chat' AND state = 'delivered' AND attempts = 1"
            )
            .await,
            4,
            "{label}"
        );
        // Nothing is owed any more.
        let again = db
            .deliver_pending(&hooks, &reqwest::Client::new(), policy)
            .await
            .unwrap();
        assert_eq!(again, DeliveryReport::default(), "{label}");
        assert_eq!(receiver.received_requests().await.unwrap().len(), 7);
        t.stop().await;
    }
}

fn budget_engine() -> Engine {
    let mut rules = effective_rules(&[]).unwrap();
    rules.retain(|r| ["budget_breach", "budget_forecast"].contains(&r.name.as_str()));
    assert_eq!(rules.len(), 2);
    Engine {
        rules,
        policy: PolicySection::default(),
        targets: Vec::new(),
        tz: chrono_tz::UTC,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn budget_rules_judge_the_configs_budgets_on_every_backend() {
    // Ana (team a) spends about $0.15 on 2026-01-09; judged on the 20th of that month.
    let jan20 = chrono::DateTime::parse_from_rfc3339("2026-01-20T12:00:00Z")
        .unwrap()
        .timestamp_millis();
    let mut outcomes = Vec::new();
    for backend in each_backend().await {
        let t = start(backend).await;
        let label = t.label();
        ana_spends(&t).await;
        let db = Backend::open(&t.database).await.unwrap();
        let engine = budget_engine();
        db.set_budgets(
            vec![
                ("a".into(), Money::from_usd(0.05)),
                ("b".into(), Money::from_usd(1000.0)),
            ],
            Vec::new(),
        )
        .await
        .unwrap();
        let over = db.evaluate_alerts(&engine, jan20, true).await.unwrap();
        assert!(over.problems.is_empty(), "{label}: {:?}", over.problems);
        assert_eq!(
            fired(&over),
            vec![
                ("budget_breach".into(), "team:a".into()),
                ("budget_forecast".into(), "team:a".into()),
            ],
            "{label}: team a is over its budget, team b (no spend) is not"
        );
        // The budget raised (the config changed, `serve` restarted): under budget, resolved.
        db.set_budgets(vec![("a".into(), Money::from_usd(1000.0))], Vec::new())
            .await
            .unwrap();
        let under = db
            .evaluate_alerts(&engine, jan20 + 1_000, true)
            .await
            .unwrap();
        assert!(under.fired.is_empty(), "{label}: {under:?}");
        let mut resolved = under.resolved.clone();
        resolved.sort();
        assert_eq!(
            resolved,
            vec![
                ("budget_breach".into(), "team:a".into()),
                ("budget_forecast".into(), "team:a".into()),
            ],
            "{label}"
        );
        let findings: Vec<(String, String, f64, f64)> = over
            .findings
            .iter()
            .map(|f| (f.rule.clone(), f.message.clone(), f.value, f.threshold))
            .collect();
        outcomes.push(findings);
        t.stop().await;
    }
    if let [sqlite, pg] = outcomes.as_slice() {
        assert_eq!(sqlite, pg, "both backends measure the same");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_snooze_that_runs_out_reaches_syncing_consoles_on_every_backend() {
    for backend in each_backend().await {
        let t = start(backend).await;
        let label = t.label();
        let subject = format!("developer:{ANA}");
        plant(&t, &[&subject], chrono::Utc::now().timestamp_millis()).await;
        let id = ids(&t).await[0].0;
        let dir = tempfile::tempdir().unwrap();
        let pa = dir.path().join("a.db");
        let console = tokio::task::spawn_blocking(move || Store::open(&pa).unwrap())
            .await
            .unwrap();
        let server = TeamServer::new(&t.url(""), Some(t.tokens["ana"].clone())).unwrap();
        let sync = tokio::spawn(poll(server, console.clone(), Duration::from_millis(100)));
        let until = chrono::Utc::now().timestamp_millis() + 1_500;
        let (status, body) = post(
            &t,
            "ana",
            &format!("/api/v1/alerts/{id}/snooze"),
            json!({ "until_ms": until }),
        )
        .await;
        assert_eq!(status, 200, "{label}: {body}");
        wait_for(&console, &subject, |a| a.row.state == AlertState::Snoozed).await;
        // The server's engine (no rules needed) wakes it once the snooze has run out; the
        // console must see it firing again.
        let engine = engine_with(&[], PolicySection::default());
        let db = Backend::open(&t.database).await.unwrap();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
        loop {
            let now = chrono::Utc::now().timestamp_millis();
            db.evaluate_alerts(&engine, now, true).await.unwrap();
            let seen = local(&console, &subject).await.map(|a| a.row.state);
            if now > until && seen == Some(AlertState::Firing) {
                break;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "{label}: the console never saw the snooze run out: {seen:?}"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        sync.abort();
        t.stop().await;
    }
}
