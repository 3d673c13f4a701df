//! `agentdeck report KIND`: usage and cost by period, session, block, team, project,
//! developer, model or agent, as a table on a terminal or as JSON/CSV for scripts (stdout
//! then holds only the document).

use super::report_render::Document;
use crate::cli::args::{ReportArgs, ReportKind};
use crate::cli::context::Context;
use crate::domain::blocks::{self, Entry};
use crate::domain::period::{Granularity, local_range_ms};
use crate::store::queries::usage::{UsageFilter, UsageGroup};
use anyhow::Context as _;
use chrono::{Duration, NaiveDate, Utc};

pub fn run(ctx: &Context, args: &ReportArgs) -> anyhow::Result<()> {
    if args.kind == ReportKind::Reconcile {
        return super::reconcile::run(ctx, args);
    }
    let store = ctx.open_store()?;
    if !args.no_refresh {
        let summary = super::ingest::refresh(ctx, &store, &args.dirs, false)?;
        if !summary.problems.is_empty() && !args.json && !args.csv {
            eprintln!(
                "note: {} line(s) skipped while refreshing; `agentdeck sources` (and `agentdeck ingest`) list them",
                summary.problems.len()
            );
        }
        if let Some(server) = ctx.team_server(None)?
            && let Err(e) = server.sync_blocking(&store)
        {
            eprintln!("warning: {e}; reporting from the local cache");
        }
    }
    let today = Utc::now().with_timezone(&ctx.tz).date_naive();
    let since = args
        .since
        .as_deref()
        .map(|s| parse_day(s, today, "--since"))
        .transpose()?;
    let until = args
        .until
        .as_deref()
        .map(|s| parse_day(s, today, "--until"))
        .transpose()?;
    if let (Some(s), Some(u)) = (since, until) {
        anyhow::ensure!(s <= u, "--since {s} is after --until {u}");
    }
    if let Some(agent) = &args.agent {
        agent
            .parse::<crate::domain::Agent>()
            .map_err(|e| anyhow::anyhow!("--agent: {e}"))?;
    }
    let (since_ms, until_ms) = local_range_ms(since, until, ctx.tz);
    let filter = UsageFilter {
        since_ms,
        until_ms,
        agent: args
            .agent
            .as_ref()
            .and_then(|a| a.parse::<crate::domain::Agent>().ok())
            .map(|a| a.as_str().to_string()),
        project: args.project.clone(),
        developer: args.developer.clone(),
        team: args.team.clone(),
    };
    let reader = store.reader()?;
    let doc = match args.kind {
        ReportKind::Session => Document::sessions(reader.session_usage(&filter)?, ctx.tz),
        ReportKind::Blocks => {
            let entries: Vec<Entry> = reader
                .request_timeline(&filter)?
                .into_iter()
                .map(|t| Entry {
                    ts: t.ts,
                    usage: t.usage,
                    cost: t.cost,
                    unpriced: t.unpriced,
                })
                .collect();
            Document::blocks(blocks::identify(&entries, Utc::now().timestamp_millis()))
        }
        kind => {
            let group = match kind {
                ReportKind::Daily => UsageGroup::Period(Granularity::Day),
                ReportKind::Weekly => UsageGroup::Period(Granularity::Week),
                ReportKind::Monthly => UsageGroup::Period(Granularity::Month),
                ReportKind::Team => UsageGroup::Team,
                ReportKind::Project => UsageGroup::Project,
                ReportKind::Developer => UsageGroup::Developer,
                ReportKind::Model => UsageGroup::Model,
                _ => UsageGroup::Agent,
            };
            let rows = reader
                .usage_by(&filter, group, ctx.tz)
                .context("querying usage")?;
            Document::grouped(kind, rows)
        }
    };
    let mut out = std::io::stdout().lock();
    if args.json {
        doc.write_json(&mut out)?;
    } else if args.csv {
        doc.write_csv(&mut out)?;
    } else {
        doc.write_table(&mut out)?;
    }
    Ok(())
}

/// `2026-01-09`, `20260109`, or a span back from today: `7d`, `2w`, `3m`.
pub fn parse_day(s: &str, today: NaiveDate, flag: &str) -> anyhow::Result<NaiveDate> {
    let s = s.trim();
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Ok(d);
    }
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y%m%d") {
        return Ok(d);
    }
    let (num, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
    if let Ok(n) = num.parse::<i64>() {
        let days = match unit {
            "d" => Some(n),
            "w" => Some(n * 7),
            "m" => Some(n * 30),
            _ => None,
        };
        if let Some(days) = days.filter(|d| *d < 100_000) {
            return Ok(today - Duration::days(days));
        }
    }
    anyhow::bail!("{flag} `{s}` is not a date (use YYYY-MM-DD, YYYYMMDD, or 7d / 2w / 3m)")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_dates_and_spans() {
        let today = NaiveDate::from_ymd_opt(2026, 1, 20).unwrap();
        assert_eq!(
            parse_day("2026-01-09", today, "--since")
                .unwrap()
                .to_string(),
            "2026-01-09"
        );
        assert_eq!(
            parse_day("20260109", today, "--since").unwrap().to_string(),
            "2026-01-09"
        );
        assert_eq!(
            parse_day("7d", today, "--since").unwrap().to_string(),
            "2026-01-13"
        );
        assert_eq!(
            parse_day("2w", today, "--since").unwrap().to_string(),
            "2026-01-06"
        );
        let err = parse_day("yesterday", today, "--since")
            .unwrap_err()
            .to_string();
        assert!(err.contains("--since `yesterday`"), "{err}");
    }
}
