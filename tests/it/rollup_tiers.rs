//! The rollup tiers (15-minute, hourly, daily UTC, daily per developer and agent) stay equal
//! through additions, replaced
//! copies and rebuilds, and reading them over local days, weeks and months in any time zone
//! (console series, Adoption's active days, `report` periods) gives exactly the per-request
//! sums — checked against an oracle computed from the requests themselves, in
//! zones with whole-hour, half-hour, 45-minute and DST offsets.

use agentdeck::domain::period::{
    Granularity, local_date, local_day_edges, local_day_start_ms, period_label,
};
use agentdeck::domain::{
    Agent, Cost, DedupePolicy, Money, RequestRecord, SessionRecord, TokenUsage,
};
use agentdeck::store::queries::usage::{UsageFilter, UsageGroup};
use agentdeck::store::queries::view_costs::{CostDim, CostQuery};
use agentdeck::store::{Maintenance, Store, WriteBatch};
use chrono::NaiveDate;
use chrono_tz::Tz;
use std::collections::{BTreeMap, BTreeSet};

const DEVS: [&str; 3] = ["ana@example.com", "bo@example.com", "cy@example.com"];
const START_MS: i64 = 1_772_323_200_000; // 2026-03-01T00:00:00Z, before the EU/US DST switches
const SPAN_MS: i64 = 40 * 86_400_000;

struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

fn request(i: usize, rng: &mut Lcg, scale: i64) -> RequestRecord {
    let dev = DEVS[i % DEVS.len()];
    let agent = if i.is_multiple_of(4) {
        Agent::Codex
    } else {
        Agent::ClaudeCode
    };
    RequestRecord {
        dedupe_key: format!("k{i}"),
        policy: DedupePolicy::LargestCopy,
        agent,
        session_key: format!("s-{dev}-{}", agent.as_str()),
        ts: START_MS + rng.below(SPAN_MS as u64) as i64,
        model: Some(
            if i.is_multiple_of(3) {
                "claude-opus-4-1"
            } else {
                "claude-sonnet-4-5"
            }
            .into(),
        ),
        usage: TokenUsage {
            input: 100 * scale,
            output: 10 * scale,
            ..TokenUsage::default()
        },
        cost: Cost::computed(Money::from_micro_usd(1_000 + i as i64 * scale)),
        developer: dev.into(),
        project_id: Some(format!("p{}", i % 5)),
        sidechain: false,
        message_id: None,
        fast: false,
        ord: i as i64,
    }
}

/// Writes 4,000 requests in batches, then re-states every seventh with a larger copy at a
/// different instant (the writer removes the old copy from its buckets and adds the new).
fn populated() -> (tempfile::TempDir, Store, Vec<RequestRecord>) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("tiers.db")).unwrap();
    let mut rng = Lcg(7);
    let mut final_copy: BTreeMap<String, RequestRecord> = BTreeMap::new();
    let sessions: Vec<SessionRecord> = DEVS
        .iter()
        .flat_map(|d| [Agent::Codex, Agent::ClaudeCode].map(|a| (d, a)))
        .map(|(d, a)| SessionRecord {
            agent: a,
            session_key: format!("s-{d}-{}", a.as_str()),
            source: "test".into(),
            developer: d.to_string(),
            project_id: None,
            branch: None,
            started_at: START_MS,
            last_activity_at: START_MS + SPAN_MS,
            title: None,
        })
        .collect();
    let mut batches = vec![WriteBatch {
        sessions,
        ..WriteBatch::default()
    }];
    for chunk in (0..4_000).collect::<Vec<_>>().chunks(500) {
        let requests: Vec<RequestRecord> = chunk.iter().map(|i| request(*i, &mut rng, 1)).collect();
        for r in &requests {
            final_copy.insert(r.dedupe_key.clone(), r.clone());
        }
        batches.push(WriteBatch {
            requests,
            ..WriteBatch::default()
        });
    }
    let larger: Vec<RequestRecord> = (0..4_000)
        .step_by(7)
        .map(|i| request(i, &mut rng, 3))
        .collect();
    for r in &larger {
        final_copy.insert(r.dedupe_key.clone(), r.clone());
    }
    batches.push(WriteBatch {
        requests: larger,
        ..WriteBatch::default()
    });
    for b in batches {
        store.writer().apply_blocking(b).unwrap();
    }
    (dir, store, final_copy.into_values().collect())
}

