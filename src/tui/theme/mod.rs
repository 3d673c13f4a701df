//! Themes: semantic roles (title, selection, alert_critical, heatmap_ramp, …) resolved to
//! ratatui styles. The only module allowed to name colours; views ask for roles.

mod load;

pub use load::{BUILTIN_THEMES, ThemeCatalog, ThemeError, ThemeSource};

use ratatui::style::{Color, Modifier, Style};

/// Every role, with the role it falls back to when a theme does not set it.
pub const ROLES: [(&str, Option<&str>); 18] = [
    ("text", None),
    ("muted", Some("text")),
    ("title", Some("text")),
    ("border", Some("muted")),
    ("border_focused", Some("title")),
    ("header", Some("title")),
    ("selection", None),
    ("tab_active", Some("selection")),
    ("tab_inactive", Some("muted")),
    ("status_bar", Some("text")),
    ("accent", Some("title")),
    ("key_hint", Some("accent")),
    ("ok", Some("text")),
    ("alert_warning", Some("text")),
    ("alert_critical", Some("alert_warning")),
    ("alert_info", Some("text")),
    ("heatmap_ramp", None),
    ("chart_series", None),
];

/// A resolved theme.
#[derive(Debug, Clone, PartialEq)]
pub struct Theme {
    pub name: String,
    pub description: String,
    pub text: Style,
    pub muted: Style,
    pub title: Style,
    pub border: Style,
    pub border_focused: Style,
    pub header: Style,
    pub selection: Style,
    pub tab_active: Style,
    pub tab_inactive: Style,
    pub status_bar: Style,
    pub accent: Style,
    pub key_hint: Style,
    pub ok: Style,
    pub warning: Style,
    pub critical: Style,
    pub info: Style,
    /// Low → high; glyphs carry the level too, so colour is never the only signal.
    pub heatmap_ramp: Vec<Style>,
    pub chart_series: Vec<Style>,
}

impl Theme {
    /// The built-in `mono` theme, usable without any file (and in tests).
    pub fn mono() -> Theme {
        let bold = Style::new().add_modifier(Modifier::BOLD);
        Theme {
            name: "mono".into(),
            description: "no colour; bold, reverse and underline only".into(),
            text: Style::new(),
            muted: Style::new().add_modifier(Modifier::DIM),
            title: bold,
            border: Style::new(),
            border_focused: bold,
            header: bold.add_modifier(Modifier::UNDERLINED),
            selection: Style::new().add_modifier(Modifier::REVERSED),
            tab_active: bold.add_modifier(Modifier::REVERSED),
            tab_inactive: Style::new(),
            status_bar: Style::new(),
            accent: bold,
            key_hint: bold,
            ok: Style::new(),
            warning: bold,
            critical: bold.add_modifier(Modifier::REVERSED),
            info: Style::new(),
            heatmap_ramp: vec![Style::new(), Style::new(), Style::new(), bold, bold],
            chart_series: vec![Style::new()],
        }
    }

    /// Heatmap style for a share in `[0, 1]`.
    pub fn heat(&self, share: f64) -> Style {
        if self.heatmap_ramp.is_empty() {
            return self.text;
        }
        let n = self.heatmap_ramp.len();
        let i = ((share.clamp(0.0, 1.0) * (n as f64 - 1.0)).round() as usize).min(n - 1);
        self.heatmap_ramp[i]
    }

    pub fn series(&self, i: usize) -> Style {
        if self.chart_series.is_empty() {
            self.accent
        } else {
            self.chart_series[i % self.chart_series.len()]
        }
    }

    /// Resets every colour (keeps bold/reverse/underline), for `--color=never` on a
    /// colourful theme.
    pub fn without_colour(mut self) -> Theme {
        let strip = |s: Style| Style {
            fg: None,
            bg: None,
            underline_color: None,
            ..s
        };
        for s in [
            &mut self.text,
            &mut self.muted,
            &mut self.title,
            &mut self.border,
            &mut self.border_focused,
            &mut self.header,
            &mut self.selection,
            &mut self.tab_active,
            &mut self.tab_inactive,
            &mut self.status_bar,
            &mut self.accent,
            &mut self.key_hint,
            &mut self.ok,
            &mut self.warning,
            &mut self.critical,
            &mut self.info,
        ] {
            *s = strip(*s);
        }
        self.heatmap_ramp = self.heatmap_ramp.into_iter().map(strip).collect();
        self.chart_series = self.chart_series.into_iter().map(strip).collect();
        self
    }
}

/// `cyan`, `lightred`, `#88c0d0`, `reset`, or an ANSI index `0`–`255`.
pub fn parse_color(s: &str) -> Option<Color> {
    let c = match s.to_ascii_lowercase().replace(['_', '-', ' '], "").as_str() {
        "reset" | "default" => Color::Reset,
        "black" => Color::Black,
        "red" => Color::Red,
        "green" => Color::Green,
        "yellow" => Color::Yellow,
        "blue" => Color::Blue,
        "magenta" => Color::Magenta,
        "cyan" => Color::Cyan,
        "gray" | "grey" => Color::Gray,
        "darkgray" | "darkgrey" => Color::DarkGray,
        "lightred" => Color::LightRed,
        "lightgreen" => Color::LightGreen,
        "lightyellow" => Color::LightYellow,
        "lightblue" => Color::LightBlue,
        "lightmagenta" => Color::LightMagenta,
        "lightcyan" => Color::LightCyan,
        "white" => Color::White,
        hex if hex.starts_with('#') && hex.len() == 7 => {
            let v = u32::from_str_radix(&hex[1..], 16).ok()?;
            Color::Rgb((v >> 16) as u8, (v >> 8) as u8, v as u8)
        }
        n => Color::Indexed(n.parse::<u8>().ok()?),
    };
    Some(c)
}

/// Whether a colour is one of the 16 ANSI colours (or the terminal default).
pub fn is_ansi16(c: Color) -> bool {
    !matches!(c, Color::Rgb(..) | Color::Indexed(_))
}

/// Every colour a theme uses (for `themes check` and tests).
pub fn colours(theme: &Theme) -> Vec<Color> {
    let mut styles = vec![
        theme.text,
        theme.muted,
        theme.title,
        theme.border,
        theme.border_focused,
        theme.header,
        theme.selection,
        theme.tab_active,
        theme.tab_inactive,
        theme.status_bar,
        theme.accent,
        theme.key_hint,
        theme.ok,
        theme.warning,
        theme.critical,
        theme.info,
    ];
    styles.extend(theme.heatmap_ramp.iter().copied());
    styles.extend(theme.chart_series.iter().copied());
    styles.iter().flat_map(|s| [s.fg, s.bg]).flatten().collect()
}
