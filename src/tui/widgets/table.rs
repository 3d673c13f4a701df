//! A table model built once per data change (formatted cells with a style role and a value
//! to sort and export by), and a drawing that shows only the rows in view (filtered and
//! sorted indices, offset, selection marker) with columns sized by [`super::columns`], so
//! a frame costs the same at 10 rows or 10,000 and no number is ever cut.

use super::columns::{self, Column, Fit};
use crate::tui::theme::Theme;
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell as TuiCell, Paragraph, Row, Table};
use std::cmp::Ordering;

/// What a cell looks like, resolved against the theme when drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Role {
    #[default]
    Text,
    Muted,
    Ok,
    Warning,
    Critical,
    Accent,
    Series(usize),
}

impl Role {
    pub fn style(self, t: &Theme) -> Style {
        match self {
            Role::Text => t.text,
            Role::Muted => t.muted,
            Role::Ok => t.ok,
            Role::Warning => t.warning,
            Role::Critical => t.critical,
            Role::Accent => t.accent,
            Role::Series(i) => t.series(i),
        }
    }
}

/// A cell's value for sorting and export (the text is what is shown).
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Value {
    /// Sorts last; exported empty.
    #[default]
    None,
    Int(i64),
    /// A number kept in millionths (money in USD): exported with six decimals.
    Micros(i64),
    Float(f64),
    /// Sorted and exported by this text instead of the shown one.
    Text(String),
    /// Sorted by this number, exported as the shown text: a rank (state, severity, age
    /// order) that is not itself a figure worth a column in a spreadsheet.
    Rank(i64),
}

