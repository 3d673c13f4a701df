//! The console's Costs question: spend per group (team, project, developer, agent or model)
//! inside a filter, split per developer so the console can flag outliers, plus hourly spend
//! per group for trend sparklines and vendor acceptance per developer. Reads `rollups` only.

use crate::domain::Money;
use crate::store::Reader;
use crate::store::error::Result;
use rusqlite::types::Value;

/// A dimension of the cost tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CostDim {
    Team,
    Project,
    Developer,
    Agent,
    Model,
}

impl CostDim {
    fn column(self) -> &'static str {
        match self {
            CostDim::Team => "coalesce(d.team, 'unassigned')",
            CostDim::Project => {
                "coalesce(p.display_name, nullif(r.project_id, ''), '(no project)')"
            }
            CostDim::Developer => "r.developer",
            CostDim::Agent => "r.agent",
            CostDim::Model => "r.model",
        }
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
}

fn where_clause(q: &CostQuery, args: &mut Vec<Value>) -> String {
    let mut sql = String::from(" WHERE r.bucket_start >= ? AND r.bucket_start < ?");
    args.push(Value::Integer(q.since_ms));
    args.push(Value::Integer(q.until_ms));
    for (dim, value) in &q.filters {
        sql.push_str(&format!(" AND {} = ?", dim.column()));
        args.push(Value::Text(value.clone()));
    }
    sql
}

const FROM: &str = " FROM rollups r LEFT JOIN developers d ON d.id = r.developer LEFT JOIN projects p ON p.id = r.project_id";

impl Reader {
    /// Spend per (group key, developer) in the query's range and filters.
    pub fn cost_cells(&self, q: &CostQuery, group: CostDim) -> Result<Vec<CostCell>> {
        let mut args = Vec::new();
        let sql = format!(
            "SELECT {k}, r.developer, sum(r.requests),
                    sum(r.input_tokens + r.output_tokens + r.cache_write_5m + r.cache_write_1h + r.cache_read),
                    sum(r.cost_micro_usd), sum(r.unpriced_requests)
             {FROM}{w} GROUP BY 1, 2",
            k = group.column(),
            w = where_clause(q, &mut args),
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(rusqlite::params_from_iter(args), |r| {
            Ok(CostCell {
                key: r.get(0)?,
                developer: r.get(1)?,
                requests: r.get(2)?,
                tokens: r.get(3)?,
                cost: Money::from_micro_usd(r.get(4)?),
                unpriced_requests: r.get(5)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Spend per (group key, hour start) in the range; the caller folds hours into local days.
    pub fn cost_hours(&self, q: &CostQuery, group: CostDim) -> Result<Vec<(String, i64, Money)>> {
        let mut args = Vec::new();
        let sql = format!(
            "SELECT {k}, (r.bucket_start / 3600000) * 3600000, sum(r.cost_micro_usd)
             {FROM}{w} GROUP BY 1, 2",
            k = group.column(),
            w = where_clause(q, &mut args),
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(rusqlite::params_from_iter(args), |r| {
            Ok((r.get(0)?, r.get(1)?, Money::from_micro_usd(r.get(2)?)))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
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
