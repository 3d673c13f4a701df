//! Overview: the day at a glance — activity, agent mix, spend today and month-to-date
//! against budget (one rule: `domain::budget`) with a month-end forecast, the period's spend
//! (`p`, `[`, `]`) as a total and a sparkline, its top spenders, and the open alerts
//! (selectable; ⏎ opens the one selected). Small terminals get the compact layout: one
//! summary line over the alerts.
//!
//! ```text
//! ┌ Today ──────────────────┐┌ Spend ────────────────────────────────┐
//! │ sessions   42 · 3 running││ today           $123.45 computed      │
//! │ avg length 23m          ││ month-to-date   $2,345                │
//! │ tokens     12.3M        ││ budget          $2,345 of $5,000      │
//! │ acceptance 34% (7d)     ││ month-end       $4,800 forecast (96%) │
//! │ lines acc. 1.2k (7d)    ││ 30d    $3,100   ▁▂▃▅▇▆▅▃▂▁            │
//! └─────────────────────────┘└───────────────────────────────────────┘
//! ┌ Agent mix ──────────────┐┌ Open alerts ──────────────────────────┐
//! │ claude_code ████  45%   ││ ▶ ▲ CRIT  budget_breach team:platform │
//! └─────────────────────────┘└───────────────────────────────────────┘
//! ```

use super::DrawCtx;
use super::detail::{DetailModel, Open};
use crate::domain::Money;
use crate::domain::alerts::AlertState;
use crate::domain::budget::{BudgetState, BudgetStatus};
use crate::domain::period::{local_date, local_day_edges};
use crate::domain::session_state::SessionState;
use crate::domain::span::Period;
use crate::store::queries::view_overview::{OverviewBounds, OverviewFigures};
use crate::store::{Reader, Result};
use crate::tui::format;
use crate::tui::state::{Screen, ScreenKind};
use crate::tui::widgets::columns::{self, Column};
use crate::tui::widgets::table::{self, Cell, Role, TableData};
use crate::tui::widgets::{bar, pack, resample, spark};
use chrono::{Datelike, Duration};
use chrono_tz::Tz;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};

/// Top spenders the Overview keeps for its panel, and how many of them the IDE lines above
/// never push off (docs/console.md).
const MAX_SPENDERS: usize = 60;
const SPENDERS_KEPT: usize = 8;
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

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
    /// Month-end forecast of all spend (estimate).
    pub forecast: Money,
    /// The budgeted teams' month-to-date spend against the sum of their budgets.
    pub budget: Option<BudgetState>,
    /// Teams that spent this month without a budget (left out of `budget`).
    pub unbudgeted_teams: usize,
    pub period: Period,
    /// Spend per local day of the period, oldest first.
    pub daily_spend: Vec<i64>,
    pub period_total: Money,
    pub alerts: Vec<AlertLine>,
    /// The period's biggest spenders (developer, computed spend, unpriced requests).
    pub top_spenders: Vec<(String, Money, i64)>,
    pub table: TableData,
}

fn alerts_table(alerts: &[AlertLine]) -> TableData {
    let columns = vec![
        Column::whole("state", 0),
        Column::text("rule", 2, 8),
        Column::text("subject", 0, 8),
        Column::number("fired", 0),
    ];
    let rows = alerts
        .iter()
        .map(|a| {
            let role = if a.severity == "critical" && a.state == AlertState::Firing {
                Role::Critical
            } else {
                Role::Text
            };
            vec![
                Cell::styled(severity_tag(&a.severity, a.state), role),
                Cell::new(a.rule.clone()),
                Cell::new(a.subject.clone()),
                Cell::styled(a.since.clone(), Role::Muted),
            ]
        })
        .collect();
    TableData::new(columns, rows)
}

