//! Reads and small writes on PostgreSQL: tokens, the developer directory, and the sync feed
//! (the same rows, shapes and scope rules as the SQLite `store::queries::sync`: the caller's
//! scope applied where every table is read, org-wide totals only where they cannot be
//! subtracted down to a few developers).

use super::{PgError, PgStore};
use crate::protocol::{MAX_SYNC_LIMIT, OrgDay, SyncDeveloper, SyncPage, SyncQuery};
use crate::store::DeveloperRow;
use crate::store::queries::server_db::{NewToken, TokenRow};
use crate::store::queries::sync::{OrgTotalsRule, RowFilter, org_totals_since};
use crate::store::row::{
    COUNTER_COLUMNS, EVENT_COLUMNS, REQUEST_COLUMNS, SESSION_COLUMNS, decode_counter, decode_event,
    decode_request, decode_session,
};
use crate::store::sums::pg_clamped_sum;
use std::collections::HashSet;
use tokio_postgres::types::ToSql;

/// The filter's condition on `column`; its parameters start at `$first` (the developer,
/// then the manager's teams as an array).
fn condition(filter: &RowFilter, column: &str, first: usize) -> String {
    match filter {
        RowFilter::All => "TRUE".into(),
        RowFilter::Developer(_) => format!("{column} = ${first}"),
        RowFilter::Teams { .. } => format!(
            "({column} = ${first} OR {column} IN (SELECT id FROM developers WHERE team = ANY(${})))",
            first + 1
        ),
    }
}

/// The parameters that go with [`condition`].
fn scope_params(filter: &RowFilter) -> Vec<&(dyn ToSql + Sync)> {
    match filter {
        RowFilter::All => Vec::new(),
        RowFilter::Developer(d) => vec![d],
        RowFilter::Teams { teams, developer } => vec![developer, teams],
    }
}

/// `$1` the cursor, `$2` the limit, then the scope's parameters.
fn paged<'a>(
    cursor: &'a i64,
    limit: &'a i64,
    scope: &[&'a (dyn ToSql + Sync)],
) -> Vec<&'a (dyn ToSql + Sync)> {
    let mut p: Vec<&(dyn ToSql + Sync)> = vec![cursor, limit];
    p.extend(scope.iter().copied());
    p
}

fn warn_skip(what: &str, id: i64, e: &dyn std::fmt::Display) {
    tracing::warn!("sync: stored {what} {id} cannot be read ({e}); skipped");
}

