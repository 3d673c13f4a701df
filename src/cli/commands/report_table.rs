//! The terminal table of a report: right-aligned figures, a TOTAL row, footnotes that say
//! which costs are estimates and which tokens have no known price, and a layout that fits
//! the terminal's width (long cells wrap; comfy-table does the arranging).

use super::report_render::{Document, plain, thousands, token_cells};
use comfy_table::{
    CellAlignment, ColumnConstraint, ContentArrangement, LineStyle, Table, TableStyle,
};
use std::io::{IsTerminal, Write};

/// Columns that are shown in JSON/CSV but are too detailed for the terminal table.
const HIDDEN: [&str; 4] = ["end_time", "is_gap", "actual_end_time", "started_at"];
/// Columns whose text may wrap; every other cell (figures, dates) keeps its width.
const WRAPPING: [&str; 9] = [
    "models",
    "session id",
    "project",
    "developer",
    "branch",
    "name",
    "model",
    "team",
    "id",
];
/// When even wrapping cannot fit the terminal, columns are left out in this order.
const DROP_ORDER: [&str; 13] = [
    "models",
    "start time",
    "is active",
    "entries",
    "cache write",
    "cache read",
    "branch",
    "developer",
    "last activity",
    "name",
    "agent",
    "output",
    "input",
];
/// A header rule and nothing else.
const STYLE: TableStyle =
    TableStyle::new().header_separator(LineStyle::none().fill('─').junction('─'));
/// Room a column takes besides its text (padding on both sides and the gap between).
const COLUMN_PADDING: usize = 3;
/// The narrowest a wrapping column gets.
const MIN_WRAP_WIDTH: usize = 12;

/// The width to fit: the terminal's when stdout is one, else `COLUMNS` when set, else none
/// (a table piped to a file keeps its natural width).
pub fn terminal_width() -> Option<u16> {
    if std::io::stdout().is_terminal()
        && let Ok((cols, _)) = crossterm::terminal::size()
        && cols > 0
    {
        return Some(cols);
    }
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<u16>().ok())
        .filter(|c| *c > 0)
}

impl Document {
    pub fn write_table(&self, out: &mut impl Write, width: Option<u16>) -> anyhow::Result<()> {
        if self.rows.is_empty() {
            writeln!(
                out,
                "No usage in this range. Run `agentdeck ingest` (or check --since/--until and the filters)."
            )?;
            return Ok(());
        }
        let shown: Vec<usize> = (0..self.columns.len())
            .filter(|&i| !HIDDEN.contains(&self.columns[i]))
            .collect();
        let mut header: Vec<String> = shown
            .iter()
            .map(|&i| self.columns[i].replace('_', " "))
            .collect();
        header.extend(
            [
                "input",
                "output",
                "cache write",
                "cache read",
                "total",
                "cost",
                "models",
            ]
            .map(String::from),
        );
        let mut table = Table::new();
        table.load_style(STYLE).set_header(header.clone());
        match width {
            Some(w) => {
                table
                    .set_content_arrangement(ContentArrangement::Dynamic)
                    .set_width(w);
            }
            None => {
                table.set_content_arrangement(ContentArrangement::Disabled);
            }
        }
        for r in &self.rows {
            let mut cells: Vec<String> = shown.iter().map(|&i| plain(&r.fields[i].1)).collect();
            cells.extend(token_cells(&r.line, true));
            table.add_row(cells);
        }
        let mut total: Vec<String> = (0..shown.len())
            .map(|n| {
                if n == 0 {
                    "TOTAL".into()
                } else {
                    String::new()
                }
            })
            .collect();
        total.extend(token_cells(&self.totals, true));
        table.add_row(total);
        // Figures are right-aligned; the models list is text.
        let figures = shown.len()..shown.len() + 6;
        for (i, column) in table.column_iter_mut().enumerate() {
            if figures.contains(&i) {
                column.set_cell_alignment(CellAlignment::Right);
            }
        }
        if let Some(width) = width {
            fit(&mut table, &header, usize::from(width));
        }
        for line in table.lines() {
            writeln!(out, "{}", line.trim_end())?;
        }
        writeln!(
            out,
            "Costs are estimates from list prices, except where the agent reported its own cost."
        )?;
        if self.totals.unpriced_tokens > 0 {
            writeln!(
                out,
                "+unpriced: {} tokens are from models with no known price and are not in the cost (see `agentdeck pricing`).",
                thousands(self.totals.unpriced_tokens)
            )?;
        }
        Ok(())
    }
}

/// Keeps figures and dates whole (they never wrap), lets text columns wrap, and leaves out
/// the least useful columns when even that cannot fit `width`.
fn fit(table: &mut Table, header: &[String], width: usize) {
    let natural: Vec<usize> = table
        .column_max_content_widths()
        .into_iter()
        .map(usize::from)
        .collect();
    let wraps = |i: usize| WRAPPING.contains(&header[i].as_str());
    let needed = |shown: &[bool]| -> usize {
        (0..header.len())
            .filter(|&i| shown[i])
            .map(|i| {
                let text = if wraps(i) {
                    natural[i].min(MIN_WRAP_WIDTH)
                } else {
                    natural[i]
                };
                text + COLUMN_PADDING
            })
            .sum()
    };
    let mut shown = vec![true; header.len()];
    for name in DROP_ORDER {
        if needed(&shown) <= width {
            break;
        }
        if let Some(i) = header.iter().position(|h| h == name) {
            shown[i] = false;
        }
    }
    for (i, column) in table.column_iter_mut().enumerate() {
        if !shown[i] {
            column.set_constraint(ColumnConstraint::Hidden);
        } else if !wraps(i) {
            column.set_constraint(ColumnConstraint::ContentWidth);
        }
    }
}
