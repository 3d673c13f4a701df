//! The demo's alerts: the real rules (`domain::alerts`) run over the generated history, then
//! each finding gets a believable lifecycle: old ones resolved (some acked first), recent ones
//! firing, the injected spike acked with a note, low acceptance snoozed. Every state appears.

use super::history::{DAY_MS, History};
use super::org::Org;
use super::rng::Rng;
use super::vendor::RecentAcceptance;
use crate::domain::alerts::{self, AlertState, Finding, names};
use crate::domain::forecast;
use crate::domain::{Money, UnixMillis};
use crate::store::ops::AlertRow;
use chrono::{DateTime, Datelike};

const NOTES: &[&str] = &[
    "Expected: migration week, spend approved by finance",
    "Talked to the developer; switching the batch job to Sonnet",
    "Known vendor incident, nothing to do on our side",
    "Load test on the ledger replay; ends Friday",
    "Investigating with the team lead",
];

/// Alert rows for the demo, oldest first.
pub fn derive(
    org: &Org,
    h: &History,
    recent: &RecentAcceptance,
    day0: UnixMillis,
    now: UnixMillis,
    seed: u64,
) -> Vec<AlertRow> {
    let mut rng = Rng::new(seed).fork(5);
    let today = (now - day0).div_euclid(DAY_MS);
    let mut found: Vec<(UnixMillis, Finding, usize)> = Vec::new();

    for (di, dev) in org.developers.iter().enumerate() {
        let daily: Vec<Money> = (0..=today)
            .map(|d| h.spend.get(&(di, d)).copied().unwrap_or_default())
            .collect();
        for day in (today - 30).max(1)..=today {
            let start = day0 + day * DAY_MS;
            let trailing = &daily[..day as usize];
            if let Some(f) = alerts::spend_spike(
                &format!("developer:{}", dev.id),
                daily[day as usize],
                trailing,
            ) {
                let at = if day == today {
                    now - 20 * 60_000
                } else {
                    start + 17 * 3_600_000
                };
                found.push((at, f, dev.team));
            }
        }
        let mut by_day: std::collections::BTreeMap<i64, Vec<UnixMillis>> = Default::default();
        for ts in h.rate_limited.get(&di).into_iter().flatten() {
            by_day
                .entry((ts - day0).div_euclid(DAY_MS))
                .or_default()
                .push(*ts);
        }
        for ts in by_day.values() {
            if let Some(f) = alerts::rate_limit_storm(&format!("developer:{}", dev.id), ts) {
                let at = ts.iter().max().copied().unwrap_or(now) + 60_000;
                found.push((at.min(now), f, dev.team));
            }
        }
        if let Some((s, a)) = recent.get(&di)
            && let Some(f) = alerts::low_acceptance(&format!("developer:{}", dev.id), *s, *a)
        {
            found.push((now - 26 * 3_600_000, f, dev.team));
        }
    }

    // Budgets: month-to-date (UTC month) and the linear month-end forecast.
    if let Some(now_dt) = DateTime::from_timestamp_millis(now) {
        let month_start =
            now - (now_dt.day() as i64 - 1) * DAY_MS - (now - day0).rem_euclid(DAY_MS);
        for (ti, team) in org.teams.iter().enumerate() {
            let mtd: Money = h
                .spend
                .iter()
                .filter(|((di, d), _)| {
                    org.developers[*di].team == ti && day0 + d * DAY_MS >= month_start
                })
                .map(|(_, m)| *m)
                .sum();
            let f = forecast::month_end(mtd, now_dt.naive_utc());
            if let Some(finding) = alerts::budget(
                &format!("team:{}", team.name),
                mtd,
                f.month_end,
                Some(team.budget),
            ) {
                found.push(((now - 2 * 3_600_000).max(month_start), finding, ti));
            }
        }
    }

    found.sort_by(|a, b| (a.0, &a.1.subject, &a.1.rule).cmp(&(b.0, &b.1.subject, &b.1.rule)));
    let recent_cut = now - 2 * DAY_MS;
    let old: Vec<_> = found.iter().filter(|f| f.0 < recent_cut).collect();
    let keep_from = old.len().saturating_sub(30);
    let spike_day = h.spike.map(|(_, d)| d);
    let mut out = Vec::new();
    for (i, (at, f, team)) in found.iter().enumerate() {
        if *at < recent_cut && i < keep_from {
            continue;
        }
        let lead = org.lead_of(*team).to_string();
        let mut row = AlertRow::firing(f, *at);
        if *at < recent_cut {
            if rng.chance(0.4) {
                ack(&mut row, &lead, &mut rng);
            }
            row.state = AlertState::Resolved;
            row.resolved_at = Some((at + rng.range(4, 30) * 3_600_000).min(now - 3_600_000));
        } else if f.rule == names::LOW_ACCEPTANCE {
            row.state = AlertState::Snoozed;
            row.acked_by = Some(lead);
            row.snoozed_until = Some(now + 20 * 3_600_000);
        } else if f.rule == names::SPEND_SPIKE_DEVELOPER
            && spike_day.is_some_and(|d| (at - day0).div_euclid(DAY_MS) == d)
        {
            ack(&mut row, &lead, &mut rng);
        }
        out.push(row);
    }
    ensure_every_state(&mut out, now);
    out
}

