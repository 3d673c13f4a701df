//! Project budgets (`[[project]] id, budget_usd_month`): each project's month-to-date spend
//! and forecast judged against its OWN budget (never its team's) by the store query the
//! alert rules and `report budget` share; `budget_breach_project` fires for that project.

use crate::common::{bin, json_of};
use agentdeck::alerting::Engine;
use agentdeck::domain::alert_rules::Scope;
use agentdeck::domain::alerts::{default_rules, names};
use agentdeck::domain::budget::BudgetStatus;
use agentdeck::domain::{
    Agent, Cost, DedupePolicy, Money, RequestRecord, SessionRecord, TokenUsage,
};
use agentdeck::store::ops::Op;
use agentdeck::store::queries::alert_inputs::InputClock;
use agentdeck::store::{DeveloperRow, Store, TeamRow, WriteBatch};

const DAY: i64 = 86_400_000;
const API: &str = "github.com/acme/api";
const WEB: &str = "github.com/acme/web";

fn spend(project: &str, ts: i64, usd: f64, k: &str) -> RequestRecord {
    RequestRecord {
        dedupe_key: k.into(),
        policy: DedupePolicy::LargestCopy,
        agent: Agent::ClaudeCode,
        session_key: format!("s-{project}"),
        ts,
        model: Some("claude-sonnet-4-5".into()),
        usage: TokenUsage {
            input: 1000,
            output: 100,
            ..TokenUsage::default()
        },
        cost: Cost::computed(Money::from_usd(usd)),
        developer: "ana@x.dev".into(),
        project_id: Some(project.into()),
        sidechain: false,
        message_id: None,
        fast: false,
        ord: 0,
    }
}

/// $10 a day on the API and $1 a day on the web project over the ten days before `now`;
/// the API's budget is $50, the web's $1000, their team's $10 000.
fn store_at(db: &std::path::Path, now: i64, days: i64) -> Store {
    let store = Store::open(db).unwrap();
    let mut requests = Vec::new();
    let mut sessions = Vec::new();
    for project in [API, WEB] {
        sessions.push(SessionRecord {
            agent: Agent::ClaudeCode,
            session_key: format!("s-{project}"),
            source: "test".into(),
            developer: "ana@x.dev".into(),
            project_id: Some(project.into()),
            branch: None,
            started_at: now - (days + 1) * DAY,
            last_activity_at: now,
            title: None,
        });
        let usd = if project == API { 10.0 } else { 1.0 };
        for d in 0..days {
            let ts = now - d * DAY - 60_000;
            requests.push(spend(project, ts, usd, &format!("{project}{d}")));
        }
    }
    store
        .writer()
        .apply_blocking(WriteBatch {
            sessions,
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
            teams: vec![TeamRow {
                name: "platform".into(),
                budget_micro_usd_month: Some(Money::from_usd(10_000.0).micro_usd()),
            }],
            ops: vec![Op::SetProjectBudgets(vec![
                (API.into(), Money::from_usd(50.0).micro_usd()),
                (WEB.into(), Money::from_usd(1000.0).micro_usd()),
            ])],
            ..WriteBatch::default()
        })
        .unwrap();
    store
}

#[test]
fn a_project_is_judged_against_its_own_budget_and_its_breach_fires() {
    // 20:00 UTC on the 28th of a month: ten days of history inside the month.
    let now = 1_780_000_000_000 - 1_780_000_000_000 % DAY + 20 * 3_600_000;
    let dir = tempfile::tempdir().unwrap();
    let store = store_at(&dir.path().join("s.db"), now, 10);
    let reader = store.reader().unwrap();
    let clock = InputClock::at(now, chrono_tz::UTC);
    let rows = reader.budget_standing(Scope::Project, &clock).unwrap();
    let by: Vec<(&str, BudgetStatus, f64)> = rows
        .iter()
        .map(|r| {
            (
                r.key.as_str(),
                r.state.status,
                r.forecast.month_to_date.as_usd(),
            )
        })
        .collect();
    assert_eq!(
        by,
        vec![
            (API, BudgetStatus::Breached, 100.0),
            (WEB, BudgetStatus::OnTrack, 10.0)
        ]
    );
    let team = reader.budget_standing(Scope::Team, &clock).unwrap();
    assert_eq!(team.len(), 1);
    assert_eq!(
        team[0].state.status,
        BudgetStatus::OnTrack,
        "$110 of $10 000"
    );

    let engine = Engine {
        rules: default_rules(),
        policy: Default::default(),
        targets: Vec::new(),
        tz: chrono_tz::UTC,
    };
    let e = engine.evaluate_once(&store, now, true).unwrap();
    let mut budget_fired: Vec<(String, String)> = e
        .fired
        .into_iter()
        .filter(|(rule, _)| rule.starts_with("budget"))
        .collect();
    budget_fired.sort();
    assert_eq!(
        budget_fired,
        vec![
            (
                names::PROJECT_BUDGET_BREACH.to_string(),
                format!("project:{API}")
            ),
            (
                names::PROJECT_BUDGET_FORECAST.to_string(),
                format!("project:{API}")
            ),
        ],
        "only the API project, against its own budget: {:?}",
        e.problems
    );
}

#[test]
fn report_budget_lists_config_project_budgets_with_forecasts() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    let now = chrono::Utc::now().timestamp_millis();
    drop(store_at(&db, now, 1));
    let config = dir.path().join("config.toml");
    // The config replaces the budgets written above: the API's is now $0.004 (and the
    // report re-prices the stored requests from the price table: $0.0045 on the API).
    std::fs::write(
        &config,
        format!(
            "[[project]]\nid = \"{API}\"\nbudget_usd_month = 0.004\n[[team]]\nname = \"platform\"\nbudget_usd_month = 10000\n"
        ),
    )
    .unwrap();
    let out = bin()
        .args(["--db", db.to_str().unwrap(), "--config"])
        .arg(&config)
        .args(["report", "budget", "--json", "--no-refresh"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let doc = json_of(&out);
    let rows = doc["budgets"].as_array().unwrap();
    assert_eq!(rows.len(), 2, "{doc}");
    assert_eq!(rows[0]["scope"], "team");
    assert_eq!(rows[0]["status"], "on_track");
    assert_eq!(rows[1]["scope"], "project");
    assert_eq!(rows[1]["name"], API);
    assert_eq!(rows[1]["budget_usd"], 0.004);
    assert_eq!(rows[1]["spent_usd"], 0.0045);
    assert_eq!(rows[1]["status"], "breached");
    assert!(rows[1]["forecast_usd"].as_f64().unwrap() >= 0.0045, "{doc}");
}
