//! Developer and project names for grouping rollup rows in Rust: a developer's team, handle
//! and email, a project's display name. Both tables are small; read once per query.

use crate::store::Reader;
use crate::store::error::Result;
use std::collections::HashMap;

struct Developer {
    team: String,
    handle: Option<String>,
    email: Option<String>,
}

pub(crate) struct Names {
    developers: HashMap<String, Developer>,
    /// id → display name (only projects that have one).
    projects: HashMap<String, String>,
}

impl Names {
    pub(crate) fn load(reader: &Reader) -> Result<Names> {
        let mut stmt = reader
            .conn
            .prepare_cached("SELECT id, team, handle, email FROM developers")?;
        let developers = stmt
            .query_map([], |r| {
                Ok((
                    r.get(0)?,
                    Developer {
                        team: r.get(1)?,
                        handle: r.get(2)?,
                        email: r.get(3)?,
                    },
                ))
            })?
            .collect::<rusqlite::Result<_>>()?;
        let mut stmt = reader.conn.prepare_cached(
            "SELECT id, display_name FROM projects WHERE coalesce(display_name, '') <> ''",
        )?;
        let projects = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(Names {
            developers,
            projects,
        })
    }

    /// The developer's team; `unassigned` for developers the store has no row for.
    pub(crate) fn team<'a>(&'a self, developer: &str) -> &'a str {
        self.developers
            .get(developer)
            .map_or("unassigned", |d| d.team.as_str())
    }

    /// What reports and the console show for a project id.
    pub(crate) fn project_label<'a>(&'a self, id: &'a str) -> &'a str {
        match self.projects.get(id) {
            Some(name) => name,
            None if id.is_empty() => "(no project)",
            None => id,
        }
    }

    /// Whether another project shows under the same label as `id` (two projects with one
    /// display name: the cost tree then sums them in one row).
    pub(crate) fn project_label_shared(&self, id: &str) -> bool {
        let label = self.project_label(id);
        self.projects
            .iter()
            .any(|(other, name)| other != id && name == label)
    }

    /// Whether `wanted` names this developer: by id, handle or email.
    pub(crate) fn is_developer(&self, id: &str, wanted: &str) -> bool {
        id == wanted
            || self.developers.get(id).is_some_and(|d| {
                d.handle.as_deref() == Some(wanted) || d.email.as_deref() == Some(wanted)
            })
    }

    /// Whether `wanted` names this project: by id or display name.
    pub(crate) fn is_project(&self, id: &str, wanted: &str) -> bool {
        id == wanted || self.projects.get(id).is_some_and(|n| n == wanted)
    }
}
