//! Why a table is empty, said honestly: a filter that matches nothing, no data in the
//! period on screen, or no data at all (and how to get some). Never "nothing open" while
//! rows exist; the table widget says "N more ↓" when rows exist but do not fit.

use super::DrawCtx;
use crate::tui::state::Screen;
use ratatui::text::Line;

/// Lines for an empty table of `screen` whose model has `rows` rows before filtering.
/// `no_rows` is what the view says when it has no rows at all (data exists elsewhere).
pub fn lines<'a>(
    ctx: &DrawCtx,
    screen: &Screen,
    rows: usize,
    no_rows: Vec<Line<'a>>,
) -> Vec<Line<'a>> {
    if rows > 0 && !screen.filter.trim().is_empty() {
        return vec![
            Line::from(format!("No match for filter /{}.", screen.filter.trim())),
            Line::from(format!(
                "{} rows hidden by it; esc clears the filter.",
                rows
            )),
        ];
    }
    if ctx.state.status.has_data == Some(false) {
        return no_data_at_all();
    }
    no_rows
}

/// The store holds no agent activity yet.
pub fn no_data_at_all<'a>() -> Vec<Line<'a>> {
    vec![
        Line::from("No data at all yet."),
        Line::from(
            "Run `agentdeck ingest` to read this machine's Claude Code, Codex and Gemini CLI",
        ),
        Line::from("logs, configure vendor APIs or a team server in config.toml, or try"),
        Line::from("`agentdeck --demo`."),
    ]
}

/// There is data, but none of this kind in the period on screen.
pub fn nothing_in_period<'a>(what: &str, period: &str) -> Vec<Line<'a>> {
    vec![
        Line::from(format!("No {what} in this period ({period}).")),
        Line::from("[ and ] step the period, p cycles it, :since 90d or :range A..B widen it."),
    ]
}
