//! Small domain-agnostic drawing helpers: text sparklines, bars and shades (so levels are
//! readable without colour), and a scrolling, filterable table.

pub mod table;

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
}
