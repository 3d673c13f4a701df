//! Sources: every collector and API with its state, last success, last error, lag and rows,
//! and what to configure next when something is missing.
//!
//! ```text
//! ┌ Sources ────────────────────────────────────────────────────────────────┐
//! │  state      source              kind    last success  lag   rows  error │
//! │▶ ✓ ok       claude_code_files   files   4s ago        4s    12k         │
//! │  ✗ failing  cursor              api     3h ago        3h    880   429 … │
//! └─────────────────────────────────────────────────────────────────────────┘
//!  Next: set [sources.cursor] api_key_env to add Cursor usage
//! ```

use super::DrawCtx;
use crate::store::queries::source_status::SourceStatus;
use crate::store::{Reader, Result};
use crate::tui::format;
use crate::tui::state::Screen;
use crate::tui::widgets::columns::Column;
use crate::tui::widgets::table::{self, Cell, Role, TableData, Value};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

/// A source whose last success is older than this is shown as stale.
pub const STALE_MS: i64 = 60 * 60_000;

/// Sources agentdeck knows how to collect, with the hint to enable each.
const KNOWN: [(&str, &str); 6] = [
    (
        "claude_code_files",
        "Claude Code logs are read from ~/.claude/projects (or [sources] claude_dirs)",
    ),
    (
        "codex_files",
        "Codex rollouts are read from ~/.codex/sessions (or [sources] codex_dirs)",
    ),
    (
        "gemini_files",
        "Gemini CLI chats are read from ~/.gemini/tmp (or [sources] gemini_dirs)",
    ),
    (
        "cursor",
        "Cursor usage: set [sources.cursor] api_key_env in config.toml",
    ),
    (
        "copilot",
        "Copilot metrics: set [sources.copilot] org and token_env in config.toml",
    ),
    (
        "github",
        "PR outcomes: set [sources.github] org and token_env in config.toml",
    ),
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceLine {
    pub status: SourceStatus,
    pub state: &'static str,
    pub last_success: String,
    pub last_error: String,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct SourcesModel {
    pub lines: Vec<SourceLine>,
    /// Hints for known sources that have never reported.
    pub next: Vec<String>,
    pub table: TableData,
}

impl SourcesModel {
    pub fn new(lines: Vec<SourceLine>, next: Vec<String>) -> SourcesModel {
        let columns = vec![
            Column::whole("state", 0),
            Column::text("source", 0, 10),
            Column::text("kind", 3, 5),
            Column::number("last success", 1),
            Column::number("rows", 2),
            Column::text("last error (d: in full)", 1, 12),
        ];
        let rows = lines
            .iter()
            .map(|l| {
                let role = match l.state {
                    "✗ failing" => Role::Critical,
                    "◷ stale" => Role::Warning,
                    "✓ ok" => Role::Ok,
                    _ => Role::Muted,
                };
                vec![
                    Cell::styled(l.state, role),
                    Cell::new(l.status.source.clone()),
                    Cell::new(l.status.kind.clone()),
                    Cell::new(l.last_success.clone())
                        .with(Value::Int(-l.status.last_success.unwrap_or(i64::MIN / 2))),
                    Cell::new(format::count(l.status.rows)).with(Value::Int(l.status.rows)),
                    Cell::styled(l.last_error.clone(), Role::Muted),
                ]
            })
            .collect();
        SourcesModel {
            table: TableData::new(columns, rows),
            lines,
            next,
        }
    }
}

impl SourcesModel {
    pub fn row_texts(&self) -> Vec<String> {
        self.lines
            .iter()
            .map(|l| {
                format!(
                    "{} {} {} {}",
                    l.state, l.status.source, l.status.kind, l.last_error
                )
            })
            .collect()
    }
}

pub fn load(reader: &Reader, now_ms: i64) -> Result<SourcesModel> {
    let status = reader.source_status()?;
    let lines = status
        .into_iter()
        .map(|s| {
            let state = if s.is_failing() {
                "✗ failing"
            } else if s.last_success.is_some_and(|t| now_ms - t > STALE_MS) {
                "◷ stale"
            } else if s.last_success.is_some() {
                "✓ ok"
            } else {
                "… waiting"
            };
            SourceLine {
                state,
                last_success: s
                    .last_success
                    .map(|t| format::ago(t, now_ms))
                    .unwrap_or_else(|| "never".into()),
                last_error: match (&s.last_error, s.last_error_at) {
                    (Some(e), Some(at)) => format!("{} ({})", e, format::ago(at, now_ms)),
                    (Some(e), None) => e.clone(),
                    _ => String::new(),
                },
                status: s,
            }
        })
        .collect::<Vec<_>>();
    let next = KNOWN
        .iter()
        .filter(|(name, _)| !lines.iter().any(|l: &SourceLine| l.status.source == *name))
        .map(|(_, hint)| hint.to_string())
        .collect();
    Ok(SourcesModel::new(lines, next))
}

fn split(body: Rect) -> (Rect, Rect) {
    let parts = Layout::vertical([Constraint::Min(4), Constraint::Length(5)]).split(body);
    (parts[0], parts[1])
}

pub fn table_area(body: Rect) -> Rect {
    split(body).0
}

pub fn draw(
    f: &mut Frame,
    area: Rect,
    m: &SourcesModel,
    screen: &Screen,
    visible: &[usize],
    ctx: &DrawCtx,
) {
    let t = ctx.theme;
    let (top, bottom) = split(area);
    table::draw(
        f,
        top,
        table::TableView {
            title: " Sources — ⏎ details ".into(),
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
                vec![
                    Line::from("No source has reported yet."),
                    Line::from(
                        "Run `agentdeck ingest` to read local agent logs, or add vendor APIs in config.toml.",
                    ),
                ],
            ),
        },
        t,
    );
    let mut lines = vec![Line::from(Span::styled("What to configure next:", t.title))];
    if m.next.is_empty() {
        lines.push(Line::from(Span::styled(
            "✓ every known source is reporting",
            t.muted,
        )));
    }
    lines.extend(
        m.next
            .iter()
            .map(|h| Line::from(Span::styled(format!("• {h}"), t.muted))),
    );
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), bottom);
}
