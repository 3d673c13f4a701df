//! Sources: every collector and API with its state, last success, last error, lag and rows,
//! and what to configure next when something is missing.
//!
//! ```text
//! ┌ Sources ────────────────────────────────────────────────────────────────┐
//! │  state      source              kind    last success  lag   rows  error │
//! │▶ ✓ ok       claude_code_files   files   4s ago        4s    12k         │
//! │  ✗ failing  cursor              api     3h ago        3h    880   429 … │
//! └─────────────────────────────────────────────────────────────────────────┘
//!  Next: Cursor usage, spend and requests: set [sources.cursor] api_key_env
//! ```

use super::DrawCtx;
use crate::store::queries::source_status::SourceStatus;
use crate::store::{Reader, Result};
use crate::tui::format;
use crate::tui::state::Screen;
use crate::tui::widgets::table;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

/// A source whose last success is older than this is shown as stale.
pub const STALE_MS: i64 = 60 * 60_000;

/// Sources agentdeck knows how to collect, with the hint to enable each (settings named
/// here exist: README "Configuration" lists them).
const KNOWN: [(&str, &str); 8] = [
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
        "copilot_cli_files",
        "Copilot CLI sessions are read from ~/.copilot/session-state (or [sources] copilot_dirs)",
    ),
    (
        "anthropic_admin",
        "Anthropic usage, bill and Claude Code analytics: set [sources.anthropic_admin] api_key_env",
    ),
    (
        "cursor",
        "Cursor usage, spend and requests: set [sources.cursor] api_key_env",
    ),
    (
        "copilot",
        "Copilot metrics and seats: set [sources.copilot] org and api_key_env",
    ),
    (
        "openai_admin",
        "OpenAI usage and costs: set [sources.openai_admin] api_key_env",
    ),
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceLine {
    pub status: SourceStatus,
    pub state: &'static str,
    pub last_success: String,
    pub last_error: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourcesModel {
    pub lines: Vec<SourceLine>,
    /// Hints for known sources that have never reported.
    pub next: Vec<String>,
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
    Ok(SourcesModel { lines, next })
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
    let narrow = area.width < 100;
    let rows = table::window(visible, screen.offset, top)
        .iter()
        .map(|&i| {
            let l = &m.lines[i];
            let style = match l.state {
                "✗ failing" => t.critical,
                "◷ stale" => t.warning,
                "✓ ok" => t.ok,
                _ => t.muted,
            };
            let mut cells = vec![
                Line::from(Span::styled(l.state, style)),
                Line::from(l.status.source.clone()),
            ];
            if !narrow {
                cells.push(Line::from(l.status.kind.clone()));
            }
            cells.push(Line::from(l.last_success.clone()));
            cells.push(Line::from(format::count(l.status.rows)).right_aligned());
            cells.push(Line::from(Span::styled(l.last_error.clone(), t.muted)));
            cells
        })
        .collect();
    table::draw(
        f,
        top,
        table::TableSpec {
            title: " Sources ".into(),
            header: if narrow {
                vec!["state", "source", "last success", "rows", "last error"]
            } else {
                vec![
                    "state",
                    "source",
                    "kind",
                    "last success (lag)",
                    "rows",
                    "last error",
                ]
            },
            widths: if narrow {
                vec![
                    Constraint::Length(10),
                    Constraint::Length(18),
                    Constraint::Length(12),
                    Constraint::Length(6),
                    Constraint::Min(10),
                ]
            } else {
                vec![
                    Constraint::Length(10),
                    Constraint::Length(18),
                    Constraint::Length(10),
                    Constraint::Length(19),
                    Constraint::Length(7),
                    Constraint::Min(10),
                ]
            },
            rows,
            selected: super::selection(screen, visible),
            offset: screen.offset,
            total: visible.len(),
            focused: true,
            empty: vec![
                Line::from("No source has reported yet."),
                Line::from(
                    "Run `agentdeck ingest` to read local agent logs, or add vendor APIs in config.toml.",
                ),
            ],
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
