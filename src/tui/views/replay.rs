//! Replay: work sessions — one developer on one repository and branch, across agents, with
//! gaps under 30 minutes — newest first, with tokens, cost and outcome; ⏎ opens the merged
//! timeline (see `timeline.rs`).
//!
//! ```text
//! ┌ Work sessions (last 7 days; same developer, repo, branch; gaps < 30m) ──────┐
//! │  started      developer  project  branch   agents           length tokens … │
//! │▶ 01-15 09:10  ana        api      feat/x   claude → codex   2h 05m  3.4M  … │
//! └─────────────────────────────────────────────────────────────────────────────┘
//! ```

use super::DrawCtx;
use crate::domain::Money;
use crate::store::{Reader, Result};
use crate::tui::format;
use crate::tui::state::Screen;
use crate::tui::widgets::table;
use chrono_tz::Tz;
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};

/// Sessions closer than this join one work session.
pub const MAX_GAP_MS: i64 = 30 * 60_000;
const WINDOW_MS: i64 = 7 * 86_400_000;

#[derive(Debug, Clone, PartialEq)]
pub struct WorkSession {
    pub ids: Vec<i64>,
    pub developer: String,
    pub project: String,
    pub branch: String,
    pub agents: Vec<String>,
    pub started: String,
    pub start_ms: i64,
    pub end_ms: i64,
    pub tokens: i64,
    pub cost: Money,
    pub commits: i64,
    pub merged_prs: i64,
}

