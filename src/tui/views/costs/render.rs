//! Costs: a drillable tree (team → project → developer; `g` regroups by agent or model),
//! with a period selector, share, per-developer spend, a 14-day trend, month-end forecast
//! against budget, and ⚠ flags for high per-developer spend and low acceptance.
//!
//! ```text
//!  period 7d (p) · by team (g) · $1,234 computed · month $3,400 → forecast $5,100 of $6,000
//! ┌ Teams — ⏎ drills into projects ────────────────────────────────────────────┐
//! │  team       spend    share  ▇▇▇▇     devs  per dev  14d trend      flags  │
//! │▶ platform   $812.10  66%    █████▌   9     $90.23   ▁▂▃▅▇▆▅▃▂▁     ⚠ 2 high│
//! └───────────────────────────────────────────────────────────────────────────┘
//! ┌ platform — spend per day, last 14 days (computed) ────────────────────────┐
//! │            ███████                ▄▄▄▄▄▄▄          (tall terminals only)  │
//! │  01-02  01-03  01-04  …                                                   │
//! └───────────────────────────────────────────────────────────────────────────┘
//! ```

use super::*;

/// Body taller than this gets a daily-spend chart of the selected row under the table.
const CHART_MIN_BODY: u16 = 30;

fn split(body: Rect) -> [Rect; 3] {
    let chart = if body.height >= CHART_MIN_BODY { 10 } else { 0 };
    Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length(chart),
    ])
    .areas(body)
}

pub fn table_area(body: Rect) -> Rect {
    split(body)[1]
}

fn draw_chart(f: &mut Frame, area: Rect, m: &CostsModel, row: &CostRow, ctx: &DrawCtx) {
    let t = ctx.theme;
    let bars: Vec<Bar> = row
        .trend
        .iter()
        .zip(&m.trend_days)
        .map(|(v, day)| {
            let cost = Money::from_micro_usd(*v);
            Bar::default()
                .value((*v).max(0) as u64)
                .label(Line::from(day.clone()))
                .text_value(format::money(cost))
                .style(t.series(0))
                .value_style(t.text)
        })
        .collect();
    let width = ((area.width.saturating_sub(2) / TREND_DAYS as u16).saturating_sub(1)).clamp(1, 9);
    let chart = BarChart::default()
        .block(
            Block::default()
                .borders(Borders::ALL)
                .border_style(t.border)
                .title(Span::styled(
                    format!(
                        " {} — spend per day, last {TREND_DAYS} days (computed) ",
                        row.key
                    ),
                    t.title,
                )),
        )
        .data(BarGroup::default().bars(&bars))
        .bar_width(width)
        .bar_gap(1)
        .label_style(t.muted);
    f.render_widget(chart, area);
}

