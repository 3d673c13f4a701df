//! The demo organisation: deterministic for a seed and a clock, and it covers what every
//! console view needs (every agent, every alert state, outcomes, vendor usage, sources).

use agentdeck::demo;
use agentdeck::domain::Agent;
use agentdeck::domain::alerts::AlertState;
use agentdeck::store::Store;
use agentdeck::store::queries::usage::{UsageFilter, UsageGroup};
use chrono::{TimeZone, Utc};

fn now() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 15, 30, 0).unwrap()
}

fn totals(store: &Store) -> Vec<(String, i64, i64, i64)> {
    let reader = store.reader().unwrap();
    let mut rows: Vec<_> = reader
        .usage_by(
            &UsageFilter::default(),
            UsageGroup::Developer,
            chrono_tz::UTC,
        )
        .unwrap()
        .into_iter()
        .map(|r| (r.key, r.requests, r.usage.total(), r.cost.micro_usd()))
        .collect();
    rows.sort();
    rows
}

#[test]
fn same_seed_and_clock_give_the_same_company() {
    let (_a, store_a) = demo::temp_store().unwrap();
    let (_b, store_b) = demo::temp_store().unwrap();
    let (_c, store_c) = demo::temp_store().unwrap();
    // Three builds of seconds each in a debug build: side by side.
    let (stats_a, stats_b, stats_c) = std::thread::scope(|s| {
        let a = s.spawn(|| demo::build(&store_a, now(), 42).unwrap());
        let b = s.spawn(|| demo::build(&store_b, now(), 42).unwrap());
        let c = demo::build(&store_c, now(), 7).unwrap();
        (a.join().unwrap(), b.join().unwrap(), c)
    });
    assert_eq!(stats_a, stats_b);
    assert_eq!(totals(&store_a), totals(&store_b));
    let alerts = |s: &Store| {
        s.reader()
            .unwrap()
            .alerts(&[])
            .unwrap()
            .into_iter()
            .map(|a| a.row)
            .collect::<Vec<_>>()
    };
    assert_eq!(alerts(&store_a), alerts(&store_b));
    assert_ne!(
        stats_a.cost_micro_usd, stats_c.cost_micro_usd,
        "another seed, another company"
    );
}

#[test]
fn the_demo_covers_every_agent_and_every_alert_state() {
    let (_dir, store) = demo::temp_store().unwrap();
    let stats = demo::build(&store, now(), demo::DEFAULT_SEED).unwrap();
    assert_eq!(stats.teams, 5);
    assert!((35..=45).contains(&stats.developers), "{stats:?}");
    assert_eq!(stats.projects, 12);
    assert!(stats.sessions > 500 && stats.requests > 10_000, "{stats:?}");
    assert!(
        stats.commits > 100 && stats.pull_requests > 50 && stats.deploys > 50,
        "{stats:?}"
    );
    assert!(stats.incidents >= 2 && stats.reverts >= 1, "{stats:?}");
    assert!(stats.daily_usage_rows > 100, "{stats:?}");

    let reader = store.reader().unwrap();
    let agents: Vec<String> = reader
        .usage_by(&UsageFilter::default(), UsageGroup::Agent, chrono_tz::UTC)
        .unwrap()
        .into_iter()
        .map(|r| r.key)
        .collect();
    for agent in Agent::ALL {
        assert!(
            agents.contains(&agent.as_str().to_string()),
            "{agent} missing from {agents:?}"
        );
    }
    let alerts = reader.alerts(&[]).unwrap();
    for state in AlertState::ALL {
        assert!(
            alerts.iter().any(|a| a.row.state == state),
            "no {state:?} alert in {alerts:#?}"
        );
    }
    for rule in ["spend_spike", "rate_limit_storm", "low_acceptance"] {
        assert!(
            alerts.iter().any(|a| a.row.rule.starts_with(rule)),
            "no {rule} alert"
        );
    }
    assert!(
        alerts
            .iter()
            .any(|a| a.row.rule.starts_with("budget_") && a.row.state == AlertState::Firing),
        "no firing budget alert in {alerts:#?}"
    );
    let acked = alerts
        .iter()
        .find(|a| a.row.state == AlertState::Acked)
        .unwrap();
    assert!(
        acked.row.acked_by.is_some() && acked.row.note.is_some() && acked.row.acked_at.is_some()
    );
    let sources = reader.source_status().unwrap();
    assert!(sources.len() >= 8);
    assert!(sources.iter().any(|s| s.is_failing()));
}
