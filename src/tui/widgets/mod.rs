//! Small domain-agnostic drawing helpers: text sparklines, bars and shades (so levels are
//! readable without colour), word wrapping by display width, column sizing, and a
//! scrolling, filterable, sortable table.

pub mod columns;
pub mod table;

use ratatui::text::{Line, Span};
use unicode_width::UnicodeWidthChar;

const SPARKS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
const SHADES: [char; 5] = ['·', '░', '▒', '▓', '█'];

/// A sparkline of `values` (relative to their maximum), one character each.
pub fn spark(values: &[i64]) -> String {
    let max = values.iter().copied().max().unwrap_or(0);
    values
        .iter()
        .map(|v| {
            if max <= 0 || *v <= 0 {
                if *v <= 0 { ' ' } else { SPARKS[0] }
            } else {
                SPARKS[((*v as f64 / max as f64) * 7.0).round() as usize]
            }
        })
        .collect()
}

/// A block title for a box `box_width` cells wide: cut with an ellipsis, never mid-word
/// without a mark (the border's corners and one cell each side are left free).
pub fn title(text: &str, box_width: u16) -> String {
    columns::fit(text, (box_width as usize).saturating_sub(4))
}

/// Whole `chunks` (each a few spans that belong together, such as a label and its
/// number) laid out on at most `max_lines` lines of `width` cells, in order; a chunk that
/// does not fit on the lines left is left out whole, never cut in the middle of a number.
/// A chunk that opens a new line drops its leading ` · ` separator (it keeps one space).
pub fn pack<'a>(chunks: Vec<Vec<Span<'a>>>, width: usize, max_lines: usize) -> Vec<Line<'a>> {
    let mut lines: Vec<Vec<Span<'a>>> = vec![Vec::new()];
    let mut used = 0;
    for mut chunk in chunks {
        let mut w: usize = chunk.iter().map(|s| columns::width(&s.content)).sum();
        if used + w > width && used > 0 {
            if lines.len() >= max_lines {
                continue;
            }
            lines.push(Vec::new());
            used = 0;
            if let Some(first) = chunk.first_mut()
                && let Some(rest) = first.content.strip_prefix(" · ")
            {
                first.content = format!(" {rest}").into();
                w -= 2;
            }
        }
        if w > width {
            continue;
        }
        used += w;
        if let Some(l) = lines.last_mut() {
            l.extend(chunk);
        }
    }
    lines.into_iter().map(Line::from).collect()
}

/// `values` in `cells` columns: consecutive values summed per column when there are more
/// values than columns (a year of days in a 60-cell sparkline), unchanged otherwise.
pub fn resample(values: &[i64], cells: usize) -> Vec<i64> {
    if cells == 0 || values.len() <= cells {
        return values.to_vec();
    }
    let per = values.len().div_ceil(cells);
    values.chunks(per).map(|c| c.iter().sum()).collect()
}

/// `text` split into lines of at most `width` display cells, at spaces where possible (a
/// word longer than a line is split). An empty text is one empty line.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut used = 0;
    for word in text.split(' ') {
        let w = columns::width(word);
        if used > 0 && used + 1 + w <= width {
            line.push(' ');
            line.push_str(word);
            used += 1 + w;
            continue;
        }
        if used > 0 {
            lines.push(std::mem::take(&mut line));
            used = 0;
        }
        for c in word.chars() {
            let cw = c.width().unwrap_or(0);
            if used + cw > width && used > 0 {
                lines.push(std::mem::take(&mut line));
                used = 0;
            }
            line.push(c);
            used += cw;
        }
    }
    lines.push(line);
    lines
}

/// A horizontal bar of `width` cells filled to `share` ∈ [0, 1], with eighth-blocks.
pub fn bar(share: f64, width: usize) -> String {
    const PARTS: [char; 8] = [' ', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];
    let eighths = (share.clamp(0.0, 1.0) * width as f64 * 8.0).round() as usize;
    let mut s: String = "█".repeat(eighths / 8);
    if !eighths.is_multiple_of(8) && s.chars().count() < width {
        s.push(PARTS[eighths % 8]);
    }
    while s.chars().count() < width {
        s.push(' ');
    }
    s
}

/// A shade glyph for a share ∈ [0, 1] (heatmaps stay readable in mono).
pub fn shade(share: f64) -> char {
    SHADES[((share.clamp(0.0, 1.0)) * 4.0).round() as usize]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glyphs_scale_with_values() {
        assert_eq!(spark(&[0, 5, 10]), " ▅█");
        assert_eq!(bar(0.5, 4), "██  ");
        assert_eq!(shade(1.0), '█');
        assert_eq!(shade(0.0), '·');
    }

    #[test]
    fn packing_keeps_chunks_whole() {
        let chunk = |t: &'static str| vec![Span::raw(t)];
        let lines = pack(
            vec![
                chunk("today $2.12"),
                chunk(" · month $6.73"),
                chunk(" · budget $5.88 of $450.00"),
            ],
            26,
            2,
        );
        let text: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
        assert_eq!(
            text,
            vec!["today $2.12 · month $6.73", " budget $5.88 of $450.00"],
            "a line never opens with the separator"
        );
        let lines = pack(vec![chunk("aaaa"), chunk("bbbb"), chunk("cc")], 5, 1);
        assert_eq!(lines[0].to_string(), "aaaa");
    }

    #[test]
    fn wrapping_and_resampling() {
        assert_eq!(
            wrap("the quick brown fox", 9),
            vec!["the quick", "brown fox"]
        );
        assert_eq!(wrap("abcdefghij", 4), vec!["abcd", "efgh", "ij"]);
        assert_eq!(wrap("", 4), vec![""]);
        assert_eq!(wrap("日本語テキスト", 6), vec!["日本語", "テキス", "ト"]);
        assert_eq!(resample(&[1, 2, 3, 4, 5], 2), vec![6, 9]);
        assert_eq!(resample(&[1, 2], 5), vec![1, 2]);
    }
}
