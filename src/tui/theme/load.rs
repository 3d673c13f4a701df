//! Reading theme files: built-ins embedded at build time, user themes in
//! `<config>/themes/NAME.toml` shadowing them, `extends` chains, palette references and
//! role fallbacks. Every error names the file, line and column.

use super::{ROLES, Theme, parse_color};
use ratatui::style::{Modifier, Style};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use toml::Spanned;

pub const BUILTIN_THEMES: [(&str, &str); 5] = [
    ("default", include_str!("../../../themes/default.toml")),
    ("mono", include_str!("../../../themes/mono.toml")),
    (
        "high-contrast",
        include_str!("../../../themes/high-contrast.toml"),
    ),
    ("dusk", include_str!("../../../themes/dusk.toml")),
    ("daylight", include_str!("../../../themes/daylight.toml")),
];

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}:{column}: {message}")]
pub struct ThemeError {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ThemeSource {
    Builtin,
    User(PathBuf),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTheme {
    name: Option<String>,
    description: Option<String>,
    extends: Option<Spanned<String>>,
    #[serde(default)]
    palette: BTreeMap<String, Spanned<String>>,
    #[serde(default)]
    roles: BTreeMap<Spanned<String>, Spanned<toml::Value>>,
}

#[derive(Clone)]
struct Loc {
    file: String,
    text: String,
    start: usize,
}

impl Loc {
    fn error(&self, message: impl Into<String>) -> ThemeError {
        let (line, column) = line_col(&self.text, self.start);
        ThemeError {
            file: self.file.clone(),
            line,
            column,
            message: message.into(),
        }
    }
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before
        .rsplit('\n')
        .next()
        .map(|l| l.chars().count())
        .unwrap_or(0)
        + 1;
    (line, column)
}

/// A theme file flattened through its `extends` chain.
#[derive(Default)]
struct Flat {
    name: String,
    description: String,
    palette: BTreeMap<String, (String, Loc)>,
    roles: BTreeMap<String, (toml::Value, Loc)>,
}

/// Known themes: built-ins, then user files shadowing them by name.
#[derive(Debug, Clone)]
pub struct ThemeCatalog {
    entries: Vec<(String, ThemeSource, String)>,
}

impl ThemeCatalog {
    pub fn builtin() -> ThemeCatalog {
        ThemeCatalog {
            entries: BUILTIN_THEMES
                .iter()
                .map(|(n, t)| (n.to_string(), ThemeSource::Builtin, t.to_string()))
                .collect(),
        }
    }

    /// Built-ins plus every `*.toml` in `dir` (a user file shadows the built-in of its name).
    pub fn with_user_dir(dir: &Path) -> ThemeCatalog {
        let mut catalog = ThemeCatalog::builtin();
        let Ok(read) = std::fs::read_dir(dir) else {
            return catalog;
        };
        let mut files: Vec<PathBuf> = read
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "toml"))
            .collect();
        files.sort();
        for path in files {
            let (Some(stem), Ok(text)) = (
                path.file_stem().and_then(|s| s.to_str()),
                std::fs::read_to_string(&path),
            ) else {
                continue;
            };
            let stem = stem.to_string();
            catalog.entries.retain(|(n, _, _)| *n != stem);
            catalog.entries.push((stem, ThemeSource::User(path), text));
        }
        catalog
    }

    /// Names and where they come from, built-ins first.
    pub fn names(&self) -> Vec<(String, ThemeSource)> {
        self.entries
            .iter()
            .map(|(n, s, _)| (n.clone(), s.clone()))
            .collect()
    }

    pub fn source_text(&self, name: &str) -> Option<&str> {
        self.entries
            .iter()
            .find(|(n, _, _)| n == name)
            .map(|(_, _, t)| t.as_str())
    }

    fn label(&self, name: &str) -> String {
        match self.entries.iter().find(|(n, _, _)| n == name) {
            Some((_, ThemeSource::User(p), _)) => p.display().to_string(),
            _ => format!("<built-in>/themes/{name}.toml"),
        }
    }

    pub fn load(&self, name: &str) -> Result<Theme, ThemeError> {
        let text = self.source_text(name).ok_or_else(|| ThemeError {
            file: name.to_string(),
            line: 0,
            column: 0,
            message: format!("no theme named `{name}` (try `agentdeck themes list`)"),
        })?;
        self.parse(&self.label(name), text)
    }

    /// A theme file anywhere on disk (`--theme PATH`, `themes check FILE`).
    pub fn load_file(&self, path: &Path) -> Result<Theme, ThemeError> {
        let text = std::fs::read_to_string(path).map_err(|e| ThemeError {
            file: path.display().to_string(),
            line: 0,
            column: 0,
            message: format!("cannot read: {e}"),
        })?;
        self.parse(&path.display().to_string(), &text)
    }

    pub fn parse(&self, file: &str, text: &str) -> Result<Theme, ThemeError> {
        let flat = self.flatten(file, text, 0)?;
        resolve(flat)
    }

