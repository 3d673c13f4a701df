//! Overview: the day at a glance — activity, agent mix, spend against budget with a
//! month-end forecast, a 30-day spend sparkline, and the open alerts (selectable).
//!
//! ```text
//! ┌ Today ──────────────────┐┌ Spend ────────────────────────────────┐
//! │ sessions   42 (3 live)  ││ today           $123.45 computed      │
//! │ avg length 23m          ││ month-to-date   $2,345 of $5,000      │
//! │ tokens     12.3M        ││ month-end       $4,800 forecast (96%) │
//! │ acceptance 34% (7d)     ││ 30 days ▁▂▃▅▇▆▅▃▂▁                    │
//! └─────────────────────────┘└───────────────────────────────────────┘
//! ┌ Agent mix ──────────────┐┌ Open alerts ──────────────────────────┐
//! │ claude_code ████  45%   ││ ▶ ▲ CRIT  budget_breach team:platform │
//! └─────────────────────────┘└───────────────────────────────────────┘
//! ```

use super::DrawCtx;
use crate::domain::Money;
use crate::domain::alerts::AlertState;
use crate::domain::period::{local_date, local_day_edges, local_day_start_ms};
use crate::store::queries::view_overview::{OverviewBounds, OverviewFigures};
use crate::store::{Reader, Result};
use crate::tui::format;
use crate::tui::state::Screen;
use crate::tui::widgets::{bar, spark, table};
use chrono::{Datelike, Duration};
use chrono_tz::Tz;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