pub fn load(reader: &Reader, period: Period, now_ms: i64, tz: Tz) -> Result<OverviewModel> {
    let today = local_date(now_ms, tz);
    let month_first = today.with_day(1).unwrap_or(today);
    let span = period.span(today);
    let bounds = OverviewBounds {
        now_ms,
        running_since_ms: SessionState::running_since_ms(now_ms),
        month_day_edges: local_day_edges(month_first, (today - month_first).num_days() + 1, tz),
        period_edges: local_day_edges(span.first, span.days(), tz),
    };
    let week_ago = (today - Duration::days(6)).format("%Y-%m-%d").to_string();
    let figures = reader.overview_figures(&bounds, &week_ago)?;
    let daily_spend: Vec<i64> = figures.spend_by_day.iter().map(|m| m.micro_usd()).collect();
    let local_now = chrono::DateTime::from_timestamp_millis(now_ms)
        .unwrap_or_default()
        .with_timezone(&tz)
        .naive_local();
    let forecast_of = |m: Money| crate::domain::forecast::month_end(m, local_now).month_end;
    // The seasonal forecast the budget alert rules use.
    let forecast = reader
        .seasonal_forecast(
            crate::domain::alert_rules::Scope::Org,
            None,
            figures.spend_month,
            now_ms,
            tz,
        )?
        .month_end;
    // Budgets are per team: compare the teams that have one with the sum of theirs.
    let budgeted: Money = figures
        .team_month
        .iter()
        .filter(|(t, _)| figures.budgets.iter().any(|(b, _)| b == t))
        .map(|(_, m)| *m)
        .sum();
    let total_budget: Money = figures.budgets.iter().map(|(_, b)| *b).sum();
    let budget = Some(BudgetState::assess(
        budgeted,
        forecast_of(budgeted),
        Some(total_budget),
    ))
    .filter(|b| b.status != BudgetStatus::NoBudget);
    let unbudgeted_teams = figures
        .team_month
        .iter()
        .filter(|(t, m)| m.micro_usd() > 0 && !figures.budgets.iter().any(|(b, _)| b == t))
        .count();
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
    let mut top_spenders = figures.spend_by_developer.clone();
    top_spenders.sort_by(|a, b| {
        b.1.cmp(&a.1)
            .then_with(|| b.2.cmp(&a.2))
            .then_with(|| a.0.cmp(&b.0))
    });
    // A tall terminal shows more of them (the panel takes the height left); none is shown
    // beyond this many.
    top_spenders.truncate(MAX_SPENDERS);
    Ok(OverviewModel {
        table: alerts_table(&alerts),
        top_spenders,
        avg_session: format::duration(figures.avg_session_ms),
        acceptance: (figures.suggestions_7d > 0)
            .then(|| figures.acceptances_7d as f64 / figures.suggestions_7d as f64),
        forecast,
        budget,
        unbudgeted_teams,
        period,
        period_total: Money::from_micro_usd(daily_spend.iter().sum()),
        daily_spend,
        alerts,
        figures,
    })
}

/// Enter on an Overview alert opens that alert in full (the Alerts view's detail).
pub fn detail(a: &AlertLine) -> DetailModel {
    DetailModel::new(
        format!("alert #{}", a.id),
        vec![
            ("state".into(), severity_tag(&a.severity, a.state)),
            ("rule".into(), a.rule.clone()),
            ("subject".into(), a.subject.clone()),
            ("fired".into(), a.since.clone()),
        ],
    )
    .opening(Open::Subject(a.subject.clone()))
}

/// The screen Enter opens for Overview alert `id`: its detail from the Alerts view.
pub fn alert_screen(id: i64) -> ScreenKind {
    ScreenKind::Detail {
        parent: Box::new(ScreenKind::Alerts),
        key: format!("alert:{id}"),
    }
}

/// Below this body size the compact layout (summary line over the alerts) is used.
const COMPACT_WIDTH: u16 = 70;
const COMPACT_HEIGHT: u16 = 16;

fn compact(body: Rect) -> bool {
    body.width < COMPACT_WIDTH || body.height < COMPACT_HEIGHT
}

fn split(body: Rect) -> [Rect; 4] {
    if compact(body) {
        let [summary, alerts] =
            Layout::vertical([Constraint::Length(2), Constraint::Min(3)]).areas(body);
        return [summary, Rect::default(), Rect::default(), alerts];
    }
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

/// A `label value note` line in `width` cells: the value is never cut, the label shrinks
/// first and the note is cut with an ellipsis.
fn kv<'a>(
    label: &str,
    value: String,
    note: &str,
    width: usize,
    styles: (Style, Style, Style),
) -> Line<'a> {
    kv_either(label, value, &[note], width, styles)
}