    fn flatten(&self, file: &str, text: &str, depth: usize) -> Result<Flat, ThemeError> {
        let at = |start: usize| Loc {
            file: file.to_string(),
            text: text.to_string(),
            start,
        };
        let raw: RawTheme = toml::from_str(text).map_err(|e| {
            let start = e.span().map(|s| s.start).unwrap_or(0);
            at(start).error(e.message().trim().to_string())
        })?;
        let mut flat = match &raw.extends {
            Some(parent) if depth >= 4 => {
                return Err(at(parent.span().start).error("`extends` nests too deep (a cycle?)"));
            }
            Some(parent) => {
                let name = parent.get_ref();
                let parent_text = self.source_text(name).ok_or_else(|| {
                    at(parent.span().start).error(format!("extends unknown theme `{name}`"))
                })?;
                self.flatten(&self.label(name), parent_text, depth + 1)?
            }
            None => Flat::default(),
        };
        flat.name = raw.name.unwrap_or_else(|| {
            file.rsplit('/')
                .next()
                .unwrap_or(file)
                .trim_end_matches(".toml")
                .to_string()
        });
        if let Some(d) = raw.description {
            flat.description = d;
        }
        for (k, v) in raw.palette {
            let loc = at(v.span().start);
            flat.palette.insert(k, (v.into_inner(), loc));
        }
        for (k, v) in raw.roles {
            let key_loc = at(k.span().start);
            let name = k.into_inner();
            if !ROLES.iter().any(|(r, _)| *r == name) {
                let known: Vec<&str> = ROLES.iter().map(|(r, _)| *r).collect();
                return Err(key_loc.error(format!(
                    "unknown role `{name}` (roles: {})",
                    known.join(", ")
                )));
            }
            let loc = at(v.span().start);
            flat.roles.insert(name, (v.into_inner(), loc));
        }
        Ok(flat)
    }
}

fn colour(flat: &Flat, name: &str, loc: &Loc) -> Result<Option<ratatui::style::Color>, ThemeError> {
    let mut value = name.to_string();
    if let Some((v, _)) = flat.palette.get(name) {
        value = v.clone();
    }
    if value.eq_ignore_ascii_case("reset") {
        return Ok(None);
    }
    parse_color(&value).map(Some).ok_or_else(|| {
        loc.error(format!(
            "unknown colour `{name}` (ANSI name, #rrggbb, 0-255 or a [palette] name)"
        ))
    })
}

fn style(flat: &Flat, v: &toml::Value, loc: &Loc) -> Result<Style, ThemeError> {
    match v {
        toml::Value::String(s) => Ok(match colour(flat, s, loc)? {
            Some(c) => Style::new().fg(c),
            None => Style::new(),
        }),
        toml::Value::Table(t) => {
            let mut st = Style::new();
            for (k, val) in t {
                match (k.as_str(), val) {
                    ("fg", toml::Value::String(s)) => st.fg = colour(flat, s, loc)?,
                    ("bg", toml::Value::String(s)) => st.bg = colour(flat, s, loc)?,
                    (m, toml::Value::Boolean(on)) => {
                        let modifier = match m {
                            "bold" => Modifier::BOLD,
                            "dim" => Modifier::DIM,
                            "italic" => Modifier::ITALIC,
                            "underline" => Modifier::UNDERLINED,
                            "reversed" => Modifier::REVERSED,
                            _ => return Err(loc.error(format!("unknown style key `{m}` (fg, bg, bold, dim, italic, underline, reversed)"))),
                        };
                        if *on {
                            st = st.add_modifier(modifier);
                        }
                    }
                    (k, _) => return Err(loc.error(format!("unexpected value for `{k}`"))),
                }
            }
            Ok(st)
        }
        _ => {
            Err(loc
                .error("a style is a colour name or a table like { fg = \"cyan\", bold = true }"))
        }
    }
}

fn resolve(flat: Flat) -> Result<Theme, ThemeError> {
    let mut styles: BTreeMap<&str, Style> = BTreeMap::new();
    let mut ramps: BTreeMap<&str, Vec<Style>> = BTreeMap::new();
    for (role, _) in ROLES {
        if let Some((v, loc)) = flat.roles.get(role) {
            if role == "heatmap_ramp" || role == "chart_series" {
                let toml::Value::Array(items) = v else {
                    return Err(loc.error(format!("`{role}` is a list of styles")));
                };
                let list = items
                    .iter()
                    .map(|i| style(&flat, i, loc))
                    .collect::<Result<Vec<_>, _>>()?;
                ramps.insert(role, list);
            } else {
                styles.insert(role, style(&flat, v, loc)?);
            }
        }
    }
    let mono = Theme::mono();
    let get = |role: &str| -> Style {
        let mut r = role;
        for _ in 0..ROLES.len() {
            if let Some(s) = styles.get(r) {
                return *s;
            }
            match ROLES.iter().find(|(n, _)| *n == r).and_then(|(_, f)| *f) {
                Some(next) => r = next,
                None => break,
            }
        }
        match r {
            "selection" => mono.selection,
            _ => Style::new(),
        }
    };
    Ok(Theme {
        name: flat.name.clone(),
        description: flat.description.clone(),
        text: get("text"),
        muted: get("muted"),
        title: get("title"),
        border: get("border"),
        border_focused: get("border_focused"),
        header: get("header"),
        selection: get("selection"),
        tab_active: get("tab_active"),
        tab_inactive: get("tab_inactive"),
        status_bar: get("status_bar"),
        accent: get("accent"),
        key_hint: get("key_hint"),
        ok: get("ok"),
        warning: get("alert_warning"),
        critical: get("alert_critical"),
        info: get("alert_info"),
        heatmap_ramp: ramps
            .remove("heatmap_ramp")
            .unwrap_or_else(|| mono.heatmap_ramp.clone()),
        chart_series: ramps
            .remove("chart_series")
            .unwrap_or_else(|| vec![get("accent")]),
    })
}
