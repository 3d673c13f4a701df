//! The team directory: who is in which team, with role and start date. Members come from
//! config `[[team]]`, a CSV file (`email,team,role,started_on`), GitHub organisation teams
//! or a team server's own directory; the CSV reader lives here so the local CLI and the
//! server's `serve members import` read the same columns the same way.

use crate::domain::bounds;
use rusqlite::{Transaction, params};

/// One directory entry. `None` fields keep what the store already has.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MemberRow {
    /// The developer id: the email, lower-cased.
    pub id: String,
    pub email: Option<String>,
    pub handle: Option<String>,
    pub display_name: Option<String>,
    pub team: Option<String>,
    pub role: Option<String>,
    /// `YYYY-MM-DD`.
    pub started_on: Option<String>,
}

/// A CSV row that could not be used, with its line number (1 = header).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvProblem {
    pub line: u64,
    pub message: String,
}

impl std::fmt::Display for CsvProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

/// The columns a directory CSV must have (any order; extra columns are ignored).
pub const CSV_COLUMNS: [&str; 4] = ["email", "team", "role", "started_on"];

/// Reads a directory CSV: a header naming at least `email` and `team` (`role` and
/// `started_on` optional), then one member per row. Bad rows are reported and skipped;
/// good rows around them are kept. A missing required column fails the whole file.
pub fn parse_members_csv(text: &str) -> Result<(Vec<MemberRow>, Vec<CsvProblem>), CsvProblem> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers = reader.headers().map_err(|e| CsvProblem {
        line: 1,
        message: format!("unreadable header: {e}"),
    })?;
    let column = |name: &str| {
        headers
            .iter()
            .position(|h| h.trim_start_matches('\u{feff}').eq_ignore_ascii_case(name))
    };
    let (Some(email_at), Some(team_at)) = (column("email"), column("team")) else {
        return Err(CsvProblem {
            line: 1,
            message: format!(
                "the header must name the columns {} (found: {})",
                CSV_COLUMNS.join(","),
                headers.iter().collect::<Vec<_>>().join(",")
            ),
        });
    };
    let (role_at, started_at) = (column("role"), column("started_on"));
    let mut members = Vec::new();
    let mut problems = Vec::new();
    for (i, record) in reader.records().enumerate() {
        // The line the record is on: the reader's position is where it started reading,
        // before any blank lines it skipped (quoted line breaks are counted in it).
        let position = match &record {
            Ok(r) => r.position(),
            Err(e) => e.position(),
        };
        let line = position.map_or(i as u64 + 2, |p| {
            let rest = text.as_bytes().get(p.byte() as usize..).unwrap_or_default();
            let blank = rest
                .iter()
                .take_while(|b| matches!(b, b'\n' | b'\r'))
                .filter(|b| **b == b'\n')
                .count();
            p.line() + blank as u64
        });
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                problems.push(CsvProblem {
                    line,
                    message: e.to_string(),
                });
                continue;
            }
        };
        let field = |at: Option<usize>| {
            at.and_then(|a| record.get(a))
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_string)
        };
        match member(
            field(Some(email_at)),
            field(Some(team_at)),
            field(role_at),
            field(started_at),
        ) {
            Ok(m) => members.push(m),
            Err(message) => problems.push(CsvProblem { line, message }),
        }
    }
    Ok((members, problems))
}

/// One member from its fields, checked: an email with `@`, a team, a start date that parses.
pub fn member(
    email: Option<String>,
    team: Option<String>,
    role: Option<String>,
    started_on: Option<String>,
) -> Result<MemberRow, String> {
    let email = crate::domain::identity::normalise_email(&email.ok_or("`email` is empty")?);
    if !email.contains('@') || bounds::id("email", &email).is_err() {
        return Err(format!("`email` {email:?} is not an email address"));
    }
    let team = team.ok_or("`team` is empty")?;
    if bounds::id("team", &team).is_err() {
        return Err("`team` is too long".into());
    }
    if let Some(d) = &started_on
        && chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").is_err()
    {
        return Err(format!("`started_on` {d:?} is not a date (YYYY-MM-DD)"));
    }
    Ok(MemberRow {
        id: email.clone(),
        email: Some(email),
        team: Some(team),
        role,
        started_on,
        ..MemberRow::default()
    })
}

pub(super) fn upsert_member(tx: &Transaction<'_>, m: &MemberRow) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "INSERT INTO developers (id, email, handle, display_name, team, role, started_on)
         VALUES (?1, ?2, ?3, ?4, coalesce(?5, 'unassigned'), ?6, ?7)
         ON CONFLICT (id) DO UPDATE SET
             email = coalesce(excluded.email, developers.email),
             handle = coalesce(excluded.handle, developers.handle),
             display_name = coalesce(developers.display_name, excluded.display_name),
             team = CASE WHEN ?5 IS NULL THEN developers.team ELSE ?5 END,
             team_from_server = CASE WHEN ?5 IS NULL THEN developers.team_from_server ELSE 0 END,
             team_from_config = CASE WHEN ?5 IS NULL THEN developers.team_from_config ELSE 0 END,
             role = coalesce(excluded.role, developers.role),
             started_on = coalesce(excluded.started_on, developers.started_on)",
    )?
    .execute(params![
        m.id,
        m.email,
        m.handle,
        m.display_name,
        m.team,
        m.role,
        m.started_on
    ])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_members_and_names_bad_rows_by_line() {
        let text = "email,team,role,started_on\nAna@Acme.dev,platform,staff,2024-03-01\nnot-an-email,web,,\nbo@acme.dev,,lead,\ncy@acme.dev,web,,2024-13-01\ndi@acme.dev,web,,\n";
        let (members, problems) = parse_members_csv(text).unwrap();
        assert_eq!(members.len(), 2);
        assert_eq!(members[0].id, "ana@acme.dev");
        assert_eq!(members[0].role.as_deref(), Some("staff"));
        assert_eq!(members[1].started_on, None);
        let lines: Vec<u64> = problems.iter().map(|p| p.line).collect();
        assert_eq!(lines, vec![3, 4, 5]);
        assert!(problems[2].to_string().contains("started_on"));
    }

    #[test]
    fn bad_rows_are_named_by_their_line_in_the_file_after_blank_lines_and_quoted_breaks() {
        let text = "email,team,role\n\nana@acme.dev,web,\"staff\nengineer\"\n\nnot-an-email,web,\n";
        let (members, problems) = parse_members_csv(text).unwrap();
        assert_eq!(members.len(), 1);
        let lines: Vec<u64> = problems.iter().map(|p| p.line).collect();
        assert_eq!(lines, vec![6]);
        let (_, problems) = parse_members_csv("email,team\r\n\r\nbad,web\r\n").unwrap();
        assert_eq!(problems[0].line, 3);
    }

    #[test]
    fn columns_may_come_in_any_order_but_email_and_team_are_required() {
        let (m, _) = parse_members_csv("team,email\nweb,a@b.c\n").unwrap();
        assert_eq!(m[0].team.as_deref(), Some("web"));
        let err = parse_members_csv("mail,team\na@b.c,web\n").unwrap_err();
        assert!(err.message.contains("email,team,role,started_on"), "{err}");
    }
}