/// Every coarser tier equals the 15-minute rows folded to its width (both directions).
fn assert_tiers_agree(db: &std::path::Path) {
    let conn = rusqlite::Connection::open(db).unwrap();
    for (table, width, narrow) in [
        ("rollups_hour", 3_600_000i64, false),
        ("rollups_day", 86_400_000, false),
        // Per developer and agent: project and model summed away.
        ("rollups_day_dev", 86_400_000, true),
    ] {
        let (project, model) = if narrow {
            ("''", "''")
        } else {
            ("project_id", "model")
        };
        let folded = format!(
            "SELECT (bucket_start / {width}) * {width}, developer, {project}, agent, {model},
                    sum(requests), sum(input_tokens), sum(output_tokens), sum(cost_micro_usd),
                    sum(unpriced_requests)
             FROM rollups GROUP BY 1, 2, 3, 4, 5"
        );
        let direct = format!(
            "SELECT bucket_start, developer, project_id, agent, model, requests, input_tokens,
                    output_tokens, cost_micro_usd, unpriced_requests FROM {table}"
        );
        for sql in [
            format!("SELECT count(*) FROM ({folded} EXCEPT {direct})"),
            format!("SELECT count(*) FROM ({direct} EXCEPT {folded})"),
        ] {
            let n: i64 = conn.query_row(&sql, [], |r| r.get(0)).unwrap();
            assert_eq!(n, 0, "{table} differs from rollups: {sql}");
        }
        let rows: i64 = conn
            .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
            .unwrap();
        assert!(rows > 0, "{table} is empty");
    }
}

fn bucket(ts: i64) -> i64 {
    ts.div_euclid(900_000) * 900_000
}

