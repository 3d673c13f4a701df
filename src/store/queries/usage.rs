//! Usage and cost grouped by period, agent, model, project, developer or team, read from
//! the rollup tiers (see `rollup_scan.rs`) so the answer stays fast at millions of requests.

use super::names::Names;
use super::rollup_scan::{Bins, Grain, RollupRow};
use crate::domain::period::{Granularity, local_date, period_edges, period_label};
use crate::domain::{Money, TokenUsage};
use crate::store::Reader;
use crate::store::error::Result;
use crate::store::rollup::{BUCKET_MS, Totals};
use chrono_tz::Tz;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UsageGroup {
    Period(Granularity),
    Agent,
    Model,
    Project,
    Developer,
    Team,
}

/// Row filters; time bounds are UTC milliseconds `[since, until)`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UsageFilter {
    pub since_ms: Option<i64>,
    pub until_ms: Option<i64>,
    pub agent: Option<String>,
    pub project: Option<String>,
    pub developer: Option<String>,
    pub team: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UsageRow {
    /// Period label, agent id, model, project id, developer id or team name.
    pub key: String,
    /// Human label (project display name; otherwise the key).
    pub label: String,
    pub requests: i64,
    pub usage: TokenUsage,
    /// Priced cost (computed + reported); unpriced requests are counted apart.
    pub cost: Money,
    pub reported_cost: Money,
    pub unpriced_requests: i64,
    pub unpriced_tokens: i64,
    pub models: BTreeSet<String>,
}

/// Whether a rollup row passes the report's filters.
fn keeps(names: &Names, f: &UsageFilter, row: &RollupRow<'_, Totals>) -> bool {
    f.agent.as_deref().is_none_or(|a| row.agent == a)
        && f.project
            .as_deref()
            .is_none_or(|p| names.is_project(row.project_id, p))
        && f.developer
            .as_deref()
            .is_none_or(|d| names.is_developer(row.developer, d))
        && f.team
            .as_deref()
            .is_none_or(|t| names.team(row.developer) == t)
}

/// The row's group key and its label.
fn key(
    names: &Names,
    group: UsageGroup,
    bin_label: &str,
    row: &RollupRow<'_, Totals>,
) -> (String, String) {
    let dup = |s: &str| (s.to_string(), s.to_string());
    match group {
        UsageGroup::Period(_) => dup(bin_label),
        UsageGroup::Agent => dup(row.agent),
        UsageGroup::Model => dup(row.model),
        UsageGroup::Project => (
            row.project_id.to_string(),
            names.project_label(row.project_id).to_string(),
        ),
        UsageGroup::Developer => dup(row.developer),
        UsageGroup::Team => dup(names.team(row.developer)),
    }
}

impl Reader {
    /// Rows sorted by key (periods chronologically), never including empty groups. Reads
    /// the rollup tiers: whole UTC days from the daily rows, period edges exact in `tz`.
    pub fn usage_by(
        &self,
        filter: &UsageFilter,
        group: UsageGroup,
        tz: Tz,
    ) -> Result<Vec<UsageRow>> {
        let Some((first, last)) = self.rollup_extent()? else {
            return Ok(Vec::new());
        };
        let since = filter.since_ms.unwrap_or(first);
        let until = filter.until_ms.unwrap_or(last + BUCKET_MS);
        if since >= until {
            return Ok(Vec::new());
        }
        let edges = match group {
            UsageGroup::Period(g) => period_edges(since, until, g, tz),
            _ => vec![since, until],
        };
        let bins = Bins::new(edges);
        let labels: Vec<String> = match group {
            UsageGroup::Period(g) => (0..bins.len())
                .map(|i| period_label(local_date(bins.start(i), tz), g))
                .collect(),
            _ => vec![String::new(); bins.len()],
        };
        let names = Names::load(self)?;
        let grain = Grain {
            developer: matches!(group, UsageGroup::Developer | UsageGroup::Team)
                || filter.developer.is_some()
                || filter.team.is_some(),
            agent: group == UsageGroup::Agent || filter.agent.is_some(),
            project: group == UsageGroup::Project || filter.project.is_some(),
            model: true,
        };
        // (key, model) → (label, totals), signed sums; a model is listed under a key only if
        // it has requests there.
        let mut sums: BTreeMap<(String, String), (String, Totals)> = BTreeMap::new();
        self.scan_rollups(&bins, grain, |bin, row: &RollupRow<'_, Totals>, sign| {
            if !keeps(&names, filter, row) {
                return;
            }
            let (key, label) = key(&names, group, &labels[bin], row);
            sums.entry((key, row.model.to_string()))
                .or_insert_with(|| (label, Totals::default()))
                .1
                .add_scaled(&row.m, sign);
        })?;
        let mut folded: BTreeMap<String, UsageRow> = BTreeMap::new();
        for ((key, model), (label, t)) in sums {
            if t.requests == 0 {
                continue;
            }
            let row = folded.entry(key.clone()).or_insert_with(|| UsageRow {
                key,
                label,
                ..UsageRow::default()
            });
            row.requests = row.requests.saturating_add(t.requests);
            row.usage += t.usage;
            row.cost += Money::from_micro_usd(t.cost_micro_usd);
            row.reported_cost += Money::from_micro_usd(t.reported_micro_usd);
            row.unpriced_requests = row.unpriced_requests.saturating_add(t.unpriced_requests);
            row.unpriced_tokens = row.unpriced_tokens.saturating_add(t.unpriced_tokens);
            row.models.insert(model);
        }
        Ok(folded.into_values().collect())
    }

    /// The first and last 15-minute bucket with any rollup, if any.
    fn rollup_extent(&self) -> Result<Option<(i64, i64)>> {
        let (first, last): (Option<i64>, Option<i64>) = self
            .conn
            .prepare_cached("SELECT min(bucket_start), max(bucket_start) FROM rollups")?
            .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(first.zip(last))
    }
}
