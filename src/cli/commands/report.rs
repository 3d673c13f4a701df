//! `agentdeck report KIND`: usage and cost by period, session, block, team, project,
//! developer, model or agent, as a table on a terminal or as JSON/CSV for scripts (stdout
//! then holds only the document).

use super::report_render::Document;
use crate::cli::args::{ReportArgs, ReportKind};
use crate::cli::context::Context;
use crate::domain::blocks::{self, Entry};
use crate::domain::period::{Granularity, local_range_ms};
use crate::domain::span::Period;
use crate::store::queries::usage::{UsageFilter, UsageGroup};
use anyhow::Context as _;
use chrono::{NaiveDate, Utc};

pub fn run(ctx: &Context, args: &ReportArgs) -> anyhow::Result<()> {
    let store = ctx.open_store()?;
    if !args.no_refresh {
        let summary = super::ingest::refresh(ctx, &store, &args.dirs, false)?;
        if !summary.problems.is_empty() && !args.json && !args.csv {
            eprintln!(
                "note: {} line(s) skipped while refreshing; `agentdeck ingest` lists them",
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
    let (since, until) = report_days(args, today)?;
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
        ReportKind::Session => Document::sessions(
                reader.session_usage(&filter)?,
                ctx.tz,
                Utc::now().timestamp_millis(),
            ),
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

/// The local days a report covers, from `--since`, `--until` and `--last`: the same period
/// words as the console (`--since 90d` is the last 90 days, today included, as the console's
/// `90d`; `--last month` the previous calendar month). See docs/console.md#periods.
pub fn report_days(
    args: &crate::cli::args::ReportArgs,
    today: NaiveDate,
) -> anyhow::Result<(Option<NaiveDate>, Option<NaiveDate>)> {
    if let Some(last) = args.last.as_deref() {
        let span = Period::parse_last(last, today)
            .map_err(|e| anyhow::anyhow!("--last {e}"))?
            .span(today);
        return Ok((Some(span.first), Some(span.last)));
    }
    let since = args
        .since
        .as_deref()
        .map(|s| parse_day(s, today, "--since"))
        .transpose()?;
    let until = args
        .until
        .as_deref()
        .map(|s| {
            // A period word ends where its period ends (`--until last-month`).
            Period::parse(s, today)
                .map(|p| match p {
                    Period::Since(d) => d,
                    p => p.span(today).last,
                })
                .or_else(|_| {
                    crate::domain::span::parse_date(s.trim())
                        .ok_or_else(|| anyhow::anyhow!("--until `{s}` is not a date"))
                })
        })
        .transpose()?;
    Ok((since, until))
}

/// The first day of a period word (`2026-01-09`, `20260109`, `7d`, `90d`, `last-month`,
/// `2026-09`): the console's periods (`7d` is today and the six days before).
pub fn parse_day(s: &str, today: NaiveDate, flag: &str) -> anyhow::Result<NaiveDate> {
    // A date is taken as given, even one in the future (an empty report, not an error).
    if let Some(d) = crate::domain::span::parse_date(s.trim()) {
        return Ok(d);
    }
    Period::parse(s, today)
        .map(|p| p.span(today).first)
        .map_err(|e| anyhow::anyhow!("{flag} {e}"))
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
        // Spans mean what the console's periods mean: `7d` is today and the six days before.
        assert_eq!(
            parse_day("7d", today, "--since").unwrap().to_string(),
            "2026-01-14"
        );
        assert_eq!(
            parse_day("2w", today, "--since").unwrap().to_string(),
            "2026-01-07"
        );
        assert_eq!(
            parse_day("90d", today, "--since").unwrap().to_string(),
            "2025-10-23"
        );
        assert_eq!(
            parse_day("last-month", today, "--since")
                .unwrap()
                .to_string(),
            "2025-12-01"
        );
        let err = parse_day("forever", today, "--since")
            .unwrap_err()
            .to_string();
        assert!(err.contains("--since `forever`") && err.contains("90d"), "{err}");
    }
}
