//! Quality: AI-assisted versus human outcomes over the period (`p`, `[`, `]`) — PR share,
//! merged on first review, reverts, review turnaround, coverage delta, AI-linked incidents —
//! and per agent.
//!
//! ```text
//! ┌ Outcomes, last 30 days ─────────────────────────┐┌ AI-assisted PRs by agent ───┐
//! │                       AI-assisted     human      ││▶ claude_code  41  38  1     │
//! │ pull requests         64 (58%)        46         │└─────────────────────────────┘
//! │ merged on 1st review  71%             64%        │┌ Incidents (30d) ────────────┐
//! │ reverted              3.1%            2.2%       ││ INC-7 sev2 ⚙ AI-linked …    │
//! └──────────────────────────────────────────────────┘└─────────────────────────────┘
//! ```

use super::DrawCtx;
use crate::domain::period::local_date;
use crate::domain::span::Period;
use crate::store::queries::view_quality::{OutcomeSide, QualityFacts};
use crate::store::{Reader, Result};
use crate::tui::format;
use crate::tui::state::Screen;
use crate::tui::widgets::columns::Column;
use crate::tui::widgets::table::{self, Cell, TableData, Value};
use chrono_tz::Tz;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

#[derive(Debug, Clone, PartialEq)]
pub struct QualityModel {
    pub facts: QualityFacts,
    /// (id, severity, title, ai_linked, opened date) of recent incidents.
    pub incidents: Vec<(String, String, String, bool, String)>,
    pub period: Period,
    pub table: TableData,
}

fn agents_table(by_agent: &[(String, i64, i64, i64)]) -> TableData {
    let rows = by_agent
        .iter()
        .map(|(agent, prs, merged, reverted)| {
            vec![
                Cell::new(agent.clone()),
                Cell::new(prs.to_string()).with(Value::Int(*prs)),
                Cell::new(merged.to_string()).with(Value::Int(*merged)),
                Cell::new(reverted.to_string()).with(Value::Int(*reverted)),
            ]
        })
        .collect();
    TableData::new(
        vec![
            Column::text("agent", 0, 8),
            Column::number("PRs", 0),
            Column::number("merged", 1),
            Column::number("reverted", 2),
        ],
        rows,
    )
}

impl QualityModel {
    pub fn row_texts(&self) -> Vec<String> {
        self.facts
            .by_agent
            .iter()
            .map(|(a, ..)| a.clone())
            .collect()
    }

    pub fn is_empty(&self) -> bool {
        self.facts.ai.prs + self.facts.human.prs + self.facts.ai.commits + self.facts.human.commits
            == 0
    }
}

pub fn load(reader: &Reader, period: Period, now_ms: i64, tz: Tz) -> Result<QualityModel> {
    let (since_ms, until_ms) = period.range_ms(local_date(now_ms, tz), tz);
    let facts = reader.quality_facts(since_ms, until_ms)?;
    let incidents = facts
        .recent_incidents
        .iter()
        .map(|(id, sev, title, ai, at)| {
            (
                id.clone(),
                sev.clone(),
                title.clone(),
                *ai,
                local_date(*at, tz).format("%m-%d").to_string(),
            )
        })
        .collect();
    Ok(QualityModel {
        table: agents_table(&facts.by_agent),
        facts,
        incidents,
        period,
    })
}

fn split(body: Rect) -> (Rect, Rect, Rect) {
    let cols =
        Layout::horizontal([Constraint::Percentage(58), Constraint::Percentage(42)]).split(body);
    let right =
        Layout::vertical([Constraint::Percentage(50), Constraint::Percentage(50)]).split(cols[1]);
    (cols[0], right[0], right[1])
}

pub fn table_area(body: Rect) -> Rect {
    split(body).1
}

fn pct(part: i64, whole: i64) -> String {
    format::percent(part, whole)
}

/// `3.1% (2/64)`: the rate with its numerator and denominator.
fn rate(part: i64, whole: i64) -> String {
    if whole <= 0 {
        "–".into()
    } else {
        format!(
            "{:.1}% ({part}/{whole})",
            part as f64 * 100.0 / whole as f64
        )
    }
}

/// `71% (12/17)`.
fn share(part: i64, whole: i64) -> String {
    if whole <= 0 {
        "–".into()
    } else {
        format!("{} ({part}/{whole})", pct(part, whole))
    }
}