impl WorkSession {
    pub fn label(&self) -> String {
        format!("{} · {} · {}", self.developer, self.project, self.branch)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ReplayModel {
    pub sessions: Vec<WorkSession>,
}

impl ReplayModel {
    pub fn row_texts(&self) -> Vec<String> {
        self.sessions
            .iter()
            .map(|w| {
                format!(
                    "{} {} {} {}",
                    w.developer,
                    w.project,
                    w.branch,
                    w.agents.join(" ")
                )
            })
            .collect()
    }
}

pub fn load(reader: &Reader, now_ms: i64, tz: Tz) -> Result<ReplayModel> {
    let mut sessions = reader.sessions_between(now_ms - WINDOW_MS, now_ms + 1)?;
    sessions.sort_by(|a, b| {
        (&a.developer, &a.project, &a.branch, a.started_at).cmp(&(
            &b.developer,
            &b.project,
            &b.branch,
            b.started_at,
        ))
    });
    let mut out: Vec<WorkSession> = Vec::new();
    for s in sessions {
        let project = s.project.clone().unwrap_or_else(|| "–".into());
        let branch = s.branch.clone().unwrap_or_else(|| "–".into());
        let joins = out.last().is_some_and(|w| {
            w.developer == s.developer
                && w.project == project
                && w.branch == branch
                && s.started_at - w.end_ms <= MAX_GAP_MS
        });
        if !joins {
            out.push(WorkSession {
                ids: Vec::new(),
                developer: s.developer.clone(),
                project,
                branch,
                agents: Vec::new(),
                started: format::date_time(s.started_at, tz),
                start_ms: s.started_at,
                end_ms: s.last_activity_at,
                tokens: 0,
                cost: Money::ZERO,
                commits: 0,
                merged_prs: 0,
            });
        }
        if let Some(w) = out.last_mut() {
            w.ids.push(s.id);
            w.end_ms = w.end_ms.max(s.last_activity_at);
            w.tokens = crate::domain::bounds::add_to_total(w.tokens, s.usage.total());
            w.cost += s.cost;
            if w.agents.last() != Some(&s.agent) {
                w.agents.push(s.agent.clone());
            }
        }
    }
    let outcomes = reader.outcome_times(now_ms - WINDOW_MS, now_ms + MAX_GAP_MS)?;
    let mut by_author: std::collections::HashMap<&str, Vec<(i64, bool)>> =
        std::collections::HashMap::new();
    for (author, ts, pr) in &outcomes {
        by_author
            .entry(author.as_str())
            .or_default()
            .push((*ts, *pr));
    }
    for w in &mut out {
        for (ts, pr) in by_author
            .get(w.developer.as_str())
            .map(Vec::as_slice)
            .unwrap_or_default()
        {
            if *ts >= w.start_ms && *ts < w.end_ms + MAX_GAP_MS {
                if *pr {
                    w.merged_prs += 1;
                } else {
                    w.commits += 1;
                }
            }
        }
    }
    out.sort_by(|a, b| {
        b.start_ms
            .cmp(&a.start_ms)
            .then_with(|| a.developer.cmp(&b.developer))
    });
    out.truncate(500);
    Ok(ReplayModel { sessions: out })
}

pub fn table_area(body: Rect) -> Rect {
    body
}

pub fn draw(
    f: &mut Frame,
    area: Rect,
    m: &ReplayModel,
    screen: &Screen,
    visible: &[usize],
    ctx: &DrawCtx,
) {
    let t = ctx.theme;
    let wide = area.width >= 120;
    let rows = table::window(visible, screen.offset, area)
        .iter()
        .map(|&i| {
            let w = &m.sessions[i];
            let outcome = match (w.commits, w.merged_prs) {
                (0, 0) => Span::styled("no commit yet", t.muted),
                (c, 0) => Span::styled(format!("✓ {c} commit(s)"), t.ok),
                (0, p) => Span::styled(format!("✓ {p} PR merged"), t.ok),
                (c, p) => Span::styled(format!("✓ {c} commit(s), {p} PR merged"), t.ok),
            };
            let agents = if w.agents.len() > 1 {
                format!("{} ⇄", w.agents.join(" → "))
            } else {
                w.agents.join("")
            };
            let mut cells = vec![
                Line::from(Span::styled(w.started.clone(), t.muted)),
                Line::from(w.developer.clone()),
            ];
            if wide {
                cells.push(Line::from(w.project.clone()));
                cells.push(Line::from(w.branch.clone()));
            }
            cells.extend([
                Line::from(agents),
                Line::from(format::duration(w.end_ms - w.start_ms)).right_aligned(),
                Line::from(format::count(w.tokens)).right_aligned(),
                Line::from(format::money(w.cost)).right_aligned(),
                Line::from(outcome),
            ]);
            cells
        })
        .collect();
    let (header, widths) = if wide {
        (
            vec![
                "started",
                "developer",
                "project",
                "branch",
                "agents",
                "length",
                "tokens",
                "cost",
                "outcome",
            ],
            vec![
                Constraint::Length(11),
                Constraint::Min(12),
                Constraint::Min(10),
                Constraint::Min(10),
                Constraint::Min(14),
                Constraint::Length(7),
                Constraint::Length(7),
                Constraint::Length(9),
                Constraint::Min(14),
            ],
        )
    } else {
        (
            vec![
                "started",
                "developer",
                "agents",
                "length",
                "tokens",
                "cost",
                "outcome",
            ],
            vec![
                Constraint::Length(11),
                Constraint::Min(10),
                Constraint::Min(10),
                Constraint::Length(7),
                Constraint::Length(6),
                Constraint::Length(8),
                Constraint::Min(10),
            ],
        )
    };
    table::draw(
        f,
        area,
        table::TableSpec {
            title: " Work sessions, last 7 days (same developer, repo, branch; gaps < 30m) — ⏎ replays ".into(),
            header,
            widths,
            rows,
            selected: super::selection(screen, visible),
            offset: screen.offset,
            total: visible.len(),
            focused: true,
            empty: vec![
                Line::from("No sessions in the last 7 days."),
                Line::from("Replay joins agent sessions that share developer, repository and branch;"),
                Line::from("collect them with `agentdeck ingest` or OTLP telemetry (`agentdeck serve`)."),
            ],
        },
        t,
    );
}