impl PgStore {
    pub async fn create_token(&self, t: &NewToken, now: i64) -> Result<i64, PgError> {
        let row = self
            .reader()
            .await?
            .query_one(
                "INSERT INTO api_tokens (token_hash, role, developer, team, collector, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                &[
                    &t.token_hash,
                    &t.role,
                    &t.developer,
                    &t.team,
                    &t.collector,
                    &now,
                ],
            )
            .await?;
        Ok(row.get(0))
    }

    pub async fn tokens(&self, include_revoked: bool) -> Result<Vec<TokenRow>, PgError> {
        let rows = self
            .reader()
            .await?
            .query(
                "SELECT id, token_hash, role, developer, team, collector, created_at, revoked_at
                 FROM api_tokens WHERE $1 OR revoked_at IS NULL ORDER BY id",
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
                collector: r.get(5),
                created_at: r.get(6),
                revoked_at: r.get(7),
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

    pub async fn members(&self) -> Result<Vec<DeveloperRow>, PgError> {
        let rows = self
            .reader()
            .await?
            .query(
                "SELECT id, email, handle, display_name, team, role, started_on FROM developers ORDER BY id",
                &[],
            )
            .await?;
        Ok(rows
            .iter()
            .map(|r| DeveloperRow {
                id: r.get(0),
                email: r.get(1),
                handle: r.get(2),
                display_name: r.get(3),
                team: r.get(4),
                role: r.get(5),
                started_on: r.get(6),
            })
            .collect())
    }

    pub async fn set_members(&self, rows: &[DeveloperRow]) -> Result<usize, PgError> {
        let mut conn = self.writer().await?;
        let super::WriteConn {
            client, statements, ..
        } = &mut *conn;
        let tx = client.transaction().await?;
        let mut exec = super::Tx {
            tx: &tx,
            statements,
        };
        super::bulk::insert_developers(&mut exec, rows, true).await?;
        tx.commit().await?;
        Ok(rows.len())
    }

    pub async fn sync_page(
        &self,
        filter: &RowFilter,
        q: &SyncQuery,
        limit: usize,
        org: OrgTotalsRule,
    ) -> Result<SyncPage, PgError> {
        let limit = limit.clamp(1, MAX_SYNC_LIMIT) as i64;
        let mut page = SyncPage {
            next_cursor: q.cursor,
            next_event_cursor: q.event_cursor,
            next_counter_cursor: q.counter_cursor,
            ..SyncPage::default()
        };
        let client = self.reader().await?;
        let scope = scope_params(filter);

        // Requests: the row's owner and its session's owner are both in scope.
        let sql = format!(
            "SELECT {REQUEST_COLUMNS} FROM requests q JOIN sessions s ON s.id = q.session_id
             WHERE q.id > $1 AND {} AND {} ORDER BY q.id LIMIT $2",
            condition(filter, "q.developer", 3),
            condition(filter, "s.developer", 3)
        );
        for r in client
            .query(&sql, &paged(&q.cursor, &limit, &scope))
            .await?
        {
            let id: i64 = r.get(0);
            page.next_cursor = id;
            match decode_request(&r) {
                Ok(stored) => page.requests.push(stored.record),
                Err(e) => warn_skip("request", id, &e),
            }
        }

        // Events: through their session's owner.
        let sql = format!(
            "SELECT {EVENT_COLUMNS} FROM events e JOIN sessions s ON s.id = e.session_id
             WHERE e.id > $1 AND {} ORDER BY e.id LIMIT $2",
            condition(filter, "s.developer", 3)
        );
        for r in client
            .query(&sql, &paged(&q.event_cursor, &limit, &scope))
            .await?
        {
            let id: i64 = r.get(0);
            page.next_event_cursor = id;
            match decode_event(&r) {
                Ok((_, Some(e))) => page.events.push(e),
                Ok((_, None)) => {}
                Err(e) => warn_skip("event", id, &e),
            }
        }

        // Counters: by their owner.
        let sql = format!(
            "SELECT {COUNTER_COLUMNS}
             FROM telemetry_counters c WHERE c.id > $1 AND {} ORDER BY c.id LIMIT $2",
            condition(filter, "c.developer", 3)
        );
        for r in client
            .query(&sql, &paged(&q.counter_cursor, &limit, &scope))
            .await?
        {
            let id: i64 = r.get(0);
            page.next_counter_cursor = id;
            match decode_counter(&r) {
                Ok(c) => page.counters.push(c),
                Err(e) => warn_skip("counter", id, &e),
            }
        }

        // Sessions of the page's rows, each read again under the scope.
        let mut keys: Vec<(String, String, String)> = page
            .requests
            .iter()
            .map(|r| {
                (
                    r.developer.clone(),
                    r.agent.as_str().to_string(),
                    r.session_key.clone(),
                )
            })
            .chain(page.events.iter().map(|e| {
                (
                    e.developer.clone(),
                    e.agent.as_str().to_string(),
                    e.session_key.clone(),
                )
            }))
            .collect();
        keys.sort();
        keys.dedup();
        if !keys.is_empty() {
            let owners: Vec<&str> = keys.iter().map(|k| k.0.as_str()).collect();
            let agents: Vec<&str> = keys.iter().map(|k| k.1.as_str()).collect();
            let ids: Vec<&str> = keys.iter().map(|k| k.2.as_str()).collect();
            let sql = format!(
                "SELECT {SESSION_COLUMNS} FROM sessions s
                 JOIN unnest($1::text[], $2::text[], $3::text[]) AS k(owner, agent, id)
                   ON s.developer = k.owner AND s.agent = k.agent AND s.session_key = k.id
                 WHERE {} ORDER BY s.developer, s.agent, s.session_key",
                condition(filter, "s.developer", 4)
            );
            let mut params: Vec<&(dyn ToSql + Sync)> = vec![&owners, &agents, &ids];
            params.extend(scope.iter().copied());
            for r in client.query(&sql, &params).await? {
                match decode_session(&r) {
                    Ok(s) => page.sessions.push(s),
                    Err(e) => warn_skip("session", 0, &e),
                }
            }
        }

        // Developers (and so their teams), each read again under the scope.
        let wanted = page.row_developers();
        if !wanted.is_empty() {
            let sql = format!(
                "SELECT d.id, d.display_name, d.team FROM developers d
                 WHERE d.id = ANY($1) AND {} ORDER BY d.id",
                condition(filter, "d.id", 2)
            );
            let mut params: Vec<&(dyn ToSql + Sync)> = vec![&wanted];
            params.extend(scope.iter().copied());
            for r in client.query(&sql, &params).await? {
                page.developers.push(SyncDeveloper {
                    id: r.get(0),
                    display_name: r.get(1),
                    team: r.get(2),
                });
            }
        }

        // Org-wide totals per UTC day and agent, with contributors outside the scope.
        let tokens =
            "input_tokens::NUMERIC + output_tokens + cache_write_5m + cache_write_1h + cache_read";
        let sql = format!(
            "SELECT (bucket_start - ((bucket_start % 86400000) + 86400000) % 86400000) AS day, agent,
                 count(DISTINCT CASE WHEN NOT ({}) THEN developer END),
                 {}, {}, {}
             FROM rollups WHERE bucket_start >= ${}
             GROUP BY day, agent ORDER BY day DESC, agent",
            condition(filter, "developer", 1),
            pg_clamped_sum("requests"),
            pg_clamped_sum(&format!("({tokens})")),
            pg_clamped_sum("cost_micro_usd"),
            scope.len() + 1,
        );
        let since = org_totals_since(chrono::Utc::now().timestamp_millis());
        let mut params = scope.clone();
        params.push(&since);
        for r in client.query(&sql, &params).await? {
            let outside: i64 = r.get(2);
            if !org.allows(filter, outside) {
                continue;
            }
            page.org_daily.push(OrgDay {
                day_start_ms: r.get(0),
                agent: r.get(1),
                requests: r.get(3),
                total_tokens: r.get(4),
                cost_micro_usd: r.get(5),
            });
        }
        Ok(page)
    }
}
