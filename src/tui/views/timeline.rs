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
use super::detail::{DetailModel, When};
use crate::domain::Money;
use crate::domain::session_state::SessionState;
use crate::store::queries::view_live::{LiveSessionRow, TimelineRow};
use crate::store::{Reader, Result};
use crate::tui::format;
use crate::tui::state::Screen;
use crate::tui::widgets::columns::Column;
use crate::tui::widgets::table::{self, Cell, Role, TableData, Value};
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
    /// Gemini replies a later `$rewindTo` went back over (still counted in tokens and cost);
    /// their prompts are marked on the timeline too.
    pub rewound: usize,
    pub table: TableData,
}

fn unpriced(r: &TimelineRow) -> bool {
    r.kind == "request" && r.detail.as_deref() == Some("unpriced")
}

/// What a rewound request or a rewind event says (docs/accounting.md#gemini-cli).
const REWOUND: &str = "↶ rewound (still counted)";
const REWIND: &str = "↶ went back: later replies marked rewound, still counted";

/// The detail column: tool or model, decision or detail, HTTP status, duration.
fn describe(r: &TimelineRow) -> String {
    if r.kind == "rewind" {
        return REWIND.into();
    }
    let mut detail = r.name.clone().unwrap_or_default();
    if r.rewound {
        detail.push_str(&format!(" {REWOUND}"));
    }
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
    detail.trim().to_string()
}

fn table(lines: &[TimelineLine]) -> TableData {
    let columns = vec![
        Column::whole("time", 0),
        Column::text("agent", 2, 6),
        Column::text("what", 1, 7),
        Column::text("name / detail", 1, 8),
        Column::number("tokens", 2),
        Column::number("cost", 1),
    ];
    let rows = lines
        .iter()
        .map(|l| {
            let r = &l.row;
            let kind_role = match r.kind.as_str() {
                "api_error" => Role::Critical,
                "commit" | "pr" => Role::Ok,
                "rewind" => Role::Warning,
                "request" if r.rewound => Role::Muted,
                "request" => Role::Text,
                _ => Role::Muted,
            };
            let agent = if l.switch {
                format!("⇄ {}", l.agent)
            } else {
                l.agent.clone()
            };
            let cost = if r.kind != "request" {
                Cell::new("")
            } else if unpriced(r) {
                Cell::styled("unpriced", Role::Muted)
            } else {
                Cell::new(format::money(r.cost)).with(Value::Micros(r.cost.micro_usd()))
            };
            vec![
                Cell::styled(l.time.clone(), Role::Muted).with(Value::Int(r.ts)),
                Cell::new(agent),
                Cell::styled(r.kind.clone(), kind_role),
                Cell::new(describe(r)),
                if r.tokens > 0 {
                    Cell::new(format::count(r.tokens)).with(Value::Int(r.tokens))
                } else {
                    Cell::new("")
                },
                cost,
            ]
        })
        .collect();
    TableData::new(columns, rows)
}

/// Every field of one timeline line.
pub fn detail(l: &TimelineLine, when: When) -> DetailModel {
    let r = &l.row;
    let mut fields = vec![
        ("time".to_string(), when.at(r.ts)),
        ("agent".into(), l.agent.clone()),
        ("what".into(), r.kind.clone()),
        (
            if r.kind == "request" { "model" } else { "tool" }.into(),
            r.name.clone().unwrap_or_else(|| "–".into()),
        ),
        (
            "detail".into(),
            if r.kind == "rewind" {
                REWIND.into()
            } else {
                r.detail.clone().unwrap_or_else(|| "–".into())
            },
        ),
    ];
    if r.rewound {
        fields.push((
            "rewound".into(),
            if r.kind == "request" {
                "a later $rewindTo went back over this reply; it was answered and billed, so \
                 its tokens and cost stay counted"
            } else {
                "a later $rewindTo went back over this turn"
            }
            .into(),
        ));
    }
    if let Some(code) = r.status_code {
        fields.push(("HTTP status".into(), code.to_string()));
    }
    if let Some(ms) = r.duration_ms {
        fields.push(("duration".into(), format!("{:.1}s", ms as f64 / 1000.0)));
    }
    if r.kind == "request" {
        fields.push(("tokens".into(), r.tokens.to_string()));
        fields.push((
            "cost".into(),
            if unpriced(r) {
                "unpriced (no price for the model)".into()
            } else {
                format!("{} computed", format::money(r.cost))
            },
        ));
    }
    DetailModel::new(format!("{} at {}", r.kind, l.time), fields)
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
    let lines: Vec<TimelineLine> = rows
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
    // The span covers the sessions and every line shown (a prompt comes before the
    // session's first request).
    let (first, last) = sessions
        .iter()
        .flat_map(|s| [s.started_at, s.last_activity_at])
        .chain(lines.iter().map(|l| l.row.ts))
        .fold(None, |span: Option<(i64, i64)>, t| {
            Some(span.map_or((t, t), |(a, b)| (a.min(t), b.max(t))))
        })
        .unwrap_or((0, 0));
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
        table: table(&lines),
        commits: outcomes.iter().filter(|o| !o.2).count(),
        merged_prs: outcomes.iter().filter(|o| o.2).count(),
        rewound: lines
            .iter()
            .filter(|l| l.row.rewound && l.row.kind == "request")
            .count(),
        tokens: crate::domain::bounds::sum_totals(sessions.iter().map(|s| s.usage.total())),
        cost: sessions.iter().map(|s| s.cost).sum(),
        state: SessionState::of(last, now_ms),
        span: format!(
            "{} ({})",
            format::span(first, last, tz),
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
                {
                    let unpriced: i64 = m.sessions.iter().map(|s| s.unpriced_tokens).sum();
                    let mut text = format!(
                        "{} tokens · {} computed",
                        format::count(m.tokens),
                        format::money(m.cost)
                    );
                    if unpriced > 0 {
                        text = format!(
                            "{} tokens · {} computed · {} tokens unpriced",
                            format::count(m.tokens),
                            if m.cost.micro_usd() == 0 {
                                "nothing".to_string()
                            } else {
                                format::money(m.cost)
                            },
                            format::count(unpriced)
                        );
                    }
                    text
                },
                t.text,
            ),
            Span::styled(
                if m.rewound > 0 {
                    format!(" · {} rewound (counted)", m.rewound)
                } else {
                    String::new()
                },
                t.warning,
            ),
            Span::styled(format!("   {follow}"), t.accent),
        ]),
    ];
    f.render_widget(Paragraph::new(header), parts[0]);
    table::draw(
        f,
        parts[1],
        table::TableView {
            title: " Timeline (metadata only; no prompt or code is stored) ".into(),
            data: &m.table,
            visible,
            selected: super::selection(screen, visible),
            offset: screen.offset,
            sort: screen.sort,
            focused: true,
            empty: super::empty::lines(
                ctx,
                screen,
                m.lines.len(),
                vec![Line::from(
                    "No requests or events recorded for this session yet.",
                )],
            ),
        },
        t,
    );
}
