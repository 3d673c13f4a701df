//! Sources: every collector and API with its state, last success, last error, lag and rows,
//! and what to configure next when something is missing. Enter opens one source's detail:
//! the last error in full, skipped lines with file:line, the settings in effect (no secret).
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
use crate::store::queries::source_status::{SourceDetail, SourceStatus};
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

/// Sources agentdeck knows how to collect, with the hint to enable each (settings named
/// here exist: the README shows each section's keys).
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
    /// The source's health in full (the detail pane): when, what, the error, skipped lines,
    /// settings.
    pub full: Vec<String>,
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
                        .with(Value::Rank(-l.status.last_success.unwrap_or(i64::MIN / 2))),
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
    let details = reader.source_details()?;
    let lines = details
        .into_iter()
        .map(|d| {
            let skipped = d.skipped_total();
            let full = detail_lines(&d, now_ms);
            let s = d.status;
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
                    (Some(e), Some(at)) if s.is_failing() => {
                        format!("{} ({})", e, format::ago(at, now_ms))
                    }
                    (Some(e), None) => e.clone(),
                    _ if skipped > 0 => format!("{skipped} skipped line(s) — Enter lists them"),
                    _ => String::new(),
                },
                status: s,
                full,
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

/// The detail as plain lines: when, what, the error in full, skipped lines, settings.
pub fn detail_lines(d: &SourceDetail, now_ms: i64) -> Vec<String> {
    let when = |t: Option<i64>| {
        t.map(|t| {
            let stamp = chrono::DateTime::from_timestamp_millis(t)
                .map(|x| x.format("%Y-%m-%d %H:%M:%S UTC").to_string())
                .unwrap_or_default();
            if t > now_ms {
                format!(
                    "{stamp} (in {})",
                    format::ago(now_ms, t).trim_end_matches(" ago")
                )
            } else {
                format!("{stamp} ({})", format::ago(t, now_ms))
            }
        })
        .unwrap_or_else(|| "never".into())
    };
    let s = &d.status;
    // A source that records successes without runs (telemetry, pushes, the demo's) has no
    // "last run" to speak of: only its totals are said.
    let read = match d.last_run {
        Some(_) => format!(
            "last run read {} {}, added {} row(s); {} row(s) in all",
            d.items_read,
            if d.items_read == 1 {
                d.item_unit.trim_end_matches('s')
            } else {
                &d.item_unit
            },
            d.last_rows,
            s.rows
        ),
        None => format!("rows          {} in all", s.rows),
    };
    let mut out = vec![format!("kind          {}", s.kind)];
    if d.last_run.is_some() {
        out.push(format!("last run      {}", when(d.last_run)));
    }
    out.extend([
        format!("last success  {}", when(s.last_success)),
        format!(
            "next run      {}",
            if d.next_run.is_some() {
                when(d.next_run)
            } else {
                "with the next refresh".into()
            }
        ),
        read,
        String::new(),
    ]);
    match (&s.last_error, s.last_error_at) {
        (Some(e), at) => {
            let label = if s.is_failing() {
                "last error"
            } else {
                "last error (recovered since)"
            };
            out.push(format!("{label}, {}:", when(at)));
            out.push(format!("  {e}"));
        }
        (None, _) => out.push("no error recorded".into()),
    }
    if !d.run_problems.is_empty() {
        out.push(String::new());
        let kinds: Vec<String> = d
            .run_problems
            .by_kind
            .iter()
            .map(|(k, n)| format!("{n} {k}"))
            .collect();
        out.push(format!("problems in the last run: {}", kinds.join(", ")));
        out.extend(d.run_problems.first.iter().map(|p| format!("  {p}")));
    }
    if d.skipped_total() > 0 {
        out.push(String::new());
        let kinds: Vec<String> = d
            .skipped_by_reason
            .iter()
            .map(|(k, n)| format!("{n} {k}"))
            .collect();
        out.push(format!("skipped lines on record: {}", kinds.join(", ")));
        out.extend(d.skipped_first.iter().map(|l| format!("  {l}")));
        if d.skipped_total() > d.skipped_first.len() as i64 {
            out.push("  … `agentdeck sources --json` lists more".into());
        }
    }
    if let Some(settings) = d
        .settings
        .as_deref()
        .and_then(|j| serde_json::from_str::<serde_json::Value>(j).ok())
        && let Some(map) = settings.as_object()
    {
        out.push(String::new());
        out.push("settings in effect (keys are never shown):".into());
        for (k, v) in map.iter().filter(|(_, v)| !v.is_null()) {
            let v = match v {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            out.push(format!("  {k:<14}{v}"));
        }
    }
    out
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
