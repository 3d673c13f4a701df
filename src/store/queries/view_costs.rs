//! The console's Costs question: spend per group (team, project, developer, agent or model)
//! inside a filter, split per developer so the console can flag outliers, plus spend per
//! group per local day for trend sparklines and vendor acceptance per developer. Reads the
//! rollup tiers through [`Reader::scan_rollups`]; team and project names are mapped in Rust.

use super::names::Names;
use super::rollup_scan::{Bins, Grain, RollupRow, Spend};
use crate::domain::Money;
use crate::domain::bounds::add_to_total;
use crate::store::Reader;
use crate::store::error::Result;
use std::collections::HashMap;

/// A dimension of the cost tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CostDim {
    Team,
    Project,
    Developer,
    Agent,
    Model,
}

/// Names the cost tree shows for a rollup row: a developer's team, a project's display name.
struct DimNames(Names);

impl DimNames {
    fn load(reader: &Reader) -> Result<DimNames> {
        Ok(DimNames(Names::load(reader)?))
    }

    /// The row's value on one dimension.
    fn key<'a>(&'a self, dim: CostDim, row: &RollupRow<'a, Spend>) -> &'a str {
        match dim {
            CostDim::Team => self.0.team(row.developer),
            CostDim::Project => self.0.project_label(row.project_id),
            CostDim::Developer => row.developer,
            CostDim::Agent => row.agent,
            CostDim::Model => row.model,
        }
    }

    /// The key columns a scan needs to group by `group` under `filters`.
    fn grain(group: CostDim, filters: &[(CostDim, String)], developer: bool) -> Grain {
        let mut g = Grain {
            developer,
            ..Grain::default()
        };
        for dim in filters.iter().map(|(d, _)| *d).chain([group]) {
            match dim {
                CostDim::Team | CostDim::Developer => g.developer = true,
                CostDim::Project => g.project = true,
                CostDim::Agent => g.agent = true,
                CostDim::Model => g.model = true,
            }
        }
        g
    }

    fn matches(&self, filters: &[(CostDim, String)], row: &RollupRow<'_, Spend>) -> bool {
        filters.iter().all(|(dim, v)| self.key(*dim, row) == v)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CostQuery {
    pub since_ms: i64,
    pub until_ms: i64,
    /// Equality filters on dimensions (the path drilled so far).
    pub filters: Vec<(CostDim, String)>,
}

/// Spend of one (group, developer) pair.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CostCell {
    pub key: String,
    pub developer: String,
    pub requests: i64,
    pub tokens: i64,
    pub cost: Money,
    pub unpriced_requests: i64,
    /// The billed part of `cost` (vendor- or agent-stated charges).
    pub billed: Money,
}

impl Reader {
    /// Spend per (group key, developer) in the query's range and filters, by key then
    /// developer.
    pub fn cost_cells(&self, q: &CostQuery, group: CostDim) -> Result<Vec<CostCell>> {
        let names = DimNames::load(self)?;
        let mut by_key: HashMap<String, HashMap<String, CostCell>> = HashMap::new();
        let grain = DimNames::grain(group, &q.filters, true);
        self.scan_rollups(
            &Bins::range(q.since_ms, q.until_ms),
            grain,
            |_, row: &RollupRow<Spend>, sign| {
                if !names.matches(&q.filters, row) {
                    return;
                }
                let key = names.key(group, row);
                let devs = match by_key.get_mut(key) {
                    Some(devs) => devs,
                    None => by_key.entry(key.to_string()).or_default(),
                };
                let cell = match devs.get_mut(row.developer) {
                    Some(cell) => cell,
                    None => devs
                        .entry(row.developer.to_string())
                        .or_insert_with(|| CostCell {
                            key: key.to_string(),
                            developer: row.developer.to_string(),
                            requests: 0,
                            tokens: 0,
                            cost: Money::ZERO,
                            unpriced_requests: 0,
                            billed: Money::ZERO,
                        }),
                };
                cell.requests = add_to_total(cell.requests, sign * row.m.requests);
                cell.tokens = add_to_total(cell.tokens, sign * row.m.tokens);
                cell.cost += Money::from_micro_usd(sign * row.m.cost_micro_usd);
                cell.unpriced_requests =
                    add_to_total(cell.unpriced_requests, sign * row.m.unpriced_requests);
                cell.billed += Money::from_micro_usd(sign * row.m.reported_micro_usd);
            },
        )?;
        let mut cells: Vec<CostCell> = by_key
            .into_values()
            .flat_map(HashMap::into_values)
            .filter(|c| c.requests != 0)
            .collect();
        cells.sort_by(|a, b| (&a.key, &a.developer).cmp(&(&b.key, &b.developer)));
        Ok(cells)
    }

    /// Spend per group key in each bin `[edges[i], edges[i + 1])` (e.g. local days), by key.
    /// Keys without requests in any bin are left out.
    pub fn cost_series(
        &self,
        filters: &[(CostDim, String)],
        group: CostDim,
        edges: &[i64],
    ) -> Result<Vec<(String, Vec<Money>)>> {
        let names = DimNames::load(self)?;
        let bins = Bins::new(edges.iter().copied());
        let mut by_key: HashMap<String, (i64, Vec<i64>)> = HashMap::new();
        let grain = DimNames::grain(group, filters, false);
        self.scan_rollups(&bins, grain, |bin, row: &RollupRow<Spend>, sign| {
            if !names.matches(filters, row) {
                return;
            }
            let key = names.key(group, row);
            let (requests, series) = match by_key.get_mut(key) {
                Some(v) => v,
                None => by_key
                    .entry(key.to_string())
                    .or_insert_with(|| (0, vec![0; bins.len()])),
            };
            *requests = add_to_total(*requests, sign * row.m.requests);
            series[bin] = add_to_total(series[bin], sign * row.m.cost_micro_usd);
        })?;
        let mut out: Vec<(String, Vec<Money>)> = by_key
            .into_iter()
            .filter(|(_, (requests, _))| *requests != 0)
            .map(|(k, (_, s))| (k, s.into_iter().map(Money::from_micro_usd).collect()))
            .collect();
        out.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(out)
    }

    /// Team monthly budgets (teams without one are left out).
    pub fn team_budgets(&self) -> Result<Vec<(String, Money)>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT name, budget_micro_usd_month FROM teams WHERE budget_micro_usd_month > 0 ORDER BY name",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, Money::from_micro_usd(r.get(1)?))))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Vendor suggestions and acceptances per developer since `since_day` (YYYY-MM-DD).
    pub fn acceptance_by_developer(&self, since_day: &str) -> Result<Vec<(String, i64, i64)>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT developer, sum(suggestions), sum(acceptances) FROM daily_usage
             WHERE day >= ?1 AND developer <> '' GROUP BY developer",
        )?;
        let rows = stmt.query_map([since_day], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}
