//! `agentdeck report quality` and `report ticket`: AI-assisted versus human outcomes with
//! every rate's numerator and denominator, and per-ticket commits, pull requests, sessions
//! and cost. Table on a terminal, `--json` or `--csv` for scripts.

use crate::cli::args::{ReportArgs, ReportKind};
use crate::cli::listing::Listing;
use crate::domain::attribution::branch_ticket_keys;
use crate::domain::{Money, alert_rules::Unit};
use crate::store::Reader;
use crate::store::queries::view_quality::{OutcomeSide, QualityFacts};
use crate::tui::widgets::columns::Align;
use chrono::NaiveDate;
use serde_json::{Value, json};
use std::io::Write;

/// The window when `--since` is not given: this many days, today included (`--since 30d`).
pub const DEFAULT_DAYS: i64 = 30;

/// One figure: AI-assisted and human values with their fractions.
struct Figure {
    metric: &'static str,
    unit: Unit,
    ai: (Option<f64>, i64, i64),
    human: (Option<f64>, i64, i64),
}

fn ratio(part: i64, whole: i64) -> (Option<f64>, i64, i64) {
    ((whole > 0).then(|| part as f64 / whole as f64), part, whole)
}

fn figures(f: &QualityFacts) -> Vec<Figure> {
    let (a, h): (&OutcomeSide, &OutcomeSide) = (&f.ai, &f.human);
    let all_prs = a.prs + h.prs;
    let merged = a.merged + h.merged;
    let spend = Money::from_micro_usd(f.spend_micro_usd).as_usd();
    vec![
        Figure {
            metric: "share_of_prs",
            unit: Unit::Ratio,
            ai: ratio(a.prs, all_prs),
            human: ratio(h.prs, all_prs),
        },
        Figure {
            metric: "merged_on_first_review",
            unit: Unit::Ratio,
            ai: ratio(a.merged_first_review, a.merged),
            human: ratio(h.merged_first_review, h.merged),
        },
        Figure {
            metric: "pr_revert_rate",
            unit: Unit::Ratio,
            ai: ratio(a.reverted_prs, a.merged),
            human: ratio(h.reverted_prs, h.merged),
        },
        Figure {
            metric: "commit_revert_rate",
            unit: Unit::Ratio,
            ai: ratio(a.reverted_commits, a.commits),
            human: ratio(h.reverted_commits, h.commits),
        },
        Figure {
            metric: "commit_defect_rate",
            unit: Unit::Ratio,
            ai: ratio(a.defective_commits, a.commits),
            human: ratio(h.defective_commits, h.commits),
        },
        Figure {
            metric: "review_turnaround_hours",
            unit: Unit::Count,
            ai: (a.review_turnaround_h, a.reviewed_prs, a.reviewed_prs),
            human: (h.review_turnaround_h, h.reviewed_prs, h.reviewed_prs),
        },
        Figure {
            metric: "time_to_merge_hours",
            unit: Unit::Count,
            ai: (a.time_to_merge_h, a.merged, a.merged),
            human: (h.time_to_merge_h, h.merged, h.merged),
        },
        Figure {
            metric: "coverage_delta_points",
            unit: Unit::Count,
            ai: (a.coverage_delta, a.coverage_prs, a.coverage_prs),
            human: (h.coverage_delta, h.coverage_prs, h.coverage_prs),
        },
        Figure {
            metric: "incidents_ai_linked",
            unit: Unit::Ratio,
            ai: ratio(f.ai_incidents, f.incidents),
            human: ratio(f.incidents - f.ai_incidents, f.incidents),
        },
        Figure {
            metric: "agent_cost_per_merged_pr",
            unit: Unit::Usd,
            ai: (
                (merged > 0).then(|| spend / merged as f64),
                f.spend_micro_usd,
                merged,
            ),
            human: (None, 0, 0),
        },
    ]
}

fn show(unit: Unit, v: (Option<f64>, i64, i64), metric: &str) -> String {
    match (v.0, metric) {
        (None, _) => "–".into(),
        (Some(x), "review_turnaround_hours" | "time_to_merge_hours") => {
            format!("{x:.1} h (n={})", v.2)
        }
        (Some(x), "coverage_delta_points") => format!("{x:+.1} pt (n={})", v.2),
        (Some(x), "agent_cost_per_merged_pr") => format!("{} ({} merged)", unit.format(x), v.2),
        (Some(x), _) => format!("{} ({}/{})", unit.format(x), v.1, v.2),
    }
}

/// A figure's numerator as JSON and CSV show it: a count, or for a money figure the spend
/// in USD (stored in micro-USD), so numerator ÷ denominator is the value.
fn numerator(unit: Unit, n: i64) -> Value {
    match unit {
        Unit::Usd => json!(Money::from_micro_usd(n).as_usd()),
        _ => json!(n),
    }
}

