//! Usage and cost grouped by period, agent, model, project, developer or team, read from
//! the 15-minute rollups so the answer stays fast at millions of requests.

use super::usage_at;
use crate::domain::period::{Granularity, local_date, period_label};
use crate::domain::{Money, TokenUsage};
use crate::store::Reader;
use crate::store::error::Result;
use chrono_tz::Tz;
use rusqlite::types::Value;
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

impl UsageRow {
    pub fn absorb(&mut self, other: &UsageRow) {
        self.requests += other.requests;
        self.usage += other.usage;
        self.cost += other.cost;
        self.reported_cost += other.reported_cost;
        self.unpriced_requests += other.unpriced_requests;
        self.unpriced_tokens += other.unpriced_tokens;
        self.models.extend(other.models.iter().cloned());
    }
}

impl Reader {
    /// Rows sorted by key (periods chronologically), never including empty groups.
    pub fn usage_by(
        &self,
        filter: &UsageFilter,
        group: UsageGroup,
        tz: Tz,
    ) -> Result<Vec<UsageRow>> {
        // Join only what the grouping or a filter needs: at a million requests the joins
        // are most of the query's time.
        let needs_developers =
            group == UsageGroup::Team || filter.team.is_some() || filter.developer.is_some();
        let needs_projects = group == UsageGroup::Project || filter.project.is_some();
        let project_name = if needs_projects {
            "coalesce(p.display_name, r.project_id)"
        } else {
            "r.project_id"
        };
        let team = if needs_developers {
            "coalesce(d.team, 'unassigned')"
        } else {
            "'unassigned'"
        };
        let mut sql = format!(
            "SELECT r.bucket_start, r.agent, r.model, r.project_id, {project_name},
                    r.developer, {team},
                    sum(r.requests), sum(r.input_tokens), sum(r.output_tokens), sum(r.cache_write_5m),
                    sum(r.cache_write_1h), sum(r.cache_read), sum(r.reasoning_tokens),
                    sum(r.cost_micro_usd), sum(r.reported_micro_usd), sum(r.unpriced_requests),
                    sum(r.unpriced_tokens)
             FROM rollups r"
        );
        if needs_developers {
            sql.push_str(" LEFT JOIN developers d ON d.id = r.developer");
        }
        if needs_projects {
            sql.push_str(" LEFT JOIN projects p ON p.id = r.project_id");
        }
        sql.push_str(" WHERE 1 = 1");
        let mut args: Vec<Value> = Vec::new();
        if let Some(since) = filter.since_ms {
            sql.push_str(" AND r.bucket_start >= ?");
            args.push(Value::Integer(since));
        }
        if let Some(until) = filter.until_ms {
            sql.push_str(" AND r.bucket_start < ?");
            args.push(Value::Integer(until));
        }
        if let Some(agent) = &filter.agent {
            sql.push_str(" AND r.agent = ?");
            args.push(Value::Text(agent.clone()));
        }
        if let Some(project) = &filter.project {
            sql.push_str(" AND (r.project_id = ? OR p.display_name = ?)");
            args.push(Value::Text(project.clone()));
            args.push(Value::Text(project.clone()));
        }
        if let Some(developer) = &filter.developer {
            sql.push_str(" AND (r.developer = ? OR d.handle = ? OR d.email = ?)");
            for _ in 0..3 {
                args.push(Value::Text(developer.clone()));
            }
        }
        if let Some(team) = &filter.team {
            sql.push_str(" AND coalesce(d.team, 'unassigned') = ?");
            args.push(Value::Text(team.clone()));
        }
        // Group by everything that can be a key; the fold below picks the key.
        let key_cols = match group {
            UsageGroup::Period(_) => "r.bucket_start, r.model",
            UsageGroup::Agent => "r.agent, r.model",
            UsageGroup::Model => "r.model",
            UsageGroup::Project => "r.project_id, r.model",
            UsageGroup::Developer => "r.developer, r.model",
            UsageGroup::Team => "coalesce(d.team, 'unassigned'), r.model",
        };
        sql.push_str(" GROUP BY ");
        sql.push_str(key_cols);

        let mut stmt = self.conn.prepare_cached(&sql)?;
        let mut rows = stmt.query(rusqlite::params_from_iter(args))?;
        let mut folded: BTreeMap<String, UsageRow> = BTreeMap::new();
        let mut last_label: Option<(i64, String)> = None;
        while let Some(r) = rows.next()? {
            let bucket: i64 = r.get(0)?;
            let model: String = r.get(2)?;
            let (key, label) = match group {
                UsageGroup::Period(g) => {
                    // Rows arrive ordered by bucket: compute each bucket's label once.
                    if last_label.as_ref().is_none_or(|(b, _)| *b != bucket) {
                        last_label = Some((bucket, period_label(local_date(bucket, tz), g)));
                    }
                    let label = last_label
                        .as_ref()
                        .map(|(_, l)| l.clone())
                        .unwrap_or_default();
                    (label.clone(), label)
                }
                UsageGroup::Agent => dup(r.get(1)?),
                UsageGroup::Model => dup(model.clone()),
                UsageGroup::Project => {
                    let id: String = r.get(3)?;
                    let name: Option<String> = r.get(4)?;
                    let label = name.filter(|n| !n.is_empty()).unwrap_or_else(|| {
                        if id.is_empty() {
                            "(no project)".into()
                        } else {
                            id.clone()
                        }
                    });
                    (id, label)
                }
                UsageGroup::Developer => dup(r.get(5)?),
                UsageGroup::Team => dup(r.get(6)?),
            };
            let row = UsageRow {
                key: key.clone(),
                label,
                requests: r.get(7)?,
                usage: usage_at(r, 8)?,
                cost: Money::from_micro_usd(r.get(14)?),
                reported_cost: Money::from_micro_usd(r.get(15)?),
                unpriced_requests: r.get(16)?,
                unpriced_tokens: r.get(17)?,
                models: BTreeSet::from([model]),
            };
            match folded.get_mut(&key) {
                Some(existing) => existing.absorb(&row),
                None => {
                    folded.insert(key, row);
                }
            }
        }
        Ok(folded.into_values().filter(|r| r.requests != 0).collect())
    }
}

fn dup(s: String) -> (String, String) {
    (s.clone(), s)
}
