//! The alert engine over a real store: a spend spike fires once (no repeat while it holds,
//! an acknowledgement kept), resolves by itself when it clears, and notifies webhooks on a
//! loopback receiver — retried through failures, dead-lettered when they never succeed.
//! `alerts check` exit codes and units as `alerts list` prints them.

use agentdeck::alerting::webhook::deliver_pending;
use agentdeck::alerting::{Engine, Format, RetryPolicy, Target, Webhook};
use agentdeck::domain::alerts::{AlertState, Severity, default_rules, names};
use agentdeck::domain::{Agent, Cost, Money, RequestKey, RequestRecord, SessionRecord, TokenUsage};
use agentdeck::store::ops::Op;
use agentdeck::store::{DeveloperRow, Store, TeamRow, WriteBatch};
use std::time::Duration;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const DAY: i64 = 86_400_000;
const NOW: i64 = 1_780_000_000_000 - 1_780_000_000_000 % DAY + 20 * 3_600_000; // 20:00 UTC

fn spend(dev: &str, ts: i64, usd: f64, k: &str) -> RequestRecord {
    RequestRecord {
        dedupe_key: RequestKey::claude_message(k, None),
        agent: Agent::ClaudeCode,
        session_key: format!("s-{dev}"),
        ts,
        model: Some("claude-sonnet-4-5".into()),
        usage: TokenUsage {
            input: 1000,
            output: 100,
            ..TokenUsage::default()
        },
        cost: Cost::computed(Money::from_usd(usd)),
        developer: dev.into(),
        project_id: Some("github.com/acme/api".into()),
        sidechain: false,
        message_id: None,
        fast: false,
        ord: 0,
    }
}

fn session(dev: &str, from: i64, to: i64) -> SessionRecord {
    SessionRecord {
        agent: Agent::ClaudeCode,
        session_key: format!("s-{dev}"),
        source: "test".into(),
        developer: dev.into(),
        project_id: Some("github.com/acme/api".into()),
        branch: None,
        started_at: from,
        last_activity_at: to,
        title: None,
    }
}

/// Ten quiet days of $10 a day for ana, then $60 in the last day.
fn spiky_store(dir: &std::path::Path) -> Store {
    let store = Store::open(&dir.join("s.db")).unwrap();
    let mut requests = Vec::new();
    for d in 1..=10 {
        requests.push(spend(
            "ana@x.dev",
            NOW - d * DAY - 3_600_000,
            10.0,
            &format!("q{d}"),
        ));
    }
    requests.push(spend("ana@x.dev", NOW - 3_600_000, 60.0, "spike"));
    store
        .writer()
        .apply_blocking(WriteBatch {
            sessions: vec![session("ana@x.dev", NOW - 11 * DAY, NOW)],
            requests,
            developers: vec![DeveloperRow {
                id: "ana@x.dev".into(),
                email: Some("ana@x.dev".into()),
                handle: None,
                display_name: None,
                team: "platform".into(),
                role: None,
                started_on: None,
            }],
            ..WriteBatch::default()
        })
        .unwrap();
    store
}

fn engine(targets: Vec<Target>) -> Engine {
    let rules = default_rules()
        .into_iter()
        .filter(|r| r.name == names::SPEND_SPIKE_DEVELOPER || r.name == names::SPEND_SPIKE_TEAM)
        .collect();
    Engine {
        rules,
        policy: Default::default(),
        targets,
        tz: chrono_tz::UTC,
    }
}

