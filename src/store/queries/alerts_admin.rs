//! Alerts as `agentdeck alerts` and scripts see them: every stored alert with its id and
//! lifecycle, newest first, optionally filtered by state; one alert by id; and the inputs
//! the alert rules evaluate (daily spend, 429s, acceptance, team month-to-date spend).

use crate::domain::Money;
use crate::domain::alerts::{AlertState, Severity};
use crate::store::Reader;
use crate::store::error::Result;
use crate::store::ops::AlertRow;
use rusqlite::{OptionalExtension, Row};
use std::collections::BTreeMap;

/// A stored alert with its id.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredAlert {
    pub id: i64,
    pub row: AlertRow,
}

const COLUMNS: &str = "id, rule, subject, severity, state, value, threshold, message, fired_at,
    acked_at, acked_by, note, snoozed_until, resolved_at";

fn stored(r: &Row<'_>) -> rusqlite::Result<StoredAlert> {
    let severity: String = r.get(3)?;
    let state: String = r.get(4)?;
    Ok(StoredAlert {
        id: r.get(0)?,
        row: AlertRow {
            rule: r.get(1)?,
            subject: r.get(2)?,
            severity: Severity::parse(&severity).unwrap_or(Severity::Warning),
            state: AlertState::parse(&state).unwrap_or(AlertState::Firing),
            value: r.get(5)?,
            threshold: r.get(6)?,
            message: r.get(7)?,
            fired_at: r.get(8)?,
            acked_at: r.get(9)?,
            acked_by: r.get(10)?,
            note: r.get(11)?,
            snoozed_until: r.get(12)?,
            resolved_at: r.get(13)?,
        },
    })
}

impl Reader {
    /// Alerts in `states` (all when empty), newest first.
    pub fn alerts(&self, states: &[AlertState]) -> Result<Vec<StoredAlert>> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {COLUMNS} FROM alerts ORDER BY fired_at DESC, id DESC"
        ))?;
        let mut out = Vec::new();
        for a in stmt.query_map([], stored)? {
            let a = a?;
            if states.is_empty() || states.contains(&a.row.state) {
                out.push(a);
            }
        }
        Ok(out)
    }

    /// One alert by id.
    pub fn alert(&self, id: i64) -> Result<Option<StoredAlert>> {
        Ok(self
            .conn
            .prepare(&format!("SELECT {COLUMNS} FROM alerts WHERE id = ?1"))?
            .query_row([id], stored)
            .optional()?)
    }
}

/// What the alert rules read from the store (see `domain::alerts`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RuleInputs {
    /// Priced spend per developer and day, in the order of the `day_starts` asked for.
    pub developer_daily_spend: BTreeMap<String, Vec<Money>>,
    /// Timestamps of API errors with status 429 per developer since `storm_since`.
    pub rate_limited: BTreeMap<String, Vec<i64>>,
    /// Vendor suggestions and acceptances per developer since `acceptance_since_day`.
    pub acceptance: BTreeMap<String, (i64, i64)>,
    /// (team, spend since `month_start`, monthly budget); developers in no team count as
    /// `unassigned`.
    pub team_month_spend: Vec<(String, Money, Option<Money>)>,
}

impl Reader {
    /// Reads the rule inputs. `day_starts` are ascending day boundaries (ms); spend after the
    /// last one counts toward it (today).
    pub fn rule_inputs(
        &self,
        day_starts: &[i64],
        storm_since: i64,
        acceptance_since_day: &str,
        month_start: i64,
    ) -> Result<RuleInputs> {
        let mut inputs = RuleInputs::default();
        if let Some(&first) = day_starts.first() {
            let mut stmt = self.conn.prepare(
                "SELECT developer, bucket_start, sum(cost_micro_usd) FROM rollups
                 WHERE bucket_start >= ?1 GROUP BY 1, 2",
            )?;
            let rows = stmt.query_map([first], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, i64>(2)?,
                ))
            })?;
            for row in rows {
                let (developer, bucket, cost) = row?;
                let day = day_starts
                    .partition_point(|&s| s <= bucket)
                    .saturating_sub(1);
                let days = inputs
                    .developer_daily_spend
                    .entry(developer)
                    .or_insert_with(|| vec![Money::ZERO; day_starts.len()]);
                days[day] += Money::from_micro_usd(cost);
            }
        }
        let mut stmt = self.conn.prepare(
            "SELECT s.developer, e.ts FROM events e JOIN sessions s ON s.id = e.session_id
             WHERE e.kind = 'api_error' AND e.status_code = 429 AND e.ts >= ?1 ORDER BY e.ts",
        )?;
        for row in stmt.query_map([storm_since], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
        })? {
            let (developer, ts) = row?;
            inputs.rate_limited.entry(developer).or_default().push(ts);
        }
        let mut stmt = self.conn.prepare(
            "SELECT developer, sum(suggestions), sum(acceptances) FROM daily_usage
             WHERE day >= ?1 AND developer <> '' GROUP BY 1",
        )?;
        for row in stmt.query_map([acceptance_since_day], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, i64>(2)?,
            ))
        })? {
            let (developer, s, a) = row?;
            inputs.acceptance.insert(developer, (s, a));
        }
        let mut stmt = self.conn.prepare(
            "WITH spend AS (
                 SELECT coalesce(d.team, 'unassigned') AS team, sum(r.cost_micro_usd) AS cost
                 FROM rollups r LEFT JOIN developers d ON d.id = r.developer
                 WHERE r.bucket_start >= ?1 GROUP BY 1)
             SELECT s.team, s.cost, t.budget_micro_usd_month FROM spend s
             LEFT JOIN teams t ON t.name = s.team ORDER BY 1",
        )?;
        for row in stmt.query_map([month_start], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, Option<i64>>(2)?,
            ))
        })? {
            let (team, cost, budget) = row?;
            inputs.team_month_spend.push((
                team,
                Money::from_micro_usd(cost),
                budget.map(Money::from_micro_usd),
            ));
        }
        Ok(inputs)
    }
}
