//! Reads and small writes on PostgreSQL: tokens, developers, and the sync feed filtered by
//! role (the same rows and shapes as the SQLite `store::queries::sync`).

use super::{PgError, PgStore};
use crate::domain::{
    Agent, Cost, CostSource, DedupePolicy, EventKind, EventRecord, Money, RequestRecord,
    SessionRecord, TokenUsage,
};
use crate::store::queries::sync::{OrgDay, RowFilter, SyncDeveloper, SyncPage, TokenRow};
use std::collections::HashSet;
use tokio_postgres::types::ToSql;

/// `WHERE id > $1 AND <condition> … LIMIT $2`: the filter's condition on `column`; its
/// parameters are `$3` (the developer) and `$4` (the manager's teams, as an array).
fn condition(filter: &RowFilter, column: &str) -> String {
    match filter {
        RowFilter::All => "TRUE".into(),
        RowFilter::Developer(_) => format!("{column} = $3"),
        RowFilter::Teams { .. } => format!(
            "({column} = $3 OR {column} IN (SELECT id FROM developers WHERE team = ANY($4)))"
        ),
    }
}

/// The parameters that go with [`condition`], after the cursor and the limit.
fn params<'a>(
    filter: &'a RowFilter,
    cursor: &'a i64,
    limit: &'a i64,
) -> Vec<&'a (dyn ToSql + Sync)> {
    let mut out: Vec<&(dyn ToSql + Sync)> = vec![cursor, limit];
    match filter {
        RowFilter::All => {}
        RowFilter::Developer(d) => out.push(d),
        RowFilter::Teams { teams, developer } => {
            out.push(developer);
            out.push(teams);
        }
    }
    out
}

fn agent_of(text: &str) -> Agent {
    text.parse().unwrap_or(Agent::ClaudeCode)
}

impl PgStore {
    pub async fn create_token(
        &self,
        hash: &str,
        role: &str,
        developer: &str,
        team: Option<&str>,
        now: i64,
    ) -> Result<i64, PgError> {
        let row = self.reader().await?
            .query_one(
                "INSERT INTO api_tokens (token_hash, role, developer, team, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
                &[&hash, &role, &developer, &team, &now],
            )
            .await?;
        Ok(row.get(0))
    }

    pub async fn tokens(&self, include_revoked: bool) -> Result<Vec<TokenRow>, PgError> {
        let rows = self.reader().await?
            .query(
                "SELECT id, token_hash, role, developer, team, created_at, revoked_at FROM api_tokens
                 WHERE $1 OR revoked_at IS NULL ORDER BY id",
                &[&include_revoked],
            )
            .await?;
        Ok(rows
            .iter()
            .map(|r| TokenRow {
                id: r.get(0),
                token_hash: r.get(1),
                role: r.get(2),
                developer: r.get(3),
                team: r.get(4),
                created_at: r.get(5),
                revoked_at: r.get(6),
            })
            .collect())
    }

    pub async fn revoke_token(&self, id: i64, now: i64) -> Result<bool, PgError> {
        let n = self
            .reader()
            .await?
            .execute(
                "UPDATE api_tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL",
                &[&id, &now],
            )
            .await?;
        Ok(n > 0)
    }

    pub async fn known_developers(&self) -> Result<HashSet<String>, PgError> {
        let rows = self
            .reader()
            .await?
            .query("SELECT id FROM developers", &[])
            .await?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
    }

    pub async fn team_of(&self, developer: &str) -> Result<Option<String>, PgError> {
        let row = self
            .reader()
            .await?
            .query_opt("SELECT team FROM developers WHERE id = $1", &[&developer])
            .await?;
        Ok(row.map(|r| r.get(0)))
    }