/// [`kv`] with notes from the longest to the shortest: the first that fits whole is
/// shown, else the last one, cut.
fn kv_either<'a>(
    label: &str,
    value: String,
    notes: &[&str],
    width: usize,
    styles: (Style, Style, Style),
) -> Line<'a> {
    let vw = columns::width(&value);
    let lw = 15.min(width.saturating_sub(vw + 1)).max(4);
    let rest = width.saturating_sub(lw + vw);
    let note = notes
        .iter()
        .find(|n| columns::width(n) < rest)
        .or(notes.last())
        .copied()
        .unwrap_or_default();
    let note = if note.is_empty() || rest < 3 {
        String::new()
    } else {
        format!(" {}", columns::fit(note, rest - 1))
    };
    Line::from(vec![
        Span::styled(columns::pad(label, lw, columns::Align::Left), styles.0),
        Span::styled(value, styles.1),
        Span::styled(note, styles.2),
    ])
}

/// The budget line: the budgeted teams' spend against their budgets.
fn budget_line(m: &OverviewModel) -> (String, String, bool) {
    let Some(b) = m.budget else {
        return (
            "–".into(),
            "no budget set ([[team]] budget_usd_month)".into(),
            false,
        );
    };
    let partial = if m.unbudgeted_teams > 0 {
        format!(" (+{} team(s) without a budget)", m.unbudgeted_teams)
    } else {
        String::new()
    };
    let value = format!(
        "{} of {}",
        format::money(b.spent),
        format::money(b.budget.unwrap_or_default())
    );
    let note = match b.status {
        BudgetStatus::Breached => format!(
            "⚠ over budget ({:.0}%){partial}",
            b.spent_ratio.unwrap_or(0.0) * 100.0
        ),
        BudgetStatus::ForecastOver => {
            format!("⚠ forecast {} > budget{partial}", format::money(b.forecast))
        }
        BudgetStatus::NoBudget | BudgetStatus::OnTrack => format!("within budget{partial}"),
    };
    (value, note, b.status >= BudgetStatus::ForecastOver)
}

fn draw_compact(f: &mut Frame, area: Rect, m: &OverviewModel, ctx: &DrawCtx) {
    let t = ctx.theme;
    let fig = &m.figures;
    let (value, note, warn) = budget_line(m);
    let mut chunks = vec![
        vec![
            Span::styled(" today ", t.muted),
            Span::styled(format::spend(fig.spend_today, fig.unpriced_today), t.text),
        ],
        vec![
            Span::styled(" · month ", t.muted),
            Span::styled(format::money(fig.spend_month), t.text),
        ],
        vec![
            Span::styled(format!(" · {} ", m.period), t.muted),
            Span::styled(format::spend(m.period_total, fig.period_unpriced), t.text),
        ],
        vec![
            Span::styled(" · ", t.muted),
            Span::styled(format!("{} running", fig.running_sessions), t.ok),
        ],
    ];
    if m.budget.is_some() {
        chunks.push(vec![
            Span::styled(" · budget ", t.muted),
            Span::styled(value, t.text),
        ]);
        if warn {
            chunks.push(vec![Span::styled(format!(" {note}"), t.warning)]);
        }
    }
    let lines = pack(chunks, area.width as usize, area.height as usize);
    f.render_widget(Paragraph::new(lines), area);
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
    let [today_area, spend_area, mix_area, alerts_area] = split(area);
    if compact(area) {
        draw_compact(f, today_area, m, ctx);
    } else {
        draw_panels(f, [today_area, spend_area, mix_area], m, ctx);
    }
    table::draw(
        f,
        alerts_area,
        table::TableView {
            title: " Open alerts — ⏎ opens one ".into(),
            data: &m.table,
            visible,
            selected: super::selection(screen, visible),
            offset: screen.offset,
            sort: screen.sort,
            focused: true,
            empty: super::empty::lines(
                ctx,
                screen,
                m.alerts.len(),
                vec![Line::from(
                    "✓ no open alerts. Alert rules: `agentdeck alerts rules`.",
                )],
            ),
        },
        t,
    );
}