fn ack(row: &mut AlertRow, by: &str, rng: &mut Rng) {
    row.state = AlertState::Acked;
    row.acked_at = Some(row.fired_at + rng.range(8, 90) * 60_000);
    row.acked_by = Some(by.to_string());
    row.note = rng.pick(NOTES).map(|n| n.to_string());
}

/// The rules found what they found; make sure the Alerts view still shows all four states
/// (another seed or an unlucky clock might not produce them all).
fn ensure_every_state(out: &mut Vec<AlertRow>, now: UnixMillis) {
    let mut rng = Rng::new(now as u64);
    for (k, state) in AlertState::ALL.into_iter().enumerate() {
        if out.iter().any(|a| a.state == state) {
            continue;
        }
        let fired_at = now - (k as i64 + 1) * 3 * 3_600_000;
        let mut row = AlertRow {
            rule: names::SPEND_SPIKE_TEAM.into(),
            subject: "team:platform".into(),
            severity: alerts::Severity::Warning,
            state,
            value: Some(412.0),
            threshold: Some(240.0),
            message:
                "team:platform spend is $412.00 ≥ ($240.00, 2.0× the trailing average $120.00)"
                    .into(),
            unit: Some(crate::domain::alert_rules::Unit::Usd),
            fired_at,
            acked_at: None,
            acked_by: None,
            note: None,
            snoozed_until: None,
            resolved_at: None,
            ..Default::default()
        };
        match state {
            AlertState::Firing => {}
            AlertState::Acked => ack(&mut row, "admin@acme.dev", &mut rng),
            AlertState::Snoozed => {
                row.acked_by = Some("admin@acme.dev".into());
                row.snoozed_until = Some(now + 4 * 3_600_000);
            }
            AlertState::Resolved => row.resolved_at = Some(fired_at + 3_600_000),
        }
        out.push(row);
    }
    out.sort_by_key(|a| a.fired_at);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_state_is_present_even_when_the_rules_found_nothing() {
        let mut rows = Vec::new();
        ensure_every_state(&mut rows, 1_790_000_000_000);
        for state in AlertState::ALL {
            assert_eq!(
                rows.iter().filter(|a| a.state == state).count(),
                1,
                "{state:?}"
            );
        }
        let acked = rows.iter().find(|a| a.state == AlertState::Acked).unwrap();
        assert!(acked.note.is_some() && acked.acked_by.is_some());
        ensure_every_state(&mut rows, 1_790_000_000_000);
        assert_eq!(rows.len(), 4, "nothing added when every state is there");
    }
}