    pub async fn sync_page(
        &self,
        filter: &RowFilter,
        cursor: i64,
        event_cursor: i64,
        limit: usize,
    ) -> Result<SyncPage, PgError> {
        let limit = limit.clamp(1, 10_000) as i64;
        let mut page = SyncPage {
            next_cursor: cursor,
            next_event_cursor: event_cursor,
            ..SyncPage::default()
        };

        let cond = condition(filter, "q.developer");
        let sql = format!(
            "SELECT q.id, q.dedupe_key, q.agent, s.session_key, q.ts, q.model, q.developer, q.project_id,
                 q.input_tokens, q.output_tokens, q.cache_write_5m, q.cache_write_1h, q.cache_read,
                 q.reasoning_tokens, q.cost_micro_usd, q.cost_source, q.sidechain, q.fast, q.message_id, q.ord
             FROM requests q JOIN sessions s ON s.id = q.session_id
             WHERE q.id > $1 AND {cond} ORDER BY q.id LIMIT $2"
        );
        for r in self
            .reader()
            .await?
            .query(&sql, &params(filter, &cursor, &limit))
            .await?
        {
            page.next_cursor = r.get(0);
            let dedupe_key: String = r.get(1);
            let agent = agent_of(&r.get::<_, String>(2));
            let model: String = r.get(5);
            let source: String = r.get(15);
            page.requests.push(RequestRecord {
                policy: match agent {
                    Agent::ClaudeCode if dedupe_key.starts_with("cc:") => DedupePolicy::LargestCopy,
                    Agent::Gemini => DedupePolicy::LastWins,
                    _ => DedupePolicy::FirstWins,
                },
                dedupe_key,
                agent,
                session_key: r.get(3),
                ts: r.get(4),
                model: (model != "unknown").then_some(model),
                usage: TokenUsage {
                    input: r.get(8),
                    output: r.get(9),
                    cache_write_5m: r.get(10),
                    cache_write_1h: r.get(11),
                    cache_read: r.get(12),
                    reasoning: r.get(13),
                },
                cost: Cost {
                    amount: Money::from_micro_usd(r.get(14)),
                    source: CostSource::parse(&source).unwrap_or(CostSource::Computed),
                },
                developer: r.get(6),
                project_id: r.get(7),
                sidechain: r.get(16),
                fast: r.get(17),
                message_id: r.get(18),
                ord: r.get(19),
            });
        }

        let cond = condition(filter, "s.developer");
        let sql = format!(
            "SELECT e.id, e.dedupe_key, s.agent, s.session_key, e.ts, e.kind, e.tool_name, e.decision,
                 e.status_code, e.duration_ms, e.detail, e.ord
             FROM events e JOIN sessions s ON s.id = e.session_id
             WHERE e.id > $1 AND {cond} ORDER BY e.id LIMIT $2"
        );
        for r in self
            .reader()
            .await?
            .query(&sql, &params(filter, &event_cursor, &limit))
            .await?
        {
            page.next_event_cursor = r.get(0);
            let Some(kind) = EventKind::parse(&r.get::<_, String>(5)) else {
                continue;
            };
            page.events.push(EventRecord {
                dedupe_key: r.get(1),
                agent: agent_of(&r.get::<_, String>(2)),
                session_key: r.get(3),
                ts: r.get(4),
                kind,
                tool_name: r.get(6),
                decision: r.get(7),
                status_code: r.get(8),
                duration_ms: r.get(9),
                detail: r.get(10),
                ord: r.get(11),
            });
        }

        let mut keys: Vec<(String, String)> = page
            .requests
            .iter()
            .map(|r| (r.agent.as_str().to_string(), r.session_key.clone()))
            .chain(
                page.events
                    .iter()
                    .map(|e| (e.agent.as_str().to_string(), e.session_key.clone())),
            )
            .collect();
        keys.sort();
        keys.dedup();
        for (agent, key) in keys {
            let row = self.reader().await?
                .query_opt(
                    "SELECT agent, session_key, source, developer, project_id, branch, started_at, last_activity_at, title
                     FROM sessions WHERE agent = $1 AND session_key = $2",
                    &[&agent, &key],
                )
                .await?;
            if let Some(r) = row {
                page.sessions.push(SessionRecord {
                    agent: agent_of(&r.get::<_, String>(0)),
                    session_key: r.get(1),
                    source: r.get(2),
                    developer: r.get(3),
                    project_id: r.get(4),
                    branch: r.get(5),
                    started_at: r.get(6),
                    last_activity_at: r.get(7),
                    title: r.get(8),
                });
            }
        }

        for id in page.session_developers() {
            let row = self
                .reader()
                .await?
                .query_opt(
                    "SELECT display_name, team FROM developers WHERE id = $1",
                    &[&id],
                )
                .await?;
            if let Some(r) = row {
                page.developers.push(SyncDeveloper {
                    id,
                    display_name: r.get(0),
                    team: r.get(1),
                });
            }
        }

        let days = self.reader().await?
            .query(
                "SELECT (bucket_start / 86400000) * 86400000 AS day, agent, sum(requests)::BIGINT,
                     sum(input_tokens + output_tokens + cache_write_5m + cache_write_1h + cache_read)::BIGINT,
                     sum(cost_micro_usd)::BIGINT
                 FROM rollups GROUP BY day, agent ORDER BY day DESC, agent LIMIT 400",
                &[],
            )
            .await?;
        page.org_daily = days
            .iter()
            .map(|r| OrgDay {
                day_start_ms: r.get(0),
                agent: r.get(1),
                requests: r.get(2),
                total_tokens: r.get(3),
                cost_micro_usd: r.get(4),
            })
            .collect();
        Ok(page)
    }
}