fn draw_panels(f: &mut Frame, areas: [Rect; 3], m: &OverviewModel, ctx: &DrawCtx) {
    let t = ctx.theme;
    let fig = &m.figures;
    let [today_area, spend_area, mix_area] = areas;
    let block = |title: String, area: Rect| {
        Block::default()
            .borders(Borders::ALL)
            .border_style(t.border)
            .title(Span::styled(
                crate::tui::widgets::title(&format!(" {title} "), area.width),
                t.title,
            ))
    };
    let plain = (t.muted, t.text, t.muted);
    let w = today_area.width.saturating_sub(2) as usize;
    let roomy = w >= 46;
    let today = vec![
        kv(
            "sessions",
            fig.sessions_today.to_string(),
            &format!("· {} running", fig.running_sessions),
            w,
            plain,
        ),
        kv("avg length", m.avg_session.clone(), "", w, plain),
        kv(
            "tokens",
            format::count(fig.tokens_today),
            &format!(
                "· {} {}",
                format::count(fig.output_tokens_today),
                if roomy { "output" } else { "out" }
            ),
            w,
            plain,
        ),
        kv(
            "acceptance",
            format::ratio_percent(m.acceptance),
            if roomy {
                "last 7 days, vendor-reported"
            } else {
                "7d, vendor"
            },
            w,
            plain,
        ),
        kv(
            "lines accepted",
            // No IDE source reported anything: unknown, like the acceptance above, not 0.
            if fig.suggestions_7d == 0 && fig.lines_accepted_7d == 0 {
                "–".to_string()
            } else {
                format::count(fig.lines_accepted_7d)
            },
            "last 7 days",
            w,
            plain,
        ),
    ];
    f.render_widget(
        Paragraph::new(today).block(block("Today".into(), today_area)),
        today_area,
    );

    let w = spend_area.width.saturating_sub(2) as usize;
    let (bvalue, bnote, bwarn) = budget_line(m);
    let forecast_note = match m.budget {
        Some(b) => format!(
            "forecast (estimate), {:.0}% of budget",
            b.forecast_ratio.unwrap_or(0.0) * 100.0
        ),
        None => "forecast (estimate)".into(),
    };
    let unpriced_notes = if fig.unpriced_today > 0 {
        vec![
            format!("computed · {} unpriced requests", fig.unpriced_today),
            format!("computed · {} unpriced", fig.unpriced_today),
            format!("{} unpriced", fig.unpriced_today),
        ]
    } else {
        vec!["computed".to_string()]
    };
    let unpriced_notes: Vec<&str> = unpriced_notes.iter().map(String::as_str).collect();
    let period_label = m.period.to_string();
    let total = format::spend(m.period_total, fig.period_unpriced);
    let spark_w =
        w.saturating_sub(columns::width(&period_label).max(6) + columns::width(&total) + 3);
    let spend = vec![
        kv_either(
            "today",
            format::spend(fig.spend_today, fig.unpriced_today),
            &unpriced_notes,
            w,
            plain,
        ),
        kv(
            "month-to-date",
            format::money(fig.spend_month),
            "",
            w,
            plain,
        ),
        kv(
            "budget",
            bvalue,
            &bnote,
            w,
            (t.muted, t.text, if bwarn { t.warning } else { t.muted }),
        ),
        kv(
            "month-end",
            format::money(m.forecast),
            &forecast_note,
            w,
            plain,
        ),
        Line::from(vec![
            Span::styled(format!("{:<6} ", period_label), t.accent),
            Span::styled(format!("{total} "), t.text),
            Span::styled(spark(&resample(&m.daily_spend, spark_w)), t.series(0)),
        ]),
    ];
    f.render_widget(
        Paragraph::new(spend).block(block("Spend (p, [ ] period)".into(), spend_area)),
        spend_area,
    );

    let total: i64 = fig.sessions_by_agent.iter().map(|(_, n)| n).sum();
    let inner = mix_area.width.saturating_sub(2) as usize;
    let bar_w = inner.saturating_sub(12 + 10).max(1);
    let mut mix: Vec<Line> = if fig.sessions_by_agent.is_empty() {
        vec![Line::from(Span::styled("no sessions today yet", t.muted))]
    } else {
        fig.sessions_by_agent
            .iter()
            .enumerate()
            .map(|(i, (agent, n))| {
                let share = *n as f64 / total.max(1) as f64;
                Line::from(vec![
                    Span::styled(columns::pad(agent, 12, columns::Align::Left), t.text),
                    Span::styled(bar(share, bar_w), t.series(i)),
                    Span::styled(format!(" {n:>4} {:>3.0}%", share * 100.0), t.muted),
                ])
            })
            .collect()
    };
    // IDE use the vendors report over 7 days (Copilot, Cursor day rows): no local session,
    // so apart from the bars.
    // They never push a top spender off the panel below.
    let reserved = m.top_spenders.len().min(SPENDERS_KEPT);
    let room = (mix_area.height as usize).saturating_sub(mix.len() + 2 + reserved + 2);
    let shown_vendor = fig.vendor_7d.len().min(room);
    for (source, devs, suggestions, accepted) in &fig.vendor_7d[..shown_vendor] {
        let name = columns::pad(source, 12, columns::Align::Left);
        let what = format!(
            "IDE {devs} dev(s) · {} accepted",
            format::percent(*accepted, *suggestions)
        );
        mix.push(Line::from(vec![
            Span::styled(name, t.text),
            Span::styled(format::fit(&what, inner.saturating_sub(12)), t.muted),
        ]));
    }
    let mix_height = (mix.len() as u16 + 2).min(mix_area.height);
    let [mix_area, spenders_area] =
        Layout::vertical([Constraint::Length(mix_height), Constraint::Min(0)]).areas(mix_area);
    f.render_widget(
        Paragraph::new(mix).block(block(
            if shown_vendor == 0 {
                "Agent mix (sessions today)".into()
            } else {
                "Agent mix: sessions today, IDE 7d".into()
            },
            mix_area,
        )),
        mix_area,
    );
    if spenders_area.height >= 3 {
        let inner = spenders_area.width.saturating_sub(2) as usize;
        let amounts: Vec<String> = m
            .top_spenders
            .iter()
            .map(|(_, c, u)| format::spend(*c, *u))
            .collect();
        let money_w = amounts.iter().map(|a| columns::width(a)).max().unwrap_or(0);
        let max = m
            .top_spenders
            .first()
            .map(|(_, c, _)| c.micro_usd())
            .unwrap_or(0)
            .max(1);
        // The amount is never cut: the bar goes first, then the name shrinks.
        let rest = inner.saturating_sub(money_w + 1);
        let bar_w = if rest >= 24 { (rest - 16).min(12) } else { 0 };
        let name_w = rest.saturating_sub(bar_w);
        // As many as the panel holds; when some do not fit, the last line says how many
        // more there are and where they all are.
        let rows = usize::from(spenders_area.height.saturating_sub(2));
        let (shown, more) = if m.top_spenders.len() > rows {
            let shown = rows.saturating_sub(1);
            (shown, m.top_spenders.len() - shown)
        } else {
            (m.top_spenders.len(), 0)
        };
        let mut lines: Vec<Line> = if m.top_spenders.is_empty() {
            vec![Line::from(Span::styled(
                format!("no spend in this period ({})", m.period),
                t.muted,
            ))]
        } else {
            m.top_spenders
                .iter()
                .zip(&amounts)
                .take(shown)
                .map(|((dev, cost, _), amount)| {
                    Line::from(vec![
                        // One blank before the bar, so a long name never runs into it.
                        Span::styled(
                            columns::pad(dev, name_w.saturating_sub(1), columns::Align::Left),
                            t.text,
                        ),
                        Span::raw(if name_w > 0 { " " } else { "" }),
                        Span::styled(
                            bar(cost.micro_usd() as f64 / max as f64, bar_w),
                            t.series(1),
                        ),
                        Span::styled(
                            format!(" {}", columns::pad(amount, money_w, columns::Align::Right)),
                            t.muted,
                        ),
                    ])
                })
                .collect()
        };
        if more > 0 {
            let plus = if m.top_spenders.len() == MAX_SPENDERS {
                "+"
            } else {
                ""
            };
            lines.push(Line::from(Span::styled(
                format::fit(
                    &format!("{more}{plus} more: 3 Costs drills down to each"),
                    inner,
                ),
                t.muted,
            )));
        }
        f.render_widget(
            Paragraph::new(lines)
                .wrap(Wrap { trim: true })
                .block(block(format!("Top spend, {}", m.period), spenders_area)),
            spenders_area,
        );
    }
}
