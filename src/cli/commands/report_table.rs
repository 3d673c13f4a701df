//! The terminal table of a report: right-aligned figures, a TOTAL row, and footnotes that
//! say which costs are estimates and which tokens have no known price.

use super::report_render::{Document, plain, thousands, token_cells};
use std::io::Write;

impl Document {
    pub fn write_table(&self, out: &mut impl Write) -> anyhow::Result<()> {
        if self.rows.is_empty() {
            writeln!(
                out,
                "No usage in this range. Run `agentdeck ingest` (or check --since/--until and the filters)."
            )?;
            return Ok(());
        }
        let shown: Vec<usize> = (0..self.rows[0].fields.len())
            .filter(|&i| {
                !matches!(
                    self.rows[0].fields[i].0,
                    "end_time" | "is_gap" | "actual_end_time" | "started_at"
                )
            })
            .collect();
        let mut header: Vec<String> = shown
            .iter()
            .map(|&i| self.rows[0].fields[i].0.replace('_', " "))
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
        let mut table: Vec<Vec<String>> = vec![header];
        for r in &self.rows {
            let mut cells: Vec<String> = shown.iter().map(|&i| plain(&r.fields[i].1)).collect();
            cells.extend(token_cells(&r.line, true));
            table.push(cells);
        }
        let mut total: Vec<String> = shown
            .iter()
            .enumerate()
            .map(|(n, _)| {
                if n == 0 {
                    "TOTAL".into()
                } else {
                    String::new()
                }
            })
            .collect();
        total.extend(token_cells(&self.totals, true));
        table.push(total);
        let widths: Vec<usize> = (0..table[0].len())
            .map(|c| {
                table
                    .iter()
                    .map(|row| unicode_len(&row[c]))
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let numeric_from = shown.len();
        for (n, row) in table.iter().enumerate() {
            if n == table.len() - 1 {
                writeln!(
                    out,
                    "{}",
                    widths
                        .iter()
                        .map(|w| "─".repeat(*w))
                        .collect::<Vec<_>>()
                        .join("  ")
                )?;
            }
            let cells: Vec<String> = row
                .iter()
                .enumerate()
                .map(|(c, v)| {
                    let pad = widths[c].saturating_sub(unicode_len(v));
                    if c >= numeric_from && c < row.len() - 1 {
                        format!("{}{v}", " ".repeat(pad))
                    } else {
                        format!("{v}{}", " ".repeat(pad))
                    }
                })
                .collect();
            writeln!(out, "{}", cells.join("  ").trim_end())?;
            if n == 0 {
                writeln!(
                    out,
                    "{}",
                    widths
                        .iter()
                        .map(|w| "─".repeat(*w))
                        .collect::<Vec<_>>()
                        .join("  ")
                )?;
            }
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

/// Display width in columns (box-drawing and `→` are one column each).
fn unicode_len(s: &str) -> usize {
    s.chars().count()
}
