//! A table that draws only the rows in view (filtered indices, offset, selection marker),
//! so a frame costs the same at 10 rows or 10,000.

use crate::tui::theme::Theme;
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table};

pub struct TableSpec<'a> {
    pub title: String,
    pub header: Vec<&'a str>,
    pub widths: Vec<Constraint>,
    /// The rows in view (see [`window`]), starting at filtered row `offset`; each cell a
    /// styled line.
    pub rows: Vec<Vec<Line<'a>>>,
    pub selected: Option<usize>,
    pub offset: usize,
    /// Filtered rows in all (for the position indicator).
    pub total: usize,
    pub focused: bool,
    /// Shown instead of rows when there are none.
    pub empty: Vec<Line<'a>>,
}

/// The slice of `visible` a table drawn in `area` shows from `offset` on, so views format
/// only the rows on screen.
pub fn window(visible: &[usize], offset: usize, area: Rect) -> &[usize] {
    let start = offset.min(visible.len());
    let end = (start + visible_rows(area)).min(visible.len());
    &visible[start..end]
}

/// Rows that fit in a table drawn in `area` (borders and header taken off).
pub fn visible_rows(area: Rect) -> usize {
    area.height.saturating_sub(3) as usize
}

pub fn draw(f: &mut Frame, area: Rect, spec: TableSpec<'_>, theme: &Theme) {
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(if spec.focused {
            theme.border_focused
        } else {
            theme.border
        })
        .title(Span::styled(spec.title, theme.title));
    if spec.rows.is_empty() {
        let p = Paragraph::new(spec.empty).block(block).style(theme.muted);
        f.render_widget(p, area);
        return;
    }
    let height = visible_rows(area);
    let header = Row::new(
        spec.header
            .iter()
            .map(|h| Cell::from(Span::styled(h.to_string(), theme.header))),
    );
    let total = spec.total.max(spec.rows.len());
    let offset = spec.offset;
    let rows: Vec<Row> = spec
        .rows
        .into_iter()
        .take(height)
        .enumerate()
        .map(|(j, cells)| {
            let i = j + offset;
            let marker = if Some(i) == spec.selected { "▶" } else { " " };
            let mut all = vec![Cell::from(marker)];
            all.extend(cells.into_iter().map(Cell::from));
            let row = Row::new(all);
            if Some(i) == spec.selected {
                row.style(theme.selection)
            } else {
                row.style(theme.text)
            }
        })
        .collect();
    let mut widths = vec![Constraint::Length(1)];
    widths.extend(spec.widths);
    let mut header_cells = vec![Cell::from(" ")];
    header_cells.extend(
        spec.header
            .iter()
            .map(|h| Cell::from(Span::styled(h.to_string(), theme.header))),
    );
    let _ = header;
    let position = if total > height {
        format!(
            " {}–{} of {} ",
            spec.offset + 1,
            (spec.offset + height).min(total),
            total
        )
    } else {
        format!(" {total} ")
    };
    let table = Table::new(rows, widths)
        .header(Row::new(header_cells))
        .column_spacing(1)
        .block(block.title_bottom(Line::from(Span::styled(position, theme.muted)).right_aligned()));
    f.render_widget(table, area);
}
