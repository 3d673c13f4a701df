//! A timeline of one session (Live ⏎) or of one work session spanning several agent
//! sessions (Replay ⏎): requests and metadata events in time order, with follow mode.
//!
//! ```text
//!  ana · api · main · claude_code → codex · 2 sessions · 1.2M tokens · $3.40 · ⇣ follow
//! ┌ Timeline ──────────────────────────────────────────────────────────┐
//! │  time      agent   what        name / detail        tokens   cost  │
//! │▶ 14:02:11  claude  request     claude-sonnet-4-5    12.3k   $0.04  │
//! │  14:02:15  claude  tool_use    Bash  1.2s                          │
//! └────────────────────────────────────────────────────────────────────┘
//! ```

use super::DrawCtx;
use super::live::SessionState;
use crate::domain::Money;
use crate::store::queries::view_live::{LiveSessionRow, TimelineRow};
use crate::store::{Reader, Result};
use crate::tui::format;
use crate::tui::state::Screen;
use crate::tui::widgets::table;
use chrono_tz::Tz;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

pub const TIMELINE_LIMIT: usize = 2000;

#[derive(Debug, Clone, PartialEq)]
pub struct TimelineLine {
    pub time: String,
    pub agent: String,
    /// The agent changed at this line (a tool switch inside a work session).
    pub switch: bool,
    pub row: TimelineRow,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TimelineModel {
    pub sessions: Vec<LiveSessionRow>,
    pub lines: Vec<TimelineLine>,
    pub state: SessionState,
    pub tokens: i64,
    pub cost: Money,
    pub span: String,
    /// Commits and merged PRs by the developer during the span (and 30 minutes after).
    pub commits: usize,
    pub merged_prs: usize,
}

impl TimelineModel {
    pub fn row_texts(&self) -> Vec<String> {
        self.lines
            .iter()
            .map(|l| {
                format!(
                    "{} {} {} {}",
                    l.agent,
                    l.row.kind,
                    l.row.name.as_deref().unwrap_or(""),
                    l.row.detail.as_deref().unwrap_or("")
                )
            })
            .collect()
    }
}

pub fn load(reader: &Reader, ids: &[i64], now_ms: i64, tz: Tz) -> Result<TimelineModel> {
    let sessions = reader.live_sessions_by_ids(ids)?;
    let rows = reader.session_timeline(ids, TIMELINE_LIMIT)?;
    let agent_of = |sid: i64| {
        sessions
            .iter()
            .find(|s| s.id == sid)
            .map(|s| s.agent.clone())
            .unwrap_or_default()
    };
    let mut prev = String::new();
    let lines = rows
        .into_iter()
        .map(|row| {
            let agent = agent_of(row.session_id);
            let switch = !prev.is_empty() && prev != agent;
            prev.clone_from(&agent);
            TimelineLine {
                time: format::clock_time(row.ts, tz),
                agent,
                switch,
                row,
            }
        })
        .collect();
    let last = sessions
        .iter()
        .map(|s| s.last_activity_at)
        .max()
        .unwrap_or(0);
    let first = sessions.iter().map(|s| s.started_at).min().unwrap_or(0);
    let developer = sessions
        .first()
        .map(|s| s.developer.clone())
        .unwrap_or_default();
    let after = super::replay::MAX_GAP_MS;
    let outcomes: Vec<(String, i64, bool)> = reader
        .outcome_times(first, last + after)?
        .into_iter()
        .filter(|(author, _, _)| *author == developer)
        .collect();
    Ok(TimelineModel {
        commits: outcomes.iter().filter(|o| !o.2).count(),
        merged_prs: outcomes.iter().filter(|o| o.2).count(),
        tokens: crate::domain::bounds::sum_totals(sessions.iter().map(|s| s.usage.total())),
        cost: sessions.iter().map(|s| s.cost).sum(),
        state: SessionState::of(last, now_ms),
        span: format!(
            "{} – {} ({})",
            format::date_time(first, tz),
            format::clock_time(last, tz),
            format::duration(last - first)
        ),
        sessions,
        lines,
    })
}

pub fn table_area(body: Rect) -> Rect {
    Layout::vertical([Constraint::Length(2), Constraint::Min(3)]).split(body)[1]
}

pub fn draw(
    f: &mut Frame,
    area: Rect,
    m: &TimelineModel,
    screen: &Screen,
    visible: &[usize],
    ctx: &DrawCtx,
) {
    let t = ctx.theme;
    let parts = Layout::vertical([Constraint::Length(2), Constraint::Min(3)]).split(area);
    let mut agents: Vec<&str> = Vec::new();
    for s in &m.sessions {
        if agents.last() != Some(&s.agent.as_str()) {
            agents.push(&s.agent);
        }
    }
    let first = m.sessions.first();
    let who = first
        .map(|s| {
            format!(
                "{} · {} · {}",
                s.developer,
                s.project.as_deref().unwrap_or("–"),
                s.branch.as_deref().unwrap_or("–")
            )
        })
        .unwrap_or_default();
    let follow = if ctx.state.follow {
        "⇣ follow on (f)"
    } else {
        "follow off (f)"
    };
    let header = vec![
        Line::from(vec![
            Span::styled(format!(" {who}"), t.title),
            Span::styled(
                format!(" · {} · {}", agents.join(" → "), m.state.label()),
                t.text,
            ),
            Span::styled(
                match (m.commits, m.merged_prs) {
                    (0, 0) => " · outcome: no commit yet".to_string(),
                    (c, p) => format!(" · outcome: ✓ {c} commit(s), {p} PR(s) merged"),
                },
                if m.commits + m.merged_prs > 0 {
                    t.ok
                } else {
                    t.muted
                },
            ),
        ]),
        Line::from(vec![
            Span::styled(
                format!(" {} session(s) · {} · ", m.sessions.len(), m.span),
                t.muted,
            ),
            Span::styled(
                format!(
                    "{} tokens · {} computed",
                    format::count(m.tokens),
                    format::money(m.cost)
                ),
                t.text,
            ),
            Span::styled(format!("   {follow}"), t.accent),
        ]),
    ];
    f.render_widget(Paragraph::new(header), parts[0]);
    let rows = table::window(visible, screen.offset, parts[1])
        .iter()
        .map(|&i| {
            let l = &m.lines[i];
            let r = &l.row;
            let kind_style = match r.kind.as_str() {
                "api_error" => t.critical,
                "commit" | "pr" => t.ok,
                "request" => t.text,
                _ => t.muted,
            };
            let mut detail = r.name.clone().unwrap_or_default();
            if let Some(d) = &r.detail
                && (r.kind != "request" || d == "unpriced")
            {
                detail.push_str(&format!(" {d}"));
            }
            if let Some(code) = r.status_code {
                detail.push_str(&format!(" HTTP {code}"));
            }
            if let Some(ms) = r.duration_ms {
                detail.push_str(&format!(" {:.1}s", ms as f64 / 1000.0));
            }
            let agent = if l.switch {
                format!("⇄ {}", l.agent)
            } else {
                l.agent.clone()
            };
            vec![
                Line::from(Span::styled(l.time.clone(), t.muted)),
                Line::from(agent),
                Line::from(Span::styled(r.kind.clone(), kind_style)),
                Line::from(detail.trim().to_string()),
                Line::from(if r.tokens > 0 {
                    format::count(r.tokens)
                } else {
                    String::new()
                })
                .right_aligned(),
                Line::from(if r.kind == "request" {
                    format::money(r.cost)
                } else {
                    String::new()
                })
                .right_aligned(),
            ]
        })
        .collect();
    table::draw(
        f,
        parts[1],
        table::TableSpec {
            title: " Timeline (metadata only; no prompt or code is stored) ".into(),
            header: vec!["time", "agent", "what", "name / detail", "tokens", "cost"],
            widths: vec![
                Constraint::Length(8),
                Constraint::Length(13),
                Constraint::Length(13),
                Constraint::Min(12),
                Constraint::Length(7),
                Constraint::Length(8),
            ],
            rows,
            selected: super::selection(screen, visible),
            offset: screen.offset,
            total: visible.len(),
            focused: true,
            empty: vec![Line::from(
                "No requests or events recorded for this session yet.",
            )],
        },
        t,
    );
}
