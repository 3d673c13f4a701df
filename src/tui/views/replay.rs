//! Replay: work sessions in the period — one developer on one repository and branch, across
//! agents, with gaps under 30 minutes — newest first, with tokens, cost and outcome; ⏎
//! opens the merged timeline (see `timeline.rs`), `d` its details.
//!
//! ```text
//! ┌ Work sessions, 7d (same developer, repo, branch; gaps < 30m) ───────────────┐
//! │  started      developer  project  branch   agents           length tokens … │
//! │▶ 01-15 09:10  ana        api      feat/x   claude → codex   2h 05m  3.4M  … │
//! └─────────────────────────────────────────────────────────────────────────────┘
//! ```

use super::DrawCtx;
use super::detail::{DetailModel, Open, When};
use crate::domain::Money;
use crate::domain::span::Period;
use crate::store::{Reader, Result};
use crate::tui::format;
use crate::tui::state::{Screen, ScreenKind};
use crate::tui::widgets::columns::Column;
use crate::tui::widgets::table::{self, Cell, Role, TableData, Value};
use chrono_tz::Tz;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;

/// Sessions closer than this join one work session.
pub const MAX_GAP_MS: i64 = 30 * 60_000;
/// Work sessions shown at most (the newest).
pub const REPLAY_LIMIT: usize = 500;

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
    pub unpriced_tokens: i64,
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
    pub period: Period,
    pub table: TableData,
}

fn outcome(w: &WorkSession) -> Cell {
    match (w.commits, w.merged_prs) {
        (0, 0) => Cell::styled("no commit yet", Role::Muted),
        (c, 0) => Cell::styled(format!("✓ {c} commit(s)"), Role::Ok),
        (0, p) => Cell::styled(format!("✓ {p} PR merged"), Role::Ok),
        (c, p) => Cell::styled(format!("✓ {c} commit(s), {p} PR merged"), Role::Ok),
    }
    .with(Value::Rank(w.commits + 10 * w.merged_prs))
}

fn table(sessions: &[WorkSession]) -> TableData {
    let columns = vec![
        Column::whole("started", 1),
        Column::text("developer", 0, 8),
        Column::text("project", 2, 6),
        Column::text("branch", 3, 6),
        Column::text("agents", 2, 6),
        Column::number("length", 3),
        Column::number("tokens", 3),
        Column::number("cost", 0),
        Column::text("outcome", 1, 8),
    ];
    let rows = sessions
        .iter()
        .map(|w| {
            let agents = if w.agents.len() > 1 {
                format!("{} ⇄", w.agents.join(" → "))
            } else {
                w.agents.join("")
            };
            vec![
                Cell::styled(w.started.clone(), Role::Muted).with(Value::Int(w.start_ms)),
                Cell::new(w.developer.clone()),
                Cell::new(w.project.clone()),
                Cell::new(w.branch.clone()),
                Cell::new(agents),
                Cell::new(format::duration(w.end_ms - w.start_ms))
                    .with(Value::Int(w.end_ms - w.start_ms)),
                Cell::new(format::count(w.tokens)).with(Value::Int(w.tokens)),
                Cell::new(if w.cost.micro_usd() == 0 && w.unpriced_tokens > 0 {
                    "unpriced".to_string()
                } else {
                    format::money(w.cost)
                })
                .with(Value::Micros(w.cost.micro_usd())),
                outcome(w),
            ]
        })
        .collect();
    TableData::new(columns, rows)
}

pub fn detail(w: &WorkSession, when: When) -> DetailModel {
    DetailModel::new(
        format!("work session · {}", w.label()),
        vec![
            ("developer".into(), w.developer.clone()),
            ("project".into(), w.project.clone()),
            ("branch".into(), w.branch.clone()),
            ("agents".into(), w.agents.join(" → ")),
            ("sessions".into(), w.ids.len().to_string()),
            ("started".into(), when.at(w.start_ms)),
            ("last activity".into(), when.at(w.end_ms)),
            ("length".into(), format::duration(w.end_ms - w.start_ms)),
            ("tokens".into(), format::count(w.tokens)),
            (
                "cost".into(),
                if w.unpriced_tokens > 0 {
                    format!(
                        "{} computed; {} tokens unpriced",
                        format::money(w.cost),
                        format::count(w.unpriced_tokens)
                    )
                } else {
                    format!("{} computed", format::money(w.cost))
                },
            ),
            ("commits".into(), w.commits.to_string()),
            ("merged PRs".into(), w.merged_prs.to_string()),
        ],
    )
    .opening(Open::Screen(
        ScreenKind::WorkSession { ids: w.ids.clone() },
        "the timeline".into(),
    ))
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

pub fn load(reader: &Reader, period: Period, now_ms: i64, tz: Tz) -> Result<ReplayModel> {
    let today = crate::domain::period::local_date(now_ms, tz);
    let (since_ms, until_ms) = period.range_ms(today, tz);
    let mut sessions = reader.sessions_between(since_ms, until_ms)?;
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
                unpriced_tokens: 0,
                commits: 0,
                merged_prs: 0,
            });
        }
        if let Some(w) = out.last_mut() {
            w.ids.push(s.id);
            w.end_ms = w.end_ms.max(s.last_activity_at);
            w.tokens = crate::domain::bounds::add_to_total(w.tokens, s.usage.total());
            w.cost += s.cost;
            w.unpriced_tokens += s.unpriced_tokens;
            if w.agents.last() != Some(&s.agent) {
                w.agents.push(s.agent.clone());
            }
        }
    }
    let outcomes = reader.outcome_times(since_ms, until_ms + MAX_GAP_MS)?;
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
    out.truncate(REPLAY_LIMIT);
    Ok(ReplayModel {
        table: table(&out),
        sessions: out,
        period,
    })
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
    table::draw(
        f,
        area,
        table::TableView {
            title: format!(
                " Work sessions, {} (same developer, repo, branch; gaps < 30m) — ⏎ replays ",
                m.period
            ),
            data: &m.table,
            visible,
            selected: super::selection(screen, visible),
            offset: screen.offset,
            sort: screen.sort,
            focused: true,
            empty: super::empty::lines(ctx, screen, m.sessions.len(), {
                let mut l =
                    super::empty::nothing_in_period("agent sessions", &m.period.to_string());
                l.push(Line::from(
                    "Replay joins agent sessions that share developer, repository and branch.",
                ));
                l
            }),
        },
        t,
    );
}
