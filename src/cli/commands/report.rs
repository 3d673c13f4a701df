//! `agentdeck report KIND`: usage and cost by period, session, block, team, project,
//! developer, model or agent, as a table on a terminal or as JSON/CSV for scripts (stdout
//! then holds only the document).

use super::report_render::Document;
use crate::cli::BadUsage;
use crate::cli::args::{ReportArgs, ReportKind};
use crate::cli::context::Context;
use crate::cli::values;
use crate::domain::blocks::{self, Entry};
use crate::domain::bounds;
use crate::domain::period::{Granularity, local_range_ms};
use crate::store::Reader;
use crate::store::queries::usage::{UsageFilter, UsageGroup};
use anyhow::Context as _;
use chrono::{NaiveDate, Utc};

pub fn run(ctx: &Context, args: &ReportArgs) -> anyhow::Result<()> {
    if args.kind == ReportKind::Reconcile {
        return super::reconcile::run(ctx, args);
    }
    // Quality, ticket and budget figures are whole repositories, tickets and budgeted scopes:
    // a filter they cannot apply is refused rather than silently ignored.
    if super::report_quality::is_outcome(args.kind) || args.kind == ReportKind::Budget {
        let f = &args.filters;
        let given: Vec<&str> = [
            ("--agent", &f.agent),
            ("--team", &f.team),
            ("--project", &f.project),
            ("--developer", &f.developer),
        ]
        .into_iter()
        .filter_map(|(flag, v)| v.is_some().then_some(flag))
        .collect();
        if !given.is_empty() {
            return Err(BadUsage(format!(
                "report {}: {} cannot narrow it (its figures cover whole repositories, tickets \
                 and budgets); run it without",
                format!("{:?}", args.kind).to_lowercase(),
                given.join(", ")
            ))
            .into());
        }
    }
    let today = Utc::now().with_timezone(&ctx.tz).date_naive();
    // The console's period words (docs/console.md "Periods"): `--since 90d`, `--last month`.
    let day = |s: &Option<String>, read: fn(&str, NaiveDate) -> Result<NaiveDate, String>| {
        s.as_deref()
            .map(|s| read(s, today).map_err(|e| BadUsage(format!("`{s}`: {e}"))))
            .transpose()
    };
    let (since, until) = match args.period.last.as_deref() {
        Some(last) => {
            let span = crate::domain::span::Period::parse_last(last, today)
                .map_err(|e| BadUsage(format!("--last {e}")))?
                .span(today);
            (Some(span.first), Some(span.last))
        }
        None => (
            day(&args.period.since, values::day)?,
            day(&args.period.until, values::until_day)?,
        ),
    };
    if let (Some(s), Some(u)) = (since, until)
        && s > u
    {
        return Err(BadUsage(format!("--since {s} is after --until {u}")).into());
    }
    let reader = if ctx.global.read_only {
        // Read-only: no refresh, no writer, the file opened read-only (read-only media work).
        ctx.read_only_reader()?
    } else {
        let store = if args.no_refresh {
            ctx.open_store()?
        } else {
            ctx.open_store_for_pass()?
        };
        if args.no_refresh {
            // No source is read, but stored costs still follow the current price table.
            let prices = ctx.price_table()?;
            if let Some(state) = super::pricing::reprice_if_stale(&store, &prices)? {
                eprintln!("note: {}", super::pricing::repriced_text(&state));
            }
        } else {
            refresh(ctx, &store, args)?;
        }
        store.reader()?
    };
    if args.kind == ReportKind::Budget {
        return super::report_budget::run(ctx, &reader, args);
    }
    if super::report_quality::is_outcome(args.kind) {
        // Without --since: the last DEFAULT_DAYS days with today, as `--since 30d`.
        let start = since
            .unwrap_or(today - chrono::Duration::days(super::report_quality::DEFAULT_DAYS - 1));
        let from = crate::domain::period::local_day_start_ms(start, ctx.tz);
        // --until names the last day counted (the console's periods end the same way).
        let until_ms = until.map_or(i64::MAX, |u| {
            crate::domain::period::local_day_start_ms(u.succ_opt().unwrap_or(u), ctx.tz)
        });
        return match args.kind {
            ReportKind::Ticket => super::report_quality::ticket(&reader, args, from, until_ms),
            _ => super::report_quality::quality(&reader, args, (from, until_ms), (start, until)),
        };
    }
    // Every kind reads the same window: rows outside the accepted timestamps (possible only
    // in stores written before the bounds existed) are left out of all of them alike. The
    // window is whole local days, so day, week and month edges fall on local midnights.
    let first_day = bounds::earliest_day();
    let last_day = today.succ_opt().unwrap_or(today);
    let (since_ms, until_ms) = local_range_ms(
        Some(since.unwrap_or(first_day).max(first_day)),
        Some(until.unwrap_or(last_day).min(last_day)),
        ctx.tz,
    );
    let filter = UsageFilter {
        since_ms,
        until_ms,
        agent: args.filters.agent.clone(),
        project: args.filters.project.clone(),
        developer: args.filters.developer.clone(),
        team: args.filters.team.clone(),
    };
    let doc = document(&reader, args.kind, &filter, ctx)?;
    let mut out = std::io::stdout().lock();
    if args.output.json {
        doc.write_json(&mut out)?;
    } else if args.output.csv {
        doc.write_csv(&mut out)?;
    } else {
        doc.write_table(&mut out, super::report_table::terminal_width())?;
    }
    Ok(())
}

/// Reads the agents' files (and syncs from the team server) before reporting.
fn refresh(ctx: &Context, store: &crate::store::Store, args: &ReportArgs) -> anyhow::Result<()> {
    let summary = super::ingest::refresh(ctx, store, &args.dirs, false)?;
    if let Some(state) = &summary.repriced {
        eprintln!("note: {}", super::pricing::repriced_text(state));
    }
    super::outcomes::refresh_git(ctx, store)?;
    if let Err(e) = super::outcomes::refresh_hosts(ctx, store) {
        eprintln!("warning: {e:#}; reporting from the local cache");
    }
    if !summary.problems.is_empty() && !args.output.json && !args.output.csv {
        eprintln!(
            "note: {} line(s) skipped while refreshing; `agentdeck sources` lists them with file, line and reason",
            summary.problems.len()
        );
    }
    if let Some(server) = ctx.team_server(None)?
        && let Err(e) = server.sync_blocking(store)
    {
        eprintln!("warning: {e}; reporting from the local cache");
    }
    Ok(())
}

fn document(
    reader: &Reader,
    kind: ReportKind,
    filter: &UsageFilter,
    ctx: &Context,
) -> anyhow::Result<Document> {
    Ok(match kind {
        ReportKind::Session => Document::sessions(
            reader.session_usage(filter)?,
            ctx.tz,
            Utc::now().timestamp_millis(),
        ),
        ReportKind::Blocks => {
            let timeline = reader.request_timeline(filter)?;
            let entries: Vec<Entry> = timeline
                .iter()
                .map(|t| Entry {
                    ts: t.ts,
                    usage: t.usage,
                    cost: t.cost,
                    unpriced: t.unpriced,
                    model: &t.model,
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
                .usage_by(filter, group, ctx.tz)
                .context("querying usage")?;
            Document::grouped(kind, rows)
        }
    })
}
