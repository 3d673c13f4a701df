//! Writing what the organisation states about itself: developers' teams learned from a
//! team server, and the configured teams, members and budgets.
//! One function per [`Op`](super::Op) variant; the variant says what it does.

use rusqlite::{OptionalExtension, Transaction, params};
use std::collections::BTreeSet;

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

/// The config's `[[team]]`s (name, micro-USD a month) and their members (developer id,
/// email, team), replacing what an earlier config said: a team the file no longer names is
/// removed with its budget; a member it no longer lists leaves the team (`unassigned`), and
/// is forgotten when the config was all the store knew of them (nothing from a directory,
/// no request, no vendor day). A member's role, tenure and names, which a directory gives,
/// are kept.
pub(super) fn set_config_teams(
    tx: &Transaction<'_>,
    teams: &[(String, Option<i64>)],
    members: &[(String, Option<String>, String)],
) -> rusqlite::Result<()> {
    let names: BTreeSet<&str> = teams.iter().map(|(n, _)| n.as_str()).collect();
    let stored: Vec<String> = tx
        .prepare("SELECT name FROM teams")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for gone in stored.iter().filter(|n| !names.contains(n.as_str())) {
        tx.execute("DELETE FROM teams WHERE name = ?1", [gone])?;
    }
    let mut team = tx.prepare_cached(
        "INSERT INTO teams (name, budget_micro_usd_month) VALUES (?1, ?2)
         ON CONFLICT (name) DO UPDATE SET budget_micro_usd_month = excluded.budget_micro_usd_month",
    )?;
    for (name, budget) in teams {
        team.execute(params![name, budget])?;
    }
    let mut member = tx.prepare_cached(
        "INSERT INTO developers (id, email, team, team_from_config) VALUES (?1, ?2, ?3, 1)
         ON CONFLICT (id) DO UPDATE SET team = excluded.team,
             email = coalesce(excluded.email, developers.email),
             team_from_server = 0, team_from_config = 1",
    )?;
    for (id, email, team) in members {
        member.execute(params![id, email, team])?;
    }
    let listed: BTreeSet<&str> = members.iter().map(|(id, _, _)| id.as_str()).collect();
    let marked: Vec<String> = tx
        .prepare("SELECT id FROM developers WHERE team_from_config = 1")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for id in marked.iter().filter(|id| !listed.contains(id.as_str())) {
        let known_elsewhere: bool = tx
            .query_row(
                "SELECT 1 FROM developers WHERE id = ?1 AND (role IS NOT NULL
                     OR started_on IS NOT NULL OR handle IS NOT NULL OR display_name IS NOT NULL
                     OR EXISTS (SELECT 1 FROM requests WHERE developer = ?1)
                     OR EXISTS (SELECT 1 FROM daily_usage WHERE developer = ?1))",
                [id],
                |_| Ok(()),
            )
            .optional()?
            .is_some();
        if known_elsewhere {
            tx.execute(
                "UPDATE developers SET team = 'unassigned', team_from_config = 0 WHERE id = ?1",
                [id],
            )?;
        } else {
            tx.execute("DELETE FROM developers WHERE id = ?1", [id])?;
        }
    }
    Ok(())
}

/// Records who local agent files belong to; a file already owned keeps its owner.
pub(super) fn set_file_owners(
    tx: &Transaction<'_>,
    owners: &[(String, String, String)],
) -> rusqlite::Result<()> {
    let mut stmt = tx.prepare_cached(
        "INSERT OR IGNORE INTO file_owners (source, path, developer) VALUES (?1, ?2, ?3)",
    )?;
    for (source, path, developer) in owners {
        stmt.execute(params![source, path, developer])?;
    }
    Ok(())
}
