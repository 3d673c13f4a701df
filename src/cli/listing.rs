//! The plain listings commands print (alerts and their rules, the server's members and
//! tokens, the price table): columns as wide as their widest cell, header included, two
//! blanks apart, measured in display cells. A long e-mail, rule or model name widens its
//! column instead of pushing the ones after it out of line. The last column is not padded.
//! (Reports, which fit the terminal and wrap, use `commands/report_table.rs`.)

use crate::tui::widgets::columns::{Align, pad, width};
use std::io::Write;

const GAP: &str = "  ";

pub struct Listing {
    aligns: Vec<Align>,
    rows: Vec<Vec<String>>,
}

impl Listing {
    /// A listing with these column headers; `Align::Right` for figures.
    pub fn new(header: &[(&str, Align)]) -> Listing {
        Listing {
            aligns: header.iter().map(|(_, a)| *a).collect(),
            rows: vec![header.iter().map(|(h, _)| h.to_string()).collect()],
        }
    }

    /// One row; missing cells are blank, extra cells are dropped.
    pub fn row<S: Into<String>>(&mut self, cells: impl IntoIterator<Item = S>) {
        let mut row: Vec<String> = cells.into_iter().map(Into::into).collect();
        row.resize(self.aligns.len(), String::new());
        self.rows.push(row);
    }

    pub fn write(&self, out: &mut impl Write) -> std::io::Result<()> {
        let widths: Vec<usize> = (0..self.aligns.len())
            .map(|c| self.rows.iter().map(|r| width(&r[c])).max().unwrap_or(0))
            .collect();
        let last = self.aligns.len().saturating_sub(1);
        for row in &self.rows {
            let cells: Vec<String> = row
                .iter()
                .enumerate()
                .map(|(c, cell)| match self.aligns[c] {
                    Align::Left if c == last => cell.clone(),
                    align => pad(cell, widths[c], align),
                })
                .collect();
            writeln!(out, "{}", cells.join(GAP).trim_end())?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_take_their_widest_cell_and_line_up() {
        let mut l = Listing::new(&[
            ("id", Align::Right),
            ("developer", Align::Left),
            ("note", Align::Left),
        ]);
        l.row(["7", "maintainers@users.noreply.example", "a"]);
        l.row(["12", "日本@example.com", ""]);
        l.row(["3"]);
        let mut out = Vec::new();
        l.write(&mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text,
            "id  developer                          note\n \
              7  maintainers@users.noreply.example  a\n\
             12  日本@example.com\n \
              3\n"
        );
    }
}