pub fn draw(
    f: &mut Frame,
    area: Rect,
    m: &QualityModel,
    screen: &Screen,
    visible: &[usize],
    ctx: &DrawCtx,
) {
    let t = ctx.theme;
    let (left, agents_area, incidents_area) = split(area);
    let block = |title: &str| {
        Block::default()
            .borders(Borders::ALL)
            .border_style(t.border)
            .title(Span::styled(format!(" {title} "), t.title))
    };
    let (ai, human): (&OutcomeSide, &OutcomeSide) = (&m.facts.ai, &m.facts.human);
    let all_prs = ai.prs + human.prs;
    let vw = (left.width.saturating_sub(24) / 2).clamp(12, 20) as usize;
    let row = |label: &str, a: String, h: String| {
        Line::from(vec![
            Span::styled(format!("{label:<22}"), t.muted),
            Span::styled(format!("{a:<vw$}"), t.text),
            Span::styled(h, t.text),
        ])
    };
    let hours = |h: Option<f64>| h.map(|h| format!("{h:.1} h")).unwrap_or_else(|| "–".into());
    let cov = |c: Option<f64>| {
        c.map(|c| format!("{c:+.1} pt"))
            .unwrap_or_else(|| "n/a".into())
    };
    let mut lines = vec![
        Line::from(vec![Span::styled(
            format!("{:<22}{:<vw$}{}", "", "AI-assisted", "human"),
            t.header,
        )]),
        row(
            "pull requests",
            format!("{} ({})", ai.prs, pct(ai.prs, all_prs)),
            human.prs.to_string(),
        ),
        row(
            "merged",
            pct(ai.merged, ai.prs),
            pct(human.merged, human.prs),
        ),
        row(
            "merged on 1st review",
            share(ai.merged_first_review, ai.merged),
            share(human.merged_first_review, human.merged),
        ),
        row(
            "PRs reverted",
            rate(ai.reverted_prs, ai.merged),
            rate(human.reverted_prs, human.merged),
        ),
        row(
            "review turnaround",
            hours(ai.review_turnaround_h),
            hours(human.review_turnaround_h),
        ),
        row(
            "time to merge",
            hours(ai.time_to_merge_h),
            hours(human.time_to_merge_h),
        ),
        row(
            "coverage delta",
            cov(ai.coverage_delta),
            cov(human.coverage_delta),
        ),
        row(
            "commits",
            format!(
                "{} ({})",
                ai.commits,
                pct(ai.commits, ai.commits + human.commits)
            ),
            human.commits.to_string(),
        ),
        row(
            "commits reverted",
            rate(ai.reverted_commits, ai.commits),
            rate(human.reverted_commits, human.commits),
        ),
        row(
            "reverted or fixed",
            rate(ai.defective_commits, ai.commits),
            rate(human.defective_commits, human.commits),
        ),
        row(
            "lines added",
            format::count(ai.lines_added),
            format::count(human.lines_added),
        ),
        Line::from(vec![
            Span::styled(format!("{:<22}", "agent $ / merged PR"), t.muted),
            Span::styled(
                match ai.merged + human.merged {
                    0 => "–".to_string(),
                    merged => format!(
                        "{} ({} spend / {merged} merged, computed)",
                        format::money(crate::domain::Money::from_micro_usd(
                            m.facts.spend_micro_usd / merged
                        )),
                        format::money(crate::domain::Money::from_micro_usd(
                            m.facts.spend_micro_usd
                        ))
                    ),
                },
                t.text,
            ),
        ]),
        Line::from(vec![
            Span::styled(format!("{:<22}", "incidents"), t.muted),
            Span::styled(
                format!(
                    "{} total, {} AI-linked",
                    m.facts.incidents, m.facts.ai_incidents
                ),
                if m.facts.ai_incidents > 0 {
                    t.warning
                } else {
                    t.text
                },
            ),
        ]),
    ];
    if m.is_empty() {
        lines = vec![
            Line::from("No commits or pull requests collected yet."),
            Line::from("Add [git] repos = [\"~/src/*\"] to config.toml (and [github] / [gitlab]"),
            Line::from("repos) so agentdeck reads AI trailers, reverts, fixes and PR outcomes."),
        ];
    }
    f.render_widget(
        Paragraph::new(lines).block(block(&format!("Outcomes, {}", m.period))),
        left,
    );

    table::draw(
        f,
        agents_area,
        table::TableView {
            title: " AI-assisted PRs by agent ".into(),
            data: &m.table,
            visible,
            selected: super::selection(screen, visible),
            offset: screen.offset,
            sort: screen.sort,
            focused: true,
            empty: super::empty::lines(
                ctx,
                screen,
                m.facts.by_agent.len(),
                vec![Line::from(format!("no AI-attributed PRs in {}", m.period))],
            ),
        },
        t,
    );
    let inc: Vec<Line> = if m.incidents.is_empty() {
        vec![Line::from(Span::styled(
            "✓ no incidents in the period",
            t.muted,
        ))]
    } else {
        m.incidents
            .iter()
            .map(|(id, sev, title, ai, day)| {
                Line::from(vec![
                    Span::styled(format!("{day} {id} {sev} "), t.muted),
                    Span::styled(if *ai { "AI-linked " } else { "" }, t.warning),
                    Span::styled(title.clone(), t.text),
                ])
            })
            .collect()
    };
    f.render_widget(
        Paragraph::new(inc)
            .wrap(ratatui::widgets::Wrap { trim: true })
            .block(block(&format!("Incidents, {}", m.period))),
        incidents_area,
    );
}
