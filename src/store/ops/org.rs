//! Writing what the organisation states about itself: developers' teams learned from a
//! team server, and the configured project budgets.
//! One function per [`Op`](super::Op) variant; the variant says what it does.

use rusqlite::{Transaction, params};

pub(super) fn set_project_budgets(
    tx: &Transaction<'_>,
    budgets: &[(String, i64)],
) -> rusqlite::Result<()> {
    tx.execute("DELETE FROM project_budgets", [])?;
    let mut stmt = tx.prepare_cached(
        "INSERT OR REPLACE INTO project_budgets (project_id, budget_micro_usd_month) VALUES (?1, ?2)",
    )?;
    for (project, micro) in budgets {
        stmt.execute(rusqlite::params![project, micro])?;
    }
    Ok(())
}

pub(super) fn learn_developer(
    tx: &Transaction<'_>,
    id: &str,
    display_name: &Option<String>,
    team: &str,
) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "INSERT INTO developers (id, display_name, team, team_from_server)
         VALUES (?1, ?2, ?3, 1)
         ON CONFLICT (id) DO UPDATE SET team = excluded.team, team_from_server = 1,
             display_name = coalesce(developers.display_name, excluded.display_name)
         WHERE developers.team_from_server = 1 OR developers.team = 'unassigned'",
    )?
    .execute(params![id, display_name, team])?;
    Ok(())
}
