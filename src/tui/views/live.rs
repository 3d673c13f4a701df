//! Live: running and recent sessions across the team, newest first; ⏎ opens a session's
//! timeline (see `timeline.rs`), `d` its metadata. Running, idle and ended are the one rule
//! in `domain::session_state`.
//!
//! ```text
//!  3 running · 5 idle · 192 ended (newest 200)
//! ┌ Sessions ───────────────────────────────────────────────────────────────┐
//! │  state    developer  agent   project  branch  model   age  tokens  cost │
//! │▶ ● run    ana        claude  api      main    sonnet  12s  1.2M   $3.40 │
//! └─────────────────────────────────────────────────────────────────────────┘
//! ```

use super::DrawCtx;
use super::detail::{DetailModel, Open, When};
use crate::domain::session_state::SessionState;
use crate::store::queries::view_live::LiveSessionRow;
use crate::store::{Reader, Result};
use crate::tui::format;
use crate::tui::state::{Screen, ScreenKind};
use crate::tui::widgets::columns::Column;
use crate::tui::widgets::table::{self, Cell, Role, TableData, Value};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

/// Sessions shown at most.
pub const LIVE_LIMIT: usize = 200;

#[derive(Debug, Clone, PartialEq)]
pub struct LiveRow {
    pub session: LiveSessionRow,
    pub state: SessionState,
    /// Time since the last activity.
    pub age: String,
    /// Time from start to last activity.
    pub length: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LiveModel {
    pub rows: Vec<LiveRow>,
    pub running: usize,
    pub idle: usize,
    pub table: TableData,
    /// The current 5-hour block's burn rate per developer with a running or idle session.
    pub burn: std::collections::BTreeMap<String, crate::domain::blocks::BurnRate>,
}

/// Developers whose burn rate is computed at most (those with the newest activity).
const BURN_DEVELOPERS: usize = 12;

pub fn state_role(s: SessionState) -> Role {
    match s {
        SessionState::Running => Role::Ok,
        SessionState::Idle => Role::Text,
        SessionState::Ended => Role::Muted,
    }
}

/// A session's cost, `unpriced` when none of its tokens had a price.
pub fn session_cost(s: &LiveSessionRow) -> Cell {
    let text = if s.cost.micro_usd() == 0 && s.unpriced_tokens > 0 {
        "unpriced".to_string()
    } else {
        format::money(s.cost)
    };
    Cell::new(text).with(Value::Micros(s.cost.micro_usd()))
}

fn table(rows: &[LiveRow], now_ms: i64) -> TableData {
    let columns = vec![
        Column::whole("state", 0),
        Column::text("developer", 0, 8),
        Column::text("agent", 1, 6),
        Column::text("project", 1, 6),
        Column::text("branch", 3, 6),
        Column::text("model", 3, 8),
        Column::number("length", 4),
        Column::number("idle", 2),
        Column::number("tokens", 1),
        Column::number("cost", 0),
    ];
    let cells = rows
        .iter()
        .map(|r| {
            let s = &r.session;
            vec![
                Cell::styled(r.state.label(), state_role(r.state)).with(Value::Int(r.state as i64)),
                Cell::new(s.developer.clone()),
                Cell::new(s.agent.clone()),
                Cell::new(s.project.clone().unwrap_or_else(|| "–".into())),
                Cell::new(s.branch.clone().unwrap_or_else(|| "–".into())),
                Cell::new(s.model.clone().unwrap_or_else(|| "unknown".into())),
                Cell::new(r.length.clone()).with(Value::Rank(s.last_activity_at - s.started_at)),
                Cell::new(r.age.clone()).with(Value::Rank(now_ms - s.last_activity_at)),
                Cell::new(format::count(s.usage.total())).with(Value::Int(s.usage.total())),
                session_cost(s),
            ]
        })
        .collect();
    TableData::new(columns, cells)
}

pub fn load(reader: &Reader, now_ms: i64) -> Result<LiveModel> {
    let rows: Vec<LiveRow> = reader
        .live_sessions(LIVE_LIMIT)?
        .into_iter()
        .map(|s| LiveRow {
            state: SessionState::of(s.last_activity_at, now_ms),
            age: format::duration(now_ms - s.last_activity_at),
            length: format::duration(s.last_activity_at - s.started_at),
            session: s,
        })
        .collect();
    // Burn rates of the first developers with a session that has not ended: one read of
    // their last two blocks' requests.
    let mut developers: Vec<&str> = Vec::new();
    for r in rows.iter().filter(|r| r.state != SessionState::Ended) {
        let dev = r.session.developer.as_str();
        if developers.len() < BURN_DEVELOPERS && !developers.contains(&dev) {
            developers.push(dev);
        }
    }
    let since = now_ms - 2 * crate::domain::blocks::BLOCK_MS;
    let mut burn = std::collections::BTreeMap::new();
    for (dev, timeline) in reader.recent_requests_of(&developers, since)? {
        let entries: Vec<crate::domain::blocks::Entry> = timeline
            .iter()
            .map(|t| crate::domain::blocks::Entry {
                ts: t.ts,
                usage: t.usage,
                cost: t.cost,
                unpriced: t.unpriced,
                model: &t.model,
            })
            .collect();
        if let Some(b) = crate::domain::blocks::identify(&entries, now_ms)
            .last()
            .and_then(|b| crate::domain::blocks::burn(b, now_ms))
        {
            burn.insert(dev, b);
        }
    }
    Ok(LiveModel {
        burn,
        running: rows
            .iter()
            .filter(|r| r.state == SessionState::Running)
            .count(),
        idle: rows
            .iter()
            .filter(|r| r.state == SessionState::Idle)
            .count(),
        table: table(&rows, now_ms),
        rows,
    })
}

/// Every field of a session.
pub fn session_fields(s: &LiveSessionRow, when: When) -> Vec<(String, String)> {
    let u = &s.usage;
    vec![
        (
            "state".into(),
            SessionState::of(s.last_activity_at, when.now_ms)
                .label()
                .into(),
        ),
        ("agent".into(), s.agent.clone()),
        ("session".into(), s.session_key.clone()),
        ("developer".into(), s.developer.clone()),
        (
            "project".into(),
            s.project.clone().unwrap_or_else(|| "–".into()),
        ),
        (
            "branch".into(),
            s.branch.clone().unwrap_or_else(|| "–".into()),
        ),
        (
            "model".into(),
            s.model.clone().unwrap_or_else(|| "unknown".into()),
        ),
        ("started".into(), when.at(s.started_at)),
        ("last activity".into(), when.at(s.last_activity_at)),
        (
            "length".into(),
            format::duration(s.last_activity_at - s.started_at),
        ),
        ("requests".into(), s.requests.to_string()),
        (
            "tokens".into(),
            format!(
                "{} total: {} input, {} output ({} reasoning), {} cache write, {} cache read",
                format::count(u.total()),
                format::count(u.input),
                format::count(u.output),
                format::count(u.reasoning),
                format::count(u.cache_write_5m + u.cache_write_1h),
                format::count(u.cache_read)
            ),
        ),
        (
            "cost".into(),
            if s.unpriced_tokens > 0 {
                format!(
                    "{} computed; {} tokens unpriced (no price for the model)",
                    format::money(s.cost),
                    format::count(s.unpriced_tokens)
                )
            } else {
                format!("{} computed from list prices", format::money(s.cost))
            },
        ),
    ]
}

pub fn detail(r: &LiveRow, when: When) -> DetailModel {
    let s = &r.session;
    DetailModel::new(
        format!("session {} · {} · {}", s.session_key, s.developer, s.agent),
        session_fields(s, when),
    )
    .opening(Open::Screen(
        ScreenKind::Session { id: s.id },
        "its timeline".into(),
    ))
}

pub fn table_area(body: Rect) -> Rect {
    Layout::vertical([Constraint::Length(1), Constraint::Min(3)]).split(body)[1]
}

pub fn draw(
    f: &mut Frame,
    area: Rect,
    m: &LiveModel,
    screen: &Screen,
    visible: &[usize],
    ctx: &DrawCtx,
) {
    let t = ctx.theme;
    let parts = Layout::vertical([Constraint::Length(1), Constraint::Min(3)]).split(area);
    let mut chunks = vec![
        vec![Span::styled(format!(" {} running", m.running), t.ok)],
        vec![Span::styled(format!(" · {} idle", m.idle), t.muted)],
        vec![Span::styled(
            format!(" · {} ended", m.rows.len() - m.running - m.idle),
            t.muted,
        )],
        vec![Span::styled(format!("   (newest {LIVE_LIMIT};"), t.muted)],
        vec![Span::styled(" cost computed from list prices)", t.muted)],
    ];
    // The focused developer's current 5-hour block: pace and where it ends up.
    let focused = super::selection(screen, visible)
        .and_then(|s| visible.get(s))
        .and_then(|&i| m.rows.get(i))
        .map(|r| r.session.developer.clone());
    if let Some((dev, b)) = focused.as_ref().and_then(|d| m.burn.get(d).map(|b| (d, b))) {
        chunks.push(vec![Span::styled(
            format!(
                "   {dev} 5h block: {} tok/min · {}/h → {} at end ({}m left, est.)",
                format::count(b.tokens_per_minute.round() as i64),
                format::money(crate::domain::Money::from_usd(b.usd_per_hour)),
                format::money(b.projected_cost),
                b.minutes_left
            ),
            t.accent,
        )]);
    }
    let summary = crate::tui::widgets::pack(chunks, area.width as usize, 1);
    f.render_widget(Paragraph::new(summary), parts[0]);
    table::draw(
        f,
        parts[1],
        table::TableView {
            title: " Sessions — ⏎ tails one, d details ".into(),
            data: &m.table,
            visible,
            selected: super::selection(screen, visible),
            offset: screen.offset,
            sort: screen.sort,
            focused: true,
            empty: super::empty::lines(
                ctx,
                screen,
                m.rows.len(),
                vec![
                    Line::from("No sessions yet."),
                    Line::from(
                        "Run an agent (Claude Code, Codex, Gemini CLI) on this machine, or point",
                    ),
                    Line::from(
                        "[sources] claude_dirs / codex_dirs / gemini_dirs in config.toml at their logs,",
                    ),
                    Line::from("or try `agentdeck --demo`."),
                ],
            ),
        },
        t,
    );
}
