//! The server's developer directory file: a CSV with the columns `email,team,role,started_on`
//! (a header row, `role` and `started_on` optional per row), loaded by
//! `agentdeck serve members import FILE`. It is the only source of team membership on the
//! server besides a token's own team: telemetry attributes never set a team.

use crate::domain::bounds;
use crate::store::DeveloperRow;

#[derive(Debug, thiserror::Error)]
pub enum MembersError {
    #[error("{file}:{line}: {what}")]
    Row {
        file: String,
        line: u64,
        what: String,
    },
    #[error(
        "{file}: the header must name the columns email,team (and optionally role,started_on); found `{found}`"
    )]
    Header { file: String, found: String },
}

/// Parses the directory CSV; `file` names it in messages. Every bad row is reported with
/// its line (the first one stops the import: a directory is all or nothing).
pub fn parse_members(file: &str, text: &str) -> Result<Vec<DeveloperRow>, MembersError> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(true)
        .from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| MembersError::Header {
            file: file.into(),
            found: e.to_string(),
        })?
        .iter()
        .map(|h| h.to_ascii_lowercase())
        .collect();
    let column = |name: &str| header.iter().position(|h| h == name);
    let (Some(email_at), Some(team_at)) = (column("email"), column("team")) else {
        return Err(MembersError::Header {
            file: file.into(),
            found: header.join(","),
        });
    };
    let (role_at, started_at) = (column("role"), column("started_on"));
    let mut out = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| MembersError::Row {
            file: file.into(),
            line: e.position().map_or(0, |p| p.line()),
            what: e.to_string(),
        })?;
        let line = record.position().map_or(0, |p| p.line());
        let bad = |what: String| MembersError::Row {
            file: file.into(),
            line,
            what,
        };
        let field = |i: Option<usize>| {
            i.and_then(|i| record.get(i))
                .map(str::to_string)
                .filter(|v| !v.is_empty())
        };
        let email = field(Some(email_at))
            .ok_or_else(|| bad("no email".into()))?
            .to_ascii_lowercase();
        let team = field(Some(team_at)).ok_or_else(|| bad(format!("{email}: no team")))?;
        let role = field(role_at);
        let started_on = field(started_at);
        if let Some(date) = &started_on
            && chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").is_err()
        {
            return Err(bad(format!(
                "{email}: started_on `{date}` is not YYYY-MM-DD"
            )));
        }
        for (name, value) in [
            ("email", Some(&email)),
            ("team", Some(&team)),
            ("role", role.as_ref()),
        ] {
            if let Some(v) = value {
                bounds::id(name, v).map_err(|e| bad(e.to_string()))?;
            }
        }
        out.push(member(&email, &team, role, started_on));
    }
    Ok(out)
}

/// One directory entry for `serve members set`.
pub fn member(
    email: &str,
    team: &str,
    role: Option<String>,
    started_on: Option<String>,
) -> DeveloperRow {
    let email = email.trim().to_ascii_lowercase();
    DeveloperRow {
        id: email.clone(),
        email: email.contains('@').then_some(email),
        handle: None,
        display_name: None,
        team: team.trim().to_string(),
        role,
        started_on,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_four_columns_and_names_bad_lines() {
        let rows = parse_members(
            "team.csv",
            "email,team,role,started_on\nAna@X.io, platform ,lead,2025-02-01\nbo@x.io,web,,\n",
        )
        .unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].id, "ana@x.io");
        assert_eq!(rows[0].team, "platform");
        assert_eq!(rows[0].role.as_deref(), Some("lead"));
        assert_eq!(rows[1].started_on, None);
        let err = parse_members("team.csv", "email,team\nana@x.io,\n").unwrap_err();
        assert_eq!(err.to_string(), "team.csv:2: ana@x.io: no team");
        let err =
            parse_members("team.csv", "email,team,started_on\na@x,t,yesterday\n").unwrap_err();
        assert!(err.to_string().contains("team.csv:2"), "{err}");
        assert!(matches!(
            parse_members("team.csv", "name,group\na,b\n"),
            Err(MembersError::Header { .. })
        ));
    }
}