#[test]
fn tiers_match_the_quarter_hours_after_replacements_and_rebuilds() {
    let (dir, store, requests) = populated();
    let db = dir.path().join("tiers.db");
    assert_tiers_agree(&db);
    let conn = rusqlite::Connection::open(&db).unwrap();
    let (n, cost): (i64, i64) = conn
        .query_row(
            "SELECT sum(requests), sum(cost_micro_usd) FROM rollups_day",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(n, requests.len() as i64);
    assert_eq!(
        cost,
        requests
            .iter()
            .map(|r| r.cost.amount.micro_usd())
            .sum::<i64>()
    );
    store
        .writer()
        .maintain_blocking(Maintenance::RebuildAggregates)
        .unwrap();
    assert_tiers_agree(&db);
}

#[test]
fn local_day_series_are_exact_in_every_kind_of_time_zone() {
    let (_dir, store, requests) = populated();
    let reader = store.reader().unwrap();
    let zones = [
        "UTC",
        "America/New_York",    // −5/−4, DST switch on 2026-03-08 inside the window
        "Asia/Kolkata",        // +5:30
        "Asia/Kathmandu",      // +5:45
        "Pacific/Chatham",     // +13:45 (DST)
        "Australia/Lord_Howe", // +11 / +10:30 (half-hour DST)
    ];
    let first = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
    let days = 35;
    for name in zones {
        let tz: Tz = name.parse().unwrap();
        let edges = local_day_edges(first, days, tz);
        let mut expected: BTreeMap<(String, usize), i64> = BTreeMap::new();
        for r in &requests {
            let b = bucket(r.ts);
            if let Some(i) = (0..days as usize).find(|i| edges[*i] <= b && b < edges[i + 1]) {
                *expected.entry((r.developer.clone(), i)).or_default() += r.cost.amount.micro_usd();
            }
        }
        let series = reader.cost_series(&[], CostDim::Developer, &edges).unwrap();
        let mut got: BTreeMap<(String, usize), i64> = BTreeMap::new();
        for (dev, per_day) in series {
            assert_eq!(per_day.len(), days as usize, "{name}");
            for (i, m) in per_day.iter().enumerate() {
                if m.micro_usd() != 0 {
                    got.insert((dev.clone(), i), m.micro_usd());
                }
            }
        }
        assert_eq!(got, expected, "per-day spend in {name}");

        // Active days per developer and agent, as Adoption reads them.
        let facts = reader
            .activity_facts(&edges, "2026-03-02", "2100-01-01")
            .unwrap();
        let got: BTreeSet<(String, String, usize)> = facts.agent_days.into_iter().collect();
        let want: BTreeSet<(String, String, usize)> = requests
            .iter()
            .filter_map(|r| {
                let b = bucket(r.ts);
                (0..days as usize)
                    .find(|i| edges[*i] <= b && b < edges[i + 1])
                    .map(|i| (r.developer.clone(), r.agent.as_str().to_string(), i))
            })
            .collect();
        assert_eq!(got, want, "active days in {name}");
    }
}

#[test]
fn reports_by_day_week_and_month_match_the_requests_in_each_zone() {
    let (_dir, store, requests) = populated();
    let reader = store.reader().unwrap();
    for name in [
        "UTC",
        "America/New_York",
        "Asia/Kathmandu",
        "Australia/Lord_Howe",
    ] {
        let tz: Tz = name.parse().unwrap();
        for g in [Granularity::Day, Granularity::Week, Granularity::Month] {
            let since = local_day_start_ms(NaiveDate::from_ymd_opt(2026, 3, 5).unwrap(), tz);
            let filter = UsageFilter {
                since_ms: Some(since),
                agent: Some("claude_code".into()),
                ..UsageFilter::default()
            };
            let mut want: BTreeMap<String, (i64, i64, i64, BTreeSet<String>)> = BTreeMap::new();
            for r in requests
                .iter()
                .filter(|r| r.agent == Agent::ClaudeCode && bucket(r.ts) >= since)
            {
                let e = want
                    .entry(period_label(local_date(bucket(r.ts), tz), g))
                    .or_default();
                e.0 += 1;
                e.1 += r.usage.input;
                e.2 += r.cost.amount.micro_usd();
                e.3.insert(r.model.clone().unwrap());
            }
            let got: BTreeMap<String, (i64, i64, i64, BTreeSet<String>)> = reader
                .usage_by(&filter, UsageGroup::Period(g), tz)
                .unwrap()
                .into_iter()
                .map(|u| {
                    let v = (u.requests, u.usage.input, u.cost.micro_usd(), u.models);
                    (u.key, v)
                })
                .collect();
            assert_eq!(got, want, "{g:?} report in {name}");
        }
    }
}

#[test]
fn ranges_on_the_quarter_hour_grid_sum_exactly() {
    let (_dir, store, requests) = populated();
    let reader = store.reader().unwrap();
    let mut rng = Lcg(99);
    for _ in 0..60 {
        let since = START_MS - 86_400_000 + rng.below(SPAN_MS as u64) as i64;
        let until = since + rng.below(20 * 86_400_000) as i64;
        // Off-grid edges count from the next quarter hour, as a bucket is in when it starts in.
        let (lo, hi) = (bucket(since + 899_999), bucket(until + 899_999));
        let q = CostQuery {
            since_ms: since,
            until_ms: until,
            filters: vec![(CostDim::Developer, DEVS[1].into())],
        };
        let mut got: BTreeMap<String, (i64, i64)> = BTreeMap::new();
        for c in reader.cost_cells(&q, CostDim::Project).unwrap() {
            assert_eq!(c.developer, DEVS[1]);
            let e = got.entry(c.key).or_default();
            e.0 += c.requests;
            e.1 += c.cost.micro_usd();
        }
        let want: BTreeMap<String, (i64, i64)> = requests
            .iter()
            .filter(|r| r.developer == DEVS[1] && (lo..hi).contains(&bucket(r.ts)))
            .fold(BTreeMap::new(), |mut m, r| {
                let e: &mut (i64, i64) = m.entry(r.project_id.clone().unwrap()).or_default();
                e.0 += 1;
                e.1 += r.cost.amount.micro_usd();
                m
            });
        assert_eq!(got, want, "[{since}, {until})");
    }
}