/// The window in milliseconds and as days: the first and (with `--until`) the last counted.
pub fn quality(
    reader: &Reader,
    args: &ReportArgs,
    (since_ms, until_ms): (i64, i64),
    (since, until): (NaiveDate, Option<NaiveDate>),
) -> anyhow::Result<()> {
    let facts = reader.quality_facts(since_ms, until_ms)?;
    let rows = figures(&facts);
    let mut out = std::io::stdout().lock();
    let side = |unit: Unit, v: &(Option<f64>, i64, i64)| json!({ "value": v.0, "numerator": numerator(unit, v.1), "denominator": v.2 });
    if args.output.json {
        let list: Vec<Value> = rows
            .iter()
            .map(|r| json!({ "metric": r.metric, "unit": r.unit.as_str(), "ai_assisted": side(r.unit, &r.ai), "human": side(r.unit, &r.human) }))
            .collect();
        let agents: Vec<Value> = facts
            .by_agent
            .iter()
            .map(|(agent, prs, merged, reverted)| json!({"agent": agent, "prs": prs, "merged": merged, "reverted": reverted}))
            .collect();
        serde_json::to_writer_pretty(
            &mut out,
            &json!({ "quality": list, "by_agent": agents, "since": since.to_string(),
                     "until": until.map(|u| u.to_string()),
                     "incidents": facts.incidents, "ai_incidents": facts.ai_incidents }),
        )?;
        writeln!(out)?;
    } else if args.output.csv {
        let mut w = csv::Writer::from_writer(out);
        w.write_record([
            "metric",
            "unit",
            "ai_value",
            "ai_numerator",
            "ai_denominator",
            "human_value",
            "human_numerator",
            "human_denominator",
        ])?;
        for r in &rows {
            let v = |x: Option<f64>| x.map(|x| format!("{x:.6}")).unwrap_or_default();
            w.write_record([
                r.metric.to_string(),
                r.unit.as_str().to_string(),
                v(r.ai.0),
                numerator(r.unit, r.ai.1).to_string(),
                r.ai.2.to_string(),
                v(r.human.0),
                numerator(r.unit, r.human.1).to_string(),
                r.human.2.to_string(),
            ])?;
        }
        w.flush()?;
    } else {
        let window = match until {
            Some(u) => format!("{since} to {u}"),
            None => format!("since {since}"),
        };
        writeln!(
            out,
            "Outcomes {window} (AI-assisted vs human; numerator/denominator in brackets)"
        )?;
        let mut list = Listing::new(&[
            ("METRIC", Align::Left),
            ("AI-ASSISTED", Align::Left),
            ("HUMAN", Align::Left),
        ]);
        for r in &rows {
            list.row([
                r.metric.to_string(),
                show(r.unit, r.ai, r.metric),
                show(r.unit, r.human, r.metric),
            ]);
        }
        list.write(&mut out)?;
        if facts.ai.prs + facts.human.prs + facts.ai.commits + facts.human.commits == 0 {
            writeln!(
                out,
                "\nno commits or pull requests yet: add [git] repos (and [github] / [gitlab]) to the config"
            )?;
        }
    }
    Ok(())
}

pub fn ticket(
    reader: &Reader,
    args: &ReportArgs,
    since_ms: i64,
    until_ms: i64,
) -> anyhow::Result<()> {
    let tickets = reader.ticket_outcomes(since_ms, until_ms, |b| {
        branch_ticket_keys(b).into_iter().next()
    })?;
    let mut out = std::io::stdout().lock();
    let cost = |m: i64| Money::from_micro_usd(m).as_usd();
    if args.output.json {
        let list: Vec<Value> = tickets
            .iter()
            .map(|t| json!({ "ticket": t.ticket, "commits": t.commits, "ai_commits": t.ai_commits,
                             "pull_requests": t.pull_requests, "merged": t.merged, "sessions": t.sessions,
                             "cost_usd": cost(t.cost_micro_usd), "unpriced_tokens": t.unpriced_tokens }))
            .collect();
        serde_json::to_writer_pretty(&mut out, &json!({ "tickets": list }))?;
        writeln!(out)?;
    } else if args.output.csv {
        let mut w = csv::Writer::from_writer(out);
        w.write_record([
            "ticket",
            "commits",
            "ai_commits",
            "pull_requests",
            "merged",
            "sessions",
            "cost_usd",
            "unpriced_tokens",
        ])?;
        for t in &tickets {
            let mut record = ticket_cells(t);
            record.push(format!("{:.6}", cost(t.cost_micro_usd)));
            record.push(t.unpriced_tokens.to_string());
            w.write_record(record)?;
        }
        w.flush()?;
    } else {
        let mut list = Listing::new(&[
            ("TICKET", Align::Left),
            ("COMMITS", Align::Right),
            ("AI", Align::Right),
            ("PRS", Align::Right),
            ("MERGED", Align::Right),
            ("SESSIONS", Align::Right),
            ("COST", Align::Right),
        ]);
        for t in &tickets {
            let mut row = ticket_cells(t);
            row.push(Unit::Usd.format(cost(t.cost_micro_usd)));
            list.row(row);
        }
        list.write(&mut out)?;
        if tickets.is_empty() {
            writeln!(
                out,
                "no ticket keys (ABC-123) in commits, pull requests or session branches yet"
            )?;
        }
        writeln!(
            out,
            "cost: computed spend of sessions on a branch naming the ticket"
        )?;
    }
    Ok(())
}

/// Whether `kind` is an outcome report (handled here rather than by the usage reports).
pub fn is_outcome(kind: ReportKind) -> bool {
    matches!(kind, ReportKind::Quality | ReportKind::Ticket)
}

/// A ticket's key and counts, as the CSV and the table both start their rows.
fn ticket_cells(t: &crate::store::queries::view_quality::TicketOutcome) -> Vec<String> {
    vec![
        t.ticket.clone(),
        t.commits.to_string(),
        t.ai_commits.to_string(),
        t.pull_requests.to_string(),
        t.merged.to_string(),
        t.sessions.to_string(),
    ]
}