#[test]
fn a_spike_fires_once_keeps_its_ack_and_resolves_when_it_clears() {
    let dir = tempfile::tempdir().unwrap();
    let store = spiky_store(dir.path());
    let e = engine(vec![Target {
        name: "hook".into(),
        min_severity: Severity::Warning,
    }]);
    let first = e.evaluate_once(&store, NOW, true).unwrap();
    let mut fired = first.fired.clone();
    fired.sort();
    assert_eq!(
        fired,
        vec![
            (
                names::SPEND_SPIKE_DEVELOPER.to_string(),
                "developer:ana@x.dev".to_string()
            ),
            (
                names::SPEND_SPIKE_TEAM.to_string(),
                "team:platform".to_string()
            ),
        ]
    );
    let reader = store.reader().unwrap();
    let alerts = reader.alerts(&[]).unwrap();
    assert_eq!(alerts.len(), 2);
    let dev = alerts
        .iter()
        .find(|a| a.row.subject == "developer:ana@x.dev")
        .unwrap();
    assert_eq!(dev.row.value, Some(60.0));
    assert!(dev.row.message.contains("$60.00"), "{}", dev.row.message);
    assert_eq!(
        reader.deliveries("pending").unwrap().len(),
        2,
        "one notification per alert"
    );

    // Acknowledged, then evaluated again while the spike holds: no new alert, no new
    // notification, the acknowledgement stays.
    store
        .writer()
        .apply_blocking(WriteBatch {
            ops: vec![Op::AckAlert {
                id: dev.id,
                by: "lead@x.dev".into(),
                note: "migration week".into(),
                at: NOW + 60_000,
            }],
            ..WriteBatch::default()
        })
        .unwrap();
    let again = e.evaluate_once(&store, NOW + 5 * 60_000, true).unwrap();
    assert!(again.fired.is_empty(), "{:?}", again.fired);
    let reader = store.reader().unwrap();
    assert_eq!(reader.alerts(&[]).unwrap().len(), 2);
    assert_eq!(
        reader.alert(dev.id).unwrap().unwrap().row.state,
        AlertState::Acked
    );
    assert_eq!(reader.deliveries("pending").unwrap().len(), 2);

    // A day later the spike has left the window: both resolve, by agentdeck.
    let later = e.evaluate_once(&store, NOW + DAY, true).unwrap();
    assert_eq!(later.resolved.len(), 2);
    let resolved = store.reader().unwrap().alert(dev.id).unwrap().unwrap();
    assert_eq!(resolved.row.state, AlertState::Resolved);
    assert_eq!(resolved.row.resolved_by.as_deref(), Some("agentdeck"));
    assert_eq!(
        resolved.row.acked_by.as_deref(),
        Some("lead@x.dev"),
        "who acked is kept"
    );
    assert_eq!(
        store.reader().unwrap().deliveries("pending").unwrap().len(),
        4
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn webhooks_are_retried_then_delivered_or_dead_lettered() {
    let dir = tempfile::tempdir().unwrap();
    let path_of = dir.path().to_path_buf();
    let store = tokio::task::spawn_blocking(move || spiky_store(&path_of))
        .await
        .unwrap();
    let receiver = MockServer::start().await;
    // "flaky" fails twice, then accepts; "down" always fails.
    Mock::given(method("POST"))
        .and(path("/flaky"))
        .respond_with(ResponseTemplate::new(500))
        .up_to_n_times(2)
        .mount(&receiver)
        .await;
    Mock::given(method("POST"))
        .and(path("/flaky"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&receiver)
        .await;
    Mock::given(method("POST"))
        .and(path("/down"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&receiver)
        .await;
    let hooks = vec![
        Webhook::new(
            "flaky",
            &format!("{}/flaky", receiver.uri()),
            Format::Slack,
            Severity::Warning,
        ),
        Webhook::new(
            "down",
            &format!("{}/down", receiver.uri()),
            Format::Json,
            Severity::Warning,
        ),
    ];
    let targets = hooks
        .iter()
        .map(|h| Target {
            name: h.name.clone(),
            min_severity: h.min_severity,
        })
        .collect();
    let e = engine(targets);
    let s = store.clone();
    tokio::task::spawn_blocking(move || {
        let mut only_dev = e.clone();
        only_dev
            .rules
            .retain(|r| r.name == names::SPEND_SPIKE_DEVELOPER);
        only_dev.evaluate_once(&s, NOW, true).unwrap()
    })
    .await
    .unwrap();
    let client = agentdeck::collect::http::client_builder(Duration::from_secs(5))
        .build()
        .unwrap();
    let policy = RetryPolicy {
        attempts: 4,
        first_pause: Duration::from_millis(10),
    };
    let report = deliver_pending(&store, &hooks, &client, policy)
        .await
        .unwrap();
    assert_eq!((report.delivered, report.dead), (1, 1));
    let reader = store.reader().unwrap();
    let dead = reader.deliveries("dead").unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].target, "down");
    assert_eq!(dead[0].attempts, 4);
    assert_eq!(
        dead[0].last_error.as_deref(),
        Some("HTTP 503 Service Unavailable")
    );
    assert!(
        !dead[0].last_error.as_deref().unwrap().contains("127.0.0.1"),
        "no URL in errors"
    );
    let delivered = reader.deliveries("delivered").unwrap();
    assert_eq!(
        (delivered[0].target.as_str(), delivered[0].attempts),
        ("flaky", 3)
    );
    // What the receivers got: Slack text with units, and the generic document.
    let got = receiver.received_requests().await.unwrap();
    let slack: serde_json::Value = got
        .iter()
        .find(|r| r.url.path() == "/flaky")
        .unwrap()
        .body_json()
        .unwrap();
    let text = slack["text"].as_str().unwrap();
    assert!(
        text.contains("spend_spike_developer") && text.contains("$60.00"),
        "{text}"
    );
    let doc: serde_json::Value = got
        .iter()
        .find(|r| r.url.path() == "/down")
        .unwrap()
        .body_json()
        .unwrap();
    assert_eq!(doc["event"], "fired");
    assert_eq!(doc["alert"]["unit"], "usd");
    assert_eq!(doc["alert"]["value_text"], "$60.00");
    // Nothing pending is sent twice.
    let again = deliver_pending(&store, &hooks, &client, policy)
        .await
        .unwrap();
    assert_eq!((again.delivered, again.dead), (0, 0));
}

#[test]
fn alerts_check_exit_codes_and_units_for_cron() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    let config = dir.path().join("c.toml");
    std::fs::write(
        &config,
        "[[team]]\nname = \"platform\"\nbudget_usd_month = 0.001\nmembers = [\"ana@x.dev\"]\n",
    )
    .unwrap();
    let now = chrono::Utc::now().timestamp_millis();
    {
        let store = Store::open(&db).unwrap();
        store
            .writer()
            .apply_blocking(WriteBatch {
                sessions: vec![session("ana@x.dev", now - 60_000, now)],
                requests: vec![spend("ana@x.dev", now - 30_000, 0.0021, "k1")],
                teams: vec![TeamRow {
                    name: "platform".into(),
                    budget_micro_usd_month: Some(1_000),
                }],
                ..WriteBatch::default()
            })
            .unwrap();
    }
    let args = |extra: &[&str]| {
        let mut a = vec![
            "--db".to_string(),
            db.display().to_string(),
            "--config".into(),
            config.display().to_string(),
            "alerts".into(),
        ];
        a.extend(extra.iter().map(|s| s.to_string()));
        a
    };
    let out = crate::common::bin()
        .args(args(&["check"]))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(4),
        "a critical alert is firing: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("budget_breach") && text.contains("$0.0021 / $0.0010"),
        "{text}"
    );
    let list = crate::common::bin().args(args(&["list"])).output().unwrap();
    assert!(list.status.success());
    let text = String::from_utf8_lossy(&list.stdout);
    assert!(text.contains("$0.0021 / $0.0010"), "{text}");
    assert!(!text.contains("0% / 0%"), "{text}");
    let rules = crate::common::bin()
        .args(args(&["rules"]))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&rules.stdout);
    for name in [
        names::LOW_ACCEPTANCE,
        names::UNAPPROVED_AGENT,
        names::PERMISSION_SKIP,
        names::API_ERROR_SPIKE,
    ] {
        assert!(text.contains(name), "{text}");
    }
    assert!(text.contains("acceptance_rate over 7days < 20%"), "{text}");
    // "Above 0" fires on any at all, and says so.
    assert!(text.contains("unapproved_use over 1day > 0;"), "{text}");
    // A budget rule reads as the calendar month, not as its 31-day window.
    assert!(
        text.contains("budget_spent in the calendar month ≥ 100% of the monthly budget"),
        "{text}"
    );
    // Every row's columns line up with the header, the longest rule name included.
    let severity_at = text.lines().next().unwrap().find("SEVERITY").unwrap();
    for line in text.lines().skip(1) {
        let rest = &line[severity_at..];
        assert!(
            ["critical", "warning", "info"]
                .iter()
                .any(|s| rest.starts_with(s))
                && line[..severity_at].ends_with(' '),
            "{text}"
        );
    }
    // Resolved with a note by hand: nothing critical firing any more… until the rule
    // re-fires after its cooldown; within the cooldown `check` exits 0 (only the
    // forecast rule is cooling down with it).
    let id = crate::common::json_of(
        &crate::common::bin()
            .args(args(&["list", "--json"]))
            .output()
            .unwrap(),
    )["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["state"] == "firing")
        .map(|a| a["id"].as_i64().unwrap())
        .collect::<Vec<_>>();
    for i in id {
        let out = crate::common::bin()
            .args(args(&[
                "resolve",
                &i.to_string(),
                "--note",
                "budget raised",
            ]))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let out = crate::common::bin()
        .args(args(&["check"]))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("cooling down"));
}

