//! Costs: a drillable tree (team → project → developer; `g` regroups by agent or model),
//! with a period selector, share, per-developer spend, a 14-day trend, month-end forecast
//! against budget, and ⚠ flags for high per-developer spend and low acceptance.
//!
//! ```text
//!  7d (p [ ]) · by team (g) · $1,234 computed · this month $3,400 → $5,100 forecast · …
//! ┌ Teams — ⏎ drills into projects ────────────────────────────────────────────┐
//! │  team       spend    share  ▇▇▇▇     devs  per dev  14d trend      flags  │
//! │▶ platform   $812.10  66%    █████▌   9     $90.23   ▁▂▃▅▇▆▅▃▂▁     ⚠ 2 high│
//! └───────────────────────────────────────────────────────────────────────────┘
//! ┌ platform — spend per day, last 14 days (computed) ────────────────────────┐
//! │            ███████                ▄▄▄▄▄▄▄          (tall terminals only)  │
//! │  01-02  01-03  01-04  …                                                   │
//! └───────────────────────────────────────────────────────────────────────────┘
//! ```

use super::table::budget_flag;
use super::{CostRow, CostsModel, TREND_DAYS, dim_label, next_dim};
use crate::domain::Money;
use crate::domain::budget::BudgetStatus;
use crate::store::queries::view_costs::CostDim;
use crate::tui::format;
use crate::tui::state::Screen;
use crate::tui::views::DrawCtx;
use crate::tui::widgets::table;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Bar, BarChart, BarGroup, Block, Borders, Paragraph};

/// Body taller than this gets a daily-spend chart of the selected row under the table.
const CHART_MIN_BODY: u16 = 30;

fn split(body: Rect) -> [Rect; 3] {
    let chart = if body.height >= CHART_MIN_BODY { 10 } else { 0 };
    // The summary wraps to a second line when the terminal is narrow.
    let summary = if body.width < 160 { 2 } else { 1 };
    Layout::vertical([
        Constraint::Length(summary),
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
                        " {} — spend per day, {TREND_DAYS} days to {} (computed) ",
                        row.key,
                        m.trend_days.last().map(String::as_str).unwrap_or("today")
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
    let warn = m
        .budget
        .is_some_and(|b| b.status >= BudgetStatus::ForecastOver);
    let budget = match &m.budget {
        Some(b) => match budget_flag(b) {
            Some(flag) => format!(" · {}: {flag}", m.budget_scope),
            None => format!(
                " · {}: {} of {} budget",
                m.budget_scope,
                format::money(b.spent),
                format::money(b.budget.unwrap_or_default())
            ),
        },
        None if screen_path(screen).is_empty() => " · no team budgets set".into(),
        None => String::new(),
    };
    let unpriced = if m.unpriced_requests > 0 {
        format!(" · {} unpriced requests", m.unpriced_requests)
    } else {
        String::new()
    };
    let chunks = vec![
        vec![Span::styled(
            match (ctx.state.billed, m.billed) {
                (true, Some(b)) => format!(
                    " {} billed (b) · {} computed{unpriced}",
                    format::money(b),
                    format::spend(m.total, m.unpriced_requests)
                ),
                (true, None) => format!(
                    " nothing billed (b) · {} computed{unpriced}",
                    format::spend(m.total, m.unpriced_requests)
                ),
                (false, Some(b)) => format!(
                    " {} computed{unpriced} · {} billed (b)",
                    format::spend(m.total, m.unpriced_requests),
                    format::money(b)
                ),
                (false, None) => format!(
                    " {} computed{unpriced}",
                    format::spend(m.total, m.unpriced_requests)
                ),
            },
            t.text,
        )],
        vec![
            Span::styled(format!(" in {} ", m.period), t.accent),
            Span::styled("(p [ ])", t.muted),
        ],
        vec![
            Span::styled(" · ", t.muted),
            Span::styled(format!("by {} ", m.group.label()), t.accent),
            Span::styled("(g)", t.muted),
        ],
        vec![Span::styled(
            format!(
                " · month-to-date {} → {} forecast",
                format::money(m.month_to_date),
                format::money(m.forecast)
            ),
            t.muted,
        )],
        vec![Span::styled(budget, if warn { t.warning } else { t.muted })],
    ];
    let lines = crate::tui::widgets::pack(chunks, area.width as usize, parts[0].height as usize);
    f.render_widget(Paragraph::new(lines), parts[0]);
    let dim = dim_label(m.dim);
    let mut below = screen_path(screen);
    below.push((m.dim, String::new()));
    let next = next_dim(m.group, &below)
        .map(|_| " — ⏎ drills down")
        .unwrap_or(" — ⏎ details");
    table::draw(
        f,
        parts[1],
        table::TableView {
            title: format!(" Spend by {dim}{next} "),
            data: &m.table,
            visible,
            selected: crate::tui::views::selection(screen, visible),
            offset: screen.offset,
            sort: screen.sort,
            focused: true,
            empty: crate::tui::views::empty::lines(ctx, screen, m.rows.len(), {
                let mut l =
                    crate::tui::views::empty::nothing_in_period("spend", &m.period.to_string());
                l.push(Line::from(
                    "Budgets come from budget_usd_month on a [[team]] or [[project]] in config.toml.",
                ));
                l
            }),
        },
        t,
    );
}

/// The path drilled so far.
fn screen_path(screen: &Screen) -> Vec<(CostDim, String)> {
    match &screen.kind {
        crate::tui::state::ScreenKind::Costs { path } => path.clone(),
        _ => Vec::new(),
    }
}
