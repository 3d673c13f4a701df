//! Column widths from content, with priorities: a column that must stay whole (numbers) is
//! as wide as its widest cell or is left out; text columns may be cut to a minimum, with an
//! ellipsis; at narrow widths the lowest-priority columns drop first. Widths are display
//! cells (`unicode-width`), so wide CJK and emoji keep columns aligned.

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
}

/// How a column may shrink.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fit {
    /// Never cut (numbers, times): shown whole or not at all.
    Whole,
    /// May be cut down to `min` cells, with an ellipsis.
    Cut { min: u16 },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    pub header: String,
    pub align: Align,
    pub fit: Fit,
    /// 0 stays longest; higher numbers drop first when the table is too narrow.
    pub priority: u8,
    /// Drawn for the eye only (bars, sparklines): left out of `:export`.
    pub decoration: bool,
}

impl Column {
    /// A text column (left-aligned, cut with `…` down to `min` cells).
    pub fn text(header: &str, priority: u8, min: u16) -> Column {
        Column {
            header: header.to_string(),
            align: Align::Left,
            fit: Fit::Cut { min },
            priority,
            decoration: false,
        }
    }

    /// A number column (right-aligned, never cut).
    pub fn number(header: &str, priority: u8) -> Column {
        Column {
            header: header.to_string(),
            align: Align::Right,
            fit: Fit::Whole,
            priority,
            decoration: false,
        }
    }

    /// A column of glyphs drawn for the eye (bars, sparklines): never cut, left out of
    /// `:export`.
    pub fn decoration(header: &str, priority: u8) -> Column {
        Column {
            decoration: true,
            ..Column::whole(header, priority)
        }
    }

    /// A left-aligned column that is never cut (times, glyph strips, states).
    pub fn whole(header: &str, priority: u8) -> Column {
        Column {
            header: header.to_string(),
            align: Align::Left,
            fit: Fit::Whole,
            priority,
            decoration: false,
        }
    }
}

/// Display width of `s` in terminal cells.
pub fn width(s: &str) -> usize {
    UnicodeWidthStr::width(s)
}

/// `s` cut to at most `cells` display cells, ending in `…` when cut.
pub fn fit(s: &str, cells: usize) -> String {
    if width(s) <= cells {
        return s.to_string();
    }
    if cells == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > cells - 1 {
            break;
        }
        used += w;
        out.push(c);
    }
    out.push('…');
    out
}

/// `s` fitted to exactly `cells` cells: cut with `…`, or padded on the side `align` leaves.
pub fn pad(s: &str, cells: usize, align: Align) -> String {
    let s = fit(s, cells);
    let gap = cells.saturating_sub(width(&s));
    match align {
        Align::Left => format!("{s}{}", " ".repeat(gap)),
        Align::Right => format!("{}{s}", " ".repeat(gap)),
    }
}

/// The narrowest a column may be given its natural (widest content) width.
fn min_width(col: &Column, natural: u16) -> u16 {
    match col.fit {
        Fit::Whole => natural,
        Fit::Cut { min } => natural.min(min.max(1)),
    }
}

/// Widths for `columns` whose widest content is `natural`, inside `available` cells with
/// `spacing` cells between neighbours. `None` marks a column left out. Kept columns get their
/// minimum first; what is left goes to cut columns in priority order, never beyond their
/// natural width (spare room stays at the right instead of padding names). A column is
/// dropped rather than have a more important one cut: while some column is narrower than
/// its content, any column of lower priority goes first.
pub fn layout(
    columns: &[Column],
    natural: &[u16],
    available: u16,
    spacing: u16,
) -> Vec<Option<u16>> {
    let n = columns.len();
    let mut kept: Vec<bool> = vec![true; n];
    loop {
        let widths = layout_kept(columns, natural, available, spacing, &mut kept);
        let cut = (0..n)
            .filter(|&i| widths[i].is_some_and(|w| w < natural.get(i).copied().unwrap_or(0)))
            .map(|i| columns[i].priority)
            .min();
        let Some(cut) = cut else {
            return widths;
        };
        let victim = (0..n)
            .filter(|&i| kept[i] && columns[i].priority > cut)
            .max_by_key(|&i| (columns[i].priority, i));
        match victim {
            Some(v) => kept[v] = false,
            None => return widths,
        }
    }
}