impl Value {
    fn rank(&self) -> Option<f64> {
        match self {
            Value::Int(i) | Value::Micros(i) | Value::Rank(i) => Some(*i as f64),
            Value::Float(f) => Some(*f),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Cell {
    pub text: String,
    pub role: Role,
    pub value: Value,
}

impl Cell {
    pub fn new(text: impl Into<String>) -> Cell {
        Cell {
            text: text.into(),
            ..Cell::default()
        }
    }

    pub fn styled(text: impl Into<String>, role: Role) -> Cell {
        Cell {
            text: text.into(),
            role,
            value: Value::None,
        }
    }

    pub fn with(mut self, value: Value) -> Cell {
        self.value = value;
        self
    }

    /// The value to export: the explicit one, else the shown text.
    pub fn export(&self) -> ExportValue<'_> {
        match &self.value {
            Value::None | Value::Rank(_) => ExportValue::Text(&self.text),
            Value::Int(i) => ExportValue::Int(*i),
            Value::Micros(m) => ExportValue::Micros(*m),
            Value::Float(f) => ExportValue::Float(*f),
            Value::Text(t) => ExportValue::Text(t),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ExportValue<'a> {
    Text(&'a str),
    Int(i64),
    Micros(i64),
    Float(f64),
}

/// Sort direction; the header shows ▲ (ascending) or ▼ (descending).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dir {
    Asc,
    Desc,
}

/// The column a table is sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sort {
    pub column: usize,
    pub dir: Dir,
}

/// A whole table: columns, every row's cells, and each column's widest content.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TableData {
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<Cell>>,
    natural: Vec<u16>,
}

impl TableData {
    pub fn new(columns: Vec<Column>, rows: Vec<Vec<Cell>>) -> TableData {
        let mut natural: Vec<u16> = columns
            .iter()
            .map(|c| columns::width(&c.header) as u16)
            .collect();
        for row in &rows {
            for (i, cell) in row.iter().enumerate().take(natural.len()) {
                let w = columns::width(&cell.text).min(u16::MAX as usize) as u16;
                natural[i] = natural[i].max(w);
            }
        }
        TableData {
            columns,
            rows,
            natural,
        }
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Orders `indices` (rows) by `sort`; equal values keep their order, empty values last.
    pub fn sort(&self, indices: &mut [usize], sort: Sort) {
        let value = |i: usize| self.rows.get(i).and_then(|r| r.get(sort.column));
        indices.sort_by(|&a, &b| {
            let (x, y) = (value(a), value(b));
            let ord = match (
                x.and_then(|c| c.value.rank()),
                y.and_then(|c| c.value.rank()),
            ) {
                (Some(p), Some(q)) => p.partial_cmp(&q).unwrap_or(Ordering::Equal),
                (Some(_), None) => return Ordering::Less,
                (None, Some(_)) => return Ordering::Greater,
                (None, None) => {
                    let text = |c: Option<&Cell>| match c.map(|c| &c.value) {
                        Some(Value::Text(t)) => t.to_lowercase(),
                        _ => c.map(|c| c.text.to_lowercase()).unwrap_or_default(),
                    };
                    let (p, q) = (text(x), text(y));
                    match (p.is_empty(), q.is_empty()) {
                        (false, true) => return Ordering::Less,
                        (true, false) => return Ordering::Greater,
                        _ => p.cmp(&q),
                    }
                }
            };
            match sort.dir {
                Dir::Asc => ord,
                Dir::Desc => ord.reverse(),
            }
        });
    }

    /// The direction a fresh sort on `column` starts with: biggest first for numbers.
    pub fn default_dir(&self, column: usize) -> Dir {
        let numeric = self
            .rows
            .iter()
            .filter_map(|r| r.get(column))
            .any(|c| c.value.rank().is_some());
        if numeric { Dir::Desc } else { Dir::Asc }
    }
}

/// Everything one drawing needs.
pub struct TableView<'a> {
    pub title: String,
    pub data: &'a TableData,
    /// Row indices after filter and sort.
    pub visible: &'a [usize],
    /// Selected position in `visible`.
    pub selected: Option<usize>,
    pub offset: usize,
    pub sort: Option<Sort>,
    pub focused: bool,
    /// Shown instead of rows when `visible` is empty.
    pub empty: Vec<Line<'a>>,
}

/// Rows that fit in a table drawn in `area` (borders and header taken off).
pub fn visible_rows(area: Rect) -> usize {
    area.height.saturating_sub(3) as usize
}

fn header_label(col: &Column, sorted: Option<Dir>) -> String {
    match sorted {
        Some(Dir::Asc) => format!("{} ▲", col.header),
        Some(Dir::Desc) => format!("{} ▼", col.header),
        None => col.header.clone(),
    }
}

pub fn draw(f: &mut Frame, area: Rect, v: TableView<'_>, theme: &Theme) {
    let total = v.visible.len();
    let height = visible_rows(area);
    let position = if total > height && height > 0 {
        format!(
            " {}–{} of {} ",
            v.offset + 1,
            (v.offset + height).min(total),
            total
        )
    } else if total > 0 && height == 0 {
        // No room for a single row: say how many there are rather than nothing.
        format!(" {total} more ↓ ")
    } else {
        format!(" {total} ")
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(if v.focused {
            theme.border_focused
        } else {
            theme.border
        })
        .title(Span::styled(
            super::title(&v.title, area.width),
            theme.title,
        ))
        .title_bottom(Line::from(Span::styled(position, theme.muted)).right_aligned());
    if total == 0 {
        f.render_widget(
            Paragraph::new(v.empty)
                .wrap(ratatui::widgets::Wrap { trim: true })
                .block(block)
                .style(theme.muted),
            area,
        );
        return;
    }
    let data = v.data;
    // The marker column and one space between columns.
    let inner = area.width.saturating_sub(2 + 1);
    let sorted = |i: usize| v.sort.filter(|s| s.column == i).map(|s| s.dir);
    let mut natural = data.natural.clone();
    for (i, col) in data.columns.iter().enumerate() {
        if let (Some(dir), Some(n)) = (sorted(i), natural.get_mut(i)) {
            *n = (*n).max(columns::width(&header_label(col, Some(dir))) as u16);
        }
    }
    let widths = columns::layout(&data.columns, &natural, inner.saturating_sub(1), 1);
    let shown: Vec<(usize, u16)> = widths
        .iter()
        .enumerate()
        .filter_map(|(i, w)| w.map(|w| (i, w)))
        .collect();
    let header = std::iter::once(TuiCell::from(" ")).chain(shown.iter().map(|&(i, w)| {
        let col = &data.columns[i];
        let label = header_label(col, sorted(i));
        TuiCell::from(Span::styled(
            columns::pad(&label, w as usize, col.align),
            theme.header,
        ))
    }));
    let start = v.offset.min(total);
    let end = (start + height).min(total);
    let rows: Vec<Row> = (start..end)
        .map(|pos| {
            let cells = data.rows.get(v.visible[pos]);
            let marker = if Some(pos) == v.selected { "▶" } else { " " };
            let all = std::iter::once(TuiCell::from(marker)).chain(shown.iter().map(|&(i, w)| {
                let col = &data.columns[i];
                let cell = cells.and_then(|c| c.get(i));
                let text = cell.map(|c| c.text.as_str()).unwrap_or("");
                let text = match col.fit {
                    Fit::Whole if columns::width(text) > w as usize => "#".repeat(w as usize),
                    _ => columns::pad(text, w as usize, col.align),
                };
                TuiCell::from(Span::styled(
                    text,
                    cell.map(|c| c.role).unwrap_or_default().style(theme),
                ))
            }));
            let row = Row::new(all.collect::<Vec<_>>());
            if Some(pos) == v.selected {
                row.style(theme.selection)
            } else {
                row.style(theme.text)
            }
        })
        .collect();
    let mut constraints = vec![Constraint::Length(1)];
    constraints.extend(shown.iter().map(|&(_, w)| Constraint::Length(w)));
    let table = Table::new(rows, constraints)
        .header(Row::new(header.collect::<Vec<_>>()))
        .column_spacing(1)
        .block(block);
    f.render_widget(table, area);
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;

    fn data() -> TableData {
        let columns = vec![
            Column::text("name", 0, 6),
            Column::number("spend", 0),
            Column::number("share", 2),
            Column::text("flags", 1, 8),
            Column::number("tokens", 3),
        ];
        let rows = [
            (
                "emeka.kowalski@acme.dev",
                "$1,317",
                "62%",
                "⚠ 1 low accept · 309 unpriced",
                "12.3M",
            ),
            ("日本語のプロジェクト", "$0.0042", "0%", "", "950"),
            ("bo", "unpriced", "38%", "9 unpriced", "1.2k"),
        ]
        .iter()
        .map(|(a, b, c, d, e)| {
            vec![
                Cell::new(*a),
                Cell::new(*b).with(Value::Micros(1)),
                Cell::new(*c),
                Cell::new(*d),
                Cell::new(*e),
            ]
        })
        .collect();
        TableData::new(columns, rows)
    }

    fn render(width: u16, sort: Option<Sort>) -> Vec<String> {
        let d = data();
        let visible: Vec<usize> = (0..d.len()).collect();
        let mut term = Terminal::new(TestBackend::new(width, 8)).unwrap();
        term.draw(|f| {
            draw(
                f,
                f.area(),
                TableView {
                    title: " t ".into(),
                    data: &d,
                    visible: &visible,
                    selected: Some(0),
                    offset: 0,
                    sort,
                    focused: true,
                    empty: vec![],
                },
                &Theme::mono(),
            )
        })
        .unwrap();
        let buf = term.backend().buffer().clone();
        (0..8)
            .map(|y| {
                // A wide character fills two cells; the second holds nothing of its own.
                let mut line = String::new();
                let mut x = 0;
                while x < width {
                    let sym = buf[(x, y)].symbol();
                    line.push_str(sym);
                    x += columns::width(sym).max(1) as u16;
                }
                line
            })
            .collect()
    }

    #[test]
    fn numbers_are_never_cut_at_any_width_and_text_is_cut_with_an_ellipsis() {
        let d = data();
        for width in 12..=120u16 {
            let lines = render(width, None);
            let header = &lines[1];
            for (c, col) in d.columns.iter().enumerate() {
                let shown = header.contains(col.header.as_str());
                for (r, row) in d.rows.iter().enumerate() {
                    let line = &lines[2 + r];
                    let text = &row[c].text;
                    if col.fit == Fit::Whole && shown {
                        assert!(
                            line.contains(text.as_str()),
                            "{text} cut at {width}: {line}"
                        );
                    }
                    if col.fit != Fit::Whole && shown && !line.contains(text.as_str()) {
                        assert!(
                            line.contains('…'),
                            "{text} cut without … at {width}: {line}"
                        );
                    }
                }
            }
            // The money column is there whenever it can be.
            if width >= 24 {
                assert!(header.contains("spend"), "spend dropped at {width}");
            }
        }
    }

    #[test]
    fn headers_sit_over_their_values_and_show_the_sort() {
        let lines = render(
            100,
            Some(Sort {
                column: 1,
                dir: Dir::Desc,
            }),
        );
        let header = &lines[1];
        let row = &lines[2];
        // Right-aligned: the header's last cell is the value's last cell.
        let header_end = columns::width(&header[..header.find("spend ▼").unwrap()]) + 7;
        let value_end = columns::width(&row[..row.find("$1,317").unwrap()]) + 6;
        assert_eq!(header_end, value_end, "{header}\n{row}");
        // Wide characters keep the right border in place.
        for l in &lines[2..5] {
            assert_eq!(columns::width(l), 100, "{l}");
        }
    }

    #[test]
    fn sorting_by_numbers_and_text() {
        let d = TableData::new(
            vec![Column::text("k", 0, 4), Column::number("n", 0)],
            vec![
                vec![Cell::new("b"), Cell::new("2").with(Value::Int(2))],
                vec![Cell::new("a"), Cell::new("–")],
                vec![Cell::new("C"), Cell::new("10").with(Value::Int(10))],
            ],
        );
        let mut rows = vec![0, 1, 2];
        d.sort(
            &mut rows,
            Sort {
                column: 1,
                dir: Dir::Desc,
            },
        );
        assert_eq!(rows, vec![2, 0, 1], "empty values last");
        d.sort(
            &mut rows,
            Sort {
                column: 0,
                dir: Dir::Asc,
            },
        );
        assert_eq!(rows, vec![1, 0, 2], "case-insensitive text");
        assert_eq!(d.default_dir(1), Dir::Desc);
        assert_eq!(d.default_dir(0), Dir::Asc);
    }

    #[test]
    fn rows_that_do_not_fit_are_counted_not_hidden() {
        let d = data();
        let visible: Vec<usize> = (0..d.len()).collect();
        let mut term = Terminal::new(TestBackend::new(40, 3)).unwrap();
        term.draw(|f| {
            draw(
                f,
                f.area(),
                TableView {
                    title: " Open alerts ".into(),
                    data: &d,
                    visible: &visible,
                    selected: Some(0),
                    offset: 0,
                    sort: None,
                    focused: true,
                    empty: vec![Line::from("✓ nothing open")],
                },
                &Theme::mono(),
            )
        })
        .unwrap();
        let text: String = term
            .backend()
            .buffer()
            .content()
            .iter()
            .map(|c| c.symbol())
            .collect();
        assert!(text.contains("3 more ↓"), "{text}");
        assert!(!text.contains("nothing open"), "{text}");
    }
}