/// The Costs view's "low accept" flag and the `low_acceptance` alert use one threshold: a
/// developer with 100 suggestions (under the rule's 200 minimum) is neither flagged nor
/// alerted; one with 300 at 3 % is both. (The view used to flag from 20 suggestions over
/// 30 days while the alert needed 200.)
#[test]
fn the_costs_view_flags_exactly_what_the_low_acceptance_rule_fires_on() {
    use agentdeck::store::ops::DailyUsageRow;
    use agentdeck::tui::state::{CostGroup, Period};
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("s.db")).unwrap();
    let now = chrono::Utc::now().timestamp_millis();
    let today = chrono::Utc::now().date_naive().to_string();
    let usage = |dev: &str, s: i64, a: i64| {
        Op::UpsertDailyUsage(DailyUsageRow {
            source: "cursor".into(),
            day: today.clone(),
            developer: dev.into(),
            suggestions: s,
            acceptances: a,
            ..DailyUsageRow::default()
        })
    };
    store
        .writer()
        .apply_blocking(WriteBatch {
            sessions: vec![
                session("few@x.dev", now - 120_000, now),
                session("many@x.dev", now - 120_000, now),
            ],
            requests: vec![
                spend("few@x.dev", now - 60_000, 1.0, "a"),
                spend("many@x.dev", now - 60_000, 1.0, "b"),
            ],
            ops: vec![usage("few@x.dev", 100, 5), usage("many@x.dev", 300, 9)],
            ..WriteBatch::default()
        })
        .unwrap();
    let reader = store.reader().unwrap();
    let path = vec![];
    let model = agentdeck::tui::views::costs::load(
        &reader,
        &path,
        CostGroup::Team,
        Period::Today,
        false,
        now,
        chrono_tz::UTC,
    )
    .unwrap();
    let flagged: usize = model.rows.iter().map(|r| r.low_acceptance).sum();
    assert_eq!(
        flagged, 1,
        "only the developer the rule fires on: {:?}",
        model.rows
    );
    let engine = Engine {
        rules: default_rules()
            .into_iter()
            .filter(|r| r.name == names::LOW_ACCEPTANCE)
            .collect(),
        policy: Default::default(),
        targets: vec![],
        tz: chrono_tz::UTC,
    };
    let ev = engine.evaluate_once(&store, now, false).unwrap();
    let subjects: Vec<&str> = ev.findings.iter().map(|f| f.subject.as_str()).collect();
    assert_eq!(subjects, vec!["developer:many@x.dev"]);
}

/// `config check` refuses what `alerts check`, the console and `serve` would refuse: a bad
/// `[[alert]]` rule or `[[webhook]]`, named with the file.
#[test]
fn config_check_names_a_bad_alert_rule_or_webhook_with_its_file() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("c.toml");
    for (text, want) in [
        (
            "[[alert]]\nname = \"x\"\nmetric = \"spendd\"\n",
            "[[alert]] `x`: unknown metric `spendd`",
        ),
        (
            "[[webhook]]\nname = \"w\"\nurl_env = \"X\"\nformat = \"teams\"\n",
            "[[webhook]] `w`: format `teams`: expected slack or json",
        ),
    ] {
        std::fs::write(&cfg, text).unwrap();
        let out = crate::common::bin()
            .env("X", "http://127.0.0.1:9/hook")
            .args(["config", "check", cfg.to_str().unwrap()])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{err}");
        assert!(
            err.contains(&format!("{} parses, but:", cfg.display())) && err.contains(want),
            "{err}"
        );
    }
}