#[derive(Debug, Clone, PartialEq)]
pub struct AlertLine {
    pub id: i64,
    pub severity: String,
    pub state: AlertState,
    pub rule: String,
    pub subject: String,
    pub since: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct OverviewModel {
    pub figures: OverviewFigures,
    pub avg_session: String,
    pub acceptance: Option<f64>,
    pub forecast: Money,
    /// Spend per local day, oldest first (30 days).
    pub daily_spend: Vec<i64>,
    pub alerts: Vec<AlertLine>,
    /// Today's biggest spenders (developer, computed spend), at most eight.
    pub top_spenders: Vec<(String, Money)>,
}

impl OverviewModel {
    pub fn row_texts(&self) -> Vec<String> {
        self.alerts
            .iter()
            .map(|a| {
                format!(
                    "{} {} {} {}",
                    a.severity,
                    a.state.as_str(),
                    a.rule,
                    a.subject
                )
            })
            .collect()
    }
}

pub fn load(reader: &Reader, now_ms: i64, tz: Tz) -> Result<OverviewModel> {
    let today = local_date(now_ms, tz);
    let month_first = today.with_day(1).unwrap_or(today);
    let trend_first = today - Duration::days(29);
    let first = trend_first.min(month_first);
    let bounds = OverviewBounds {
        now_ms,
        day_edges: local_day_edges(first, (today - first).num_days() + 1, tz),
        month_start_ms: local_day_start_ms(month_first, tz),
    };
    let week_ago = (today - Duration::days(6)).format("%Y-%m-%d").to_string();
    let figures = reader.overview_figures(&bounds, &week_ago)?;
    let skip = (trend_first - first).num_days() as usize;
    let mut daily_spend: Vec<i64> = figures
        .spend_by_day
        .iter()
        .skip(skip)
        .map(|m| m.micro_usd())
        .collect();
    daily_spend.resize(30, 0);
    let local_now = chrono::DateTime::from_timestamp_millis(now_ms)
        .unwrap_or_default()
        .with_timezone(&tz)
        .naive_local();
    let _ = local_now;
    // The seasonal forecast the budget alert rules use (one definition of budget state).
    let forecast = reader
        .seasonal_forecast(
            crate::domain::alert_rules::Scope::Org,
            None,
            figures.spend_month,
            now_ms,
            tz,
        )?
        .month_end;
    let mut alerts: Vec<AlertLine> = reader
        .alerts(&[AlertState::Firing, AlertState::Acked, AlertState::Snoozed])?
        .into_iter()
        .map(|a| AlertLine {
            id: a.id,
            severity: a.row.severity.as_str().to_string(),
            state: a.row.state,
            rule: a.row.rule.clone(),
            subject: a.row.subject.clone(),
            since: format::ago(a.row.fired_at, now_ms),
        })
        .collect();
    alerts.sort_by_key(|a| {
        (
            a.state != AlertState::Firing,
            a.severity != "critical",
            a.severity != "warning",
        )
    });
    let mut top_spenders: Vec<(String, Money)> = figures.spend_today_by_developer.clone();
    top_spenders.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    top_spenders.truncate(8);
    Ok(OverviewModel {
        top_spenders,
        avg_session: format::duration(figures.avg_session_ms),
        acceptance: (figures.suggestions_7d > 0)
            .then(|| figures.acceptances_7d as f64 / figures.suggestions_7d as f64),
        forecast,
        daily_spend,
        alerts,
        figures,
    })
}

fn split(body: Rect) -> [Rect; 4] {
    let rows = Layout::vertical([Constraint::Length(7), Constraint::Min(3)]).split(body);
    let top =
        Layout::horizontal([Constraint::Percentage(45), Constraint::Percentage(55)]).split(rows[0]);
    let bottom =
        Layout::horizontal([Constraint::Percentage(35), Constraint::Percentage(65)]).split(rows[1]);
    [top[0], top[1], bottom[0], bottom[1]]
}

pub fn table_area(body: Rect) -> Rect {
    split(body)[3]
}

pub fn severity_tag(severity: &str, state: AlertState) -> String {
    let sev = match severity {
        "critical" => "▲ CRIT",
        "warning" => "△ WARN",
        _ => "· INFO",
    };
    let st = match state {
        AlertState::Firing => "firing",
        AlertState::Acked => "✓ acked",
        AlertState::Snoozed => "◷ snoozed",
        AlertState::Resolved => "✔ resolved",
    };
    format!("{sev} {st}")
}

pub fn draw(
    f: &mut Frame,
    area: Rect,
    m: &OverviewModel,
    screen: &Screen,
    visible: &[usize],
    ctx: &DrawCtx,
) {
    let t = ctx.theme;
    let fig = &m.figures;
    let [today_area, spend_area, mix_area, alerts_area] = split(area);
    let block = |title: &str| {
        Block::default()
            .borders(Borders::ALL)
            .border_style(t.border)
            .title(Span::styled(format!(" {title} "), t.title))
    };
    let kv = |k: &str, v: String, note: &str| {
        Line::from(vec![
            Span::styled(format!("{k:<15}"), t.muted),
            Span::styled(v, t.text),
            Span::styled(format!(" {note}"), t.muted),
        ])
    };
    let roomy = today_area.width >= 48;
    let today = vec![
        kv(
            "sessions",
            fig.sessions_today.to_string(),
            &format!("· {} running", fig.running_sessions),
        ),
        kv("avg length", m.avg_session.clone(), ""),
        kv(
            "tokens",
            format::count(fig.tokens_today),
            &format!(
                "· {} {}",
                format::count(fig.output_tokens_today),
                if roomy { "output" } else { "out" }
            ),
        ),
        kv(
            "acceptance",
            format::ratio_percent(m.acceptance),
            if roomy {
                "last 7 days, vendor-reported"
            } else {
                "7d, vendor"
            },
        ),
        kv(
            "lines accepted",
            format::count(fig.lines_accepted_7d),
            "last 7 days",
        ),
    ];
    f.render_widget(Paragraph::new(today).block(block("Today")), today_area);

    let budget = match fig.budget_month {
        Some(b) => format!("of {} budget", format::money(b)),
        None => "no budget set ([[team]] budget_usd_month)".into(),
    };
    let state =
        crate::domain::budget::BudgetState::assess(fig.spend_month, m.forecast, fig.budget_month);
    let forecast_note = match (state.status, state.forecast_ratio) {
        (crate::domain::budget::BudgetStatus::OnTrack, Some(r)) => {
            format!("forecast, {:.0}% of budget", r * 100.0)
        }
        (_, Some(r)) => format!("forecast ⚠ {:.0}% of budget", r * 100.0),
        (_, None) => "forecast".into(),
    };
    let spend = vec![
        kv("today", format::money(fig.spend_today), "computed"),
        kv("month-to-date", format::money(fig.spend_month), &budget),
        Line::from(vec![
            Span::styled(format!("{:<15}", "month-end"), t.muted),
            Span::styled(format::money(m.forecast), t.text),
            Span::styled(
                format!(" {forecast_note}"),
                if state.status >= crate::domain::budget::BudgetStatus::ForecastOver {
                    t.warning
                } else {
                    t.muted
                },
            ),
        ]),
        Line::from(vec![
            Span::styled(format!("{:<15}", "30 days"), t.muted),
            Span::styled(spark(&m.daily_spend), t.series(0)),
        ]),
    ];
    f.render_widget(Paragraph::new(spend).block(block("Spend")), spend_area);

    let total: i64 = fig.sessions_by_agent.iter().map(|(_, n)| n).sum();
    let width = mix_area.width.saturating_sub(26).max(4) as usize;
    let mix: Vec<Line> = if fig.sessions_by_agent.is_empty() {
        vec![Line::from(Span::styled("no sessions today yet", t.muted))]
    } else {
        fig.sessions_by_agent
            .iter()
            .enumerate()
            .map(|(i, (agent, n))| {
                let share = *n as f64 / total.max(1) as f64;
                Line::from(vec![
                    Span::styled(format!("{:<12}", format::fit(agent, 12)), t.text),
                    Span::styled(bar(share, width), t.series(i)),
                    Span::styled(format!(" {:>4} {:>3.0}%", n, share * 100.0), t.muted),
                ])
            })
            .collect()
    };
    let mix_height = (mix.len() as u16 + 2).min(mix_area.height);
    let [mix_area, spenders_area] =
        Layout::vertical([Constraint::Length(mix_height), Constraint::Min(0)]).areas(mix_area);
    f.render_widget(
        Paragraph::new(mix).block(block("Agent mix (sessions today)")),
        mix_area,
    );
    if spenders_area.height >= 3 {
        let max = m
            .top_spenders
            .first()
            .map(|(_, c)| c.micro_usd())
            .unwrap_or(0)
            .max(1);
        let w = spenders_area.width.saturating_sub(34).max(3) as usize;
        let lines: Vec<Line> = if m.top_spenders.is_empty() {
            vec![Line::from(Span::styled("no spend today yet", t.muted))]
        } else {
            m.top_spenders
                .iter()
                .map(|(dev, cost)| {
                    Line::from(vec![
                        Span::styled(format!("{:<20}", format::fit(dev, 19)), t.text),
                        Span::styled(bar(cost.micro_usd() as f64 / max as f64, w), t.series(1)),
                        Span::styled(format!(" {:>9}", format::money(*cost)), t.muted),
                    ])
                })
                .collect()
        };
        f.render_widget(
            Paragraph::new(lines).block(block("Top spend today (computed)")),
            spenders_area,
        );
    }

    let selected = super::selection(screen, visible);
    let wide = alerts_area.width >= 70;
    let rows = table::window(visible, screen.offset, alerts_area)
        .iter()
        .map(|&i| {
            let a = &m.alerts[i];
            let style = if a.severity == "critical" && a.state == AlertState::Firing {
                t.critical
            } else {
                t.text
            };
            let mut cells = vec![Line::from(Span::styled(
                severity_tag(&a.severity, a.state),
                style,
            ))];
            if wide {
                cells.push(Line::from(a.rule.clone()));
            }
            cells.push(Line::from(a.subject.clone()));
            cells.push(Line::from(Span::styled(a.since.clone(), t.muted)));
            cells
        })
        .collect();
    let (header, widths) = if wide {
        (
            vec!["state", "rule", "subject", "fired"],
            vec![
                Constraint::Length(16),
                Constraint::Length(17),
                Constraint::Min(10),
                Constraint::Length(11),
            ],
        )
    } else {
        (
            vec!["state", "subject", "fired"],
            vec![
                Constraint::Length(16),
                Constraint::Min(10),
                Constraint::Length(11),
            ],
        )
    };
    table::draw(
        f,
        alerts_area,
        table::TableSpec {
            title: " Open alerts (⏎ opens Alerts) ".into(),
            header,
            widths,
            rows,
            selected,
            offset: screen.offset,
            total: visible.len(),
            focused: true,
            empty: vec![Line::from(
                "✓ nothing open. Alert rules: `agentdeck alerts rules`.",
            )],
        },
        t,
    );
}