pub fn draw(
    f: &mut Frame,
    area: Rect,
    m: &CostsModel,
    screen: &Screen,
    visible: &[usize],
    ctx: &DrawCtx,
) {
    let t = ctx.theme;
    let parts = split(area);
    if parts[2].height > 0
        && let Some(row) = crate::tui::views::selection(screen, visible)
            .and_then(|s| visible.get(s))
            .and_then(|&i| m.rows.get(i))
    {
        draw_chart(f, parts[2], m, row, ctx);
    }
    let over = crate::domain::budget::BudgetState::assess(m.month_to_date, m.forecast, m.budget)
        .status
        >= crate::domain::budget::BudgetStatus::ForecastOver;
    let budget = match m.budget {
        Some(b) => format!(
            " of {} budget{}",
            format::money(b),
            if over { " ⚠ over" } else { "" }
        ),
        None => String::new(),
    };
    let line = Line::from(vec![
        Span::styled(format!(" period {} ", m.period.label()), t.accent),
        Span::styled("(p) · ", t.muted),
        Span::styled(format!("by {} ", m.group.label()), t.accent),
        Span::styled("(g) · ", t.muted),
        Span::styled(
            match (ctx.state.billed, m.billed) {
                (true, Some(b)) => format!(
                    "{} billed (b) · {} computed",
                    format::money(b),
                    format::money(m.total)
                ),
                (true, None) => format!("nothing billed (b) · {} computed", format::money(m.total)),
                (false, Some(b)) => format!(
                    "{} computed · {} billed (b)",
                    format::money(m.total),
                    format::money(b)
                ),
                (false, None) => format!("{} computed", format::money(m.total)),
            },
            t.text,
        ),
        Span::styled(
            format!(" · month {} → ", format::money(m.month_to_date)),
            t.muted,
        ),
        Span::styled(
            format!("{} forecast{budget}", format::money(m.forecast)),
            if over { t.warning } else { t.text },
        ),
    ]);
    f.render_widget(Paragraph::new(line), parts[0]);
    let wide = area.width >= 120;
    let rows = table::window(visible, screen.offset, parts[1])
        .iter()
        .map(|&i| {
            let r = &m.rows[i];
            let mut flags = Vec::new();
            if r.high_spenders > 0 {
                flags.push(format!("⚠ {} high spend", r.high_spenders));
            }
            if r.low_acceptance > 0 {
                flags.push(format!("⚠ {} low accept", r.low_acceptance));
            }
            if let Some(flag) = r.budget.and_then(|b| b.flag()) {
                flags.push(flag);
            }
            if r.unpriced_requests > 0 {
                flags.push(format!("{} unpriced", r.unpriced_requests));
            }
            let flag_style = if flags.iter().any(|f| f.starts_with('⚠')) {
                t.warning
            } else {
                t.muted
            };
            let mut cells = vec![
                Line::from(r.key.clone()),
                Line::from(format::money(if ctx.state.billed {
                    r.billed
                } else {
                    r.cost
                }))
                .right_aligned(),
                Line::from(format!("{:.0}%", r.share * 100.0)).right_aligned(),
            ];
            if wide {
                cells.push(Line::from(Span::styled(bar(r.share, 10), t.series(0))));
                cells.push(Line::from(format::count(r.tokens)).right_aligned());
            }
            cells.push(Line::from(r.developers.to_string()).right_aligned());
            cells.push(Line::from(format::money(r.per_developer)).right_aligned());
            cells.push(Line::from(Span::styled(spark(&r.trend), t.series(1))));
            cells.push(Line::from(Span::styled(flags.join(" · "), flag_style)));
            cells
        })
        .collect();
    let dim = dim_label(m.dim);
    let (header, widths) = if wide {
        (
            vec![
                dim,
                if ctx.state.billed { "billed" } else { "spend" },
                "share",
                "",
                "tokens",
                "devs",
                "per dev",
                "14d trend",
                "flags",
            ],
            vec![
                Constraint::Min(16),
                Constraint::Length(10),
                Constraint::Length(5),
                Constraint::Length(10),
                Constraint::Length(7),
                Constraint::Length(4),
                Constraint::Length(9),
                Constraint::Length(14),
                Constraint::Min(20),
            ],
        )
    } else {
        (
            vec![
                dim,
                if ctx.state.billed { "billed" } else { "spend" },
                "share",
                "devs",
                "per dev",
                "14d trend",
                "flags",
            ],
            vec![
                Constraint::Min(12),
                Constraint::Length(9),
                Constraint::Length(5),
                Constraint::Length(4),
                Constraint::Length(8),
                Constraint::Length(14),
                Constraint::Min(8),
            ],
        )
    };
    let next = next_dim(m.group, &screen_path(screen, m.dim))
        .map(|_| " — ⏎ drills down")
        .unwrap_or("");
    table::draw(
        f,
        parts[1],
        table::TableSpec {
            title: format!(" Spend by {dim}{next} "),
            header,
            widths,
            rows,
            selected: crate::tui::views::selection(screen, visible),
            offset: screen.offset,
            total: visible.len(),
            focused: true,
            empty: vec![
                Line::from(format!("No spend in this period ({}).", m.period.label())),
                Line::from("Press p for a longer period, or collect usage: `agentdeck ingest`."),
                Line::from("Team budgets come from [[team]] budget_usd_month in config.toml."),
            ],
        },
        t,
    );
}

/// The path one level below the rows shown (to tell whether ⏎ can drill further).
fn screen_path(screen: &Screen, dim: CostDim) -> Vec<(CostDim, String)> {
    let mut p = match &screen.kind {
        crate::tui::state::ScreenKind::Costs { path } => path.clone(),
        _ => Vec::new(),
    };
    p.push((dim, String::new()));
    p
}