/// [`layout`] for the columns still `kept`, dropping more (least important first) while
/// their minimum widths do not fit.
fn layout_kept(
    columns: &[Column],
    natural: &[u16],
    available: u16,
    spacing: u16,
    kept: &mut [bool],
) -> Vec<Option<u16>> {
    let n = columns.len();
    let nat = |i: usize| natural.get(i).copied().unwrap_or(0);
    let need = |kept: &[bool]| -> u32 {
        let count = kept.iter().filter(|k| **k).count() as u32;
        let cells: u32 = (0..n)
            .filter(|i| kept[*i])
            .map(|i| u32::from(min_width(&columns[i], nat(i))))
            .sum();
        cells + u32::from(spacing) * count.saturating_sub(1)
    };
    while need(kept) > u32::from(available) {
        // Drop the least important column (the rightmost among equals), keeping one.
        let victim = (0..n)
            .filter(|i| kept[*i])
            .max_by_key(|i| (columns[*i].priority, *i));
        match victim {
            Some(v) if kept.iter().filter(|k| **k).count() > 1 => kept[v] = false,
            _ => break,
        }
    }
    let mut widths: Vec<Option<u16>> = (0..n)
        .map(|i| kept[i].then(|| min_width(&columns[i], nat(i))))
        .collect();
    let used = need(kept);
    let mut spare = u32::from(available).saturating_sub(used);
    if used > u32::from(available) {
        // A single column wider than the table: cut it to what there is.
        if let Some(w) = widths.iter_mut().flatten().next() {
            *w = available;
        }
        return widths;
    }
    let mut order: Vec<usize> = (0..n).filter(|i| kept[*i]).collect();
    order.sort_by_key(|i| (columns[*i].priority, *i));
    for i in order {
        if spare == 0 {
            break;
        }
        if let Some(w) = widths[i].as_mut() {
            let grow = u32::from(nat(i).saturating_sub(*w)).min(spare);
            *w += grow as u16;
            spare -= grow;
        }
    }
    widths
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cols() -> Vec<Column> {
        vec![
            Column::text("name", 0, 6),
            Column::number("spend", 0),
            Column::number("share", 2),
            Column::text("flags", 1, 8),
        ]
    }

    #[test]
    fn wide_tables_get_natural_widths_and_no_padding() {
        let w = layout(&cols(), &[12, 7, 5, 30], 100, 1);
        assert_eq!(w, vec![Some(12), Some(7), Some(5), Some(30)]);
    }

    #[test]
    fn narrow_tables_drop_less_important_columns_before_cutting_text_never_numbers() {
        // 12+7+5+30 + 3 = 57; at 40 the flags (priority 1) must be cut: share (priority 2)
        // goes first, which gives the flags its five cells.
        let w = layout(&cols(), &[12, 7, 5, 30], 40, 1);
        assert_eq!(w, vec![Some(12), Some(7), None, Some(19)]);
        // At 24: min widths 6+7+5+8 + 3 = 29 > 24 → share (priority 2) goes; the name would
        // then be cut, so the flags (priority 1) go too and the name is whole.
        let w = layout(&cols(), &[12, 7, 5, 30], 24, 1);
        assert_eq!(w, vec![Some(12), Some(7), None, None]);
        // At 14: flags go too; spend stays whole.
        let w = layout(&cols(), &[12, 7, 5, 30], 14, 1);
        assert_eq!(w, vec![Some(6), Some(7), None, None]);
        for avail in 0..60u16 {
            for (i, x) in layout(&cols(), &[12, 7, 5, 30], avail, 1)
                .iter()
                .enumerate()
            {
                if let (Some(x), Fit::Whole) = (x, cols()[i].fit)
                    && avail >= 13
                {
                    assert_eq!(*x, [12, 7, 5, 30][i], "a number column was cut at {avail}");
                }
            }
        }
    }

    #[test]
    fn display_width_counts_wide_characters() {
        assert_eq!(width("日本語"), 6);
        assert_eq!(fit("日本語テキスト", 7), "日本語…");
        assert_eq!(fit("emeka.kowalski@acme.dev", 10), "emeka.kow…");
        assert_eq!(fit("short", 10), "short");
        assert_eq!(pad("42", 5, Align::Right), "   42");
        assert_eq!(pad("日本", 5, Align::Left), "日本 ");
    }
}
