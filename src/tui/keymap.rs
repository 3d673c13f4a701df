//! Keys → actions: the default table, a user's keymap.toml merged over it, and the
//! `--read-only` rule that unbinds every writing action. Help and hints read this table.

use super::action::Action;
use super::state::ViewId;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde::Deserialize;
use std::collections::BTreeMap;

/// A key with the modifiers that matter (Shift is folded into the character).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyChord {
    pub code: KeyCode,
    pub ctrl: bool,
    pub alt: bool,
}

impl KeyChord {
    pub fn from_event(ev: &KeyEvent) -> KeyChord {
        KeyChord {
            code: ev.code,
            ctrl: ev.modifiers.contains(KeyModifiers::CONTROL),
            alt: ev.modifiers.contains(KeyModifiers::ALT),
        }
    }

    /// `q`, `ctrl-c`, `enter`, `esc`, `up`, `pgdn`, `space`, `f1`, …, and the glyphs help
    /// shows (`⏎`, `↑`, …), so a key copied from help reads back as itself.
    pub fn parse(s: &str) -> Option<KeyChord> {
        let mut ctrl = false;
        let mut alt = false;
        let mut rest = s.trim();
        loop {
            let lower = rest.to_ascii_lowercase();
            if lower.starts_with("ctrl-") || lower.starts_with("ctrl+") {
                ctrl = true;
                rest = &rest[5..];
            } else if lower.starts_with("alt-") || lower.starts_with("alt+") {
                alt = true;
                rest = &rest[4..];
            } else {
                break;
            }
        }
        let code = match rest.to_ascii_lowercase().as_str() {
            "enter" | "return" | "⏎" => KeyCode::Enter,
            "esc" | "escape" => KeyCode::Esc,
            "tab" => KeyCode::Tab,
            "backtab" | "shift-tab" => KeyCode::BackTab,
            "backspace" => KeyCode::Backspace,
            "up" | "↑" => KeyCode::Up,
            "down" | "↓" => KeyCode::Down,
            "left" | "←" => KeyCode::Left,
            "right" | "→" => KeyCode::Right,
            "home" => KeyCode::Home,
            "end" => KeyCode::End,
            "pgup" | "pageup" => KeyCode::PageUp,
            "pgdn" | "pagedown" => KeyCode::PageDown,
            "space" => KeyCode::Char(' '),
            f if f.len() >= 2 && f.starts_with('f') && f[1..].parse::<u8>().is_ok() => {
                KeyCode::F(f[1..].parse().ok()?)
            }
            _ => {
                let mut chars = rest.chars();
                let c = chars.next()?;
                if chars.next().is_some() {
                    return None;
                }
                KeyCode::Char(if ctrl { c.to_ascii_lowercase() } else { c })
            }
        };
        Some(KeyChord { code, ctrl, alt })
    }

    pub fn label(&self) -> String {
        let base = match self.code {
            KeyCode::Enter => "⏎".to_string(),
            KeyCode::Esc => "esc".into(),
            KeyCode::Tab => "tab".into(),
            KeyCode::BackTab => "shift-tab".into(),
            KeyCode::Backspace => "backspace".into(),
            KeyCode::Up => "↑".into(),
            KeyCode::Down => "↓".into(),
            KeyCode::Left => "←".into(),
            KeyCode::Right => "→".into(),
            KeyCode::Home => "home".into(),
            KeyCode::End => "end".into(),
            KeyCode::PageUp => "pgup".into(),
            KeyCode::PageDown => "pgdn".into(),
            KeyCode::Char(' ') => "space".into(),
            KeyCode::Char(c) => c.to_string(),
            KeyCode::F(n) => format!("f{n}"),
            _ => "?".into(),
        };
        match (self.ctrl, self.alt) {
            (true, _) => format!("ctrl-{base}"),
            (_, true) => format!("alt-{base}"),
            _ => base,
        }
    }
}

/// The effective bindings.
#[derive(Debug, Clone)]
pub struct Keymap {
    bindings: Vec<(KeyChord, Action)>,
    /// Actions unbound because the console is read-only.
    pub disabled: Vec<Action>,
    /// The keys those actions had, so pressing one can say why nothing happens.
    disabled_bindings: Vec<(KeyChord, Action)>,
}

/// `<config dir>/keymap.toml`: `[bindings]` action name → key or list of keys.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeymapFile {
    #[serde(default)]
    pub bindings: BTreeMap<String, KeySpec>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum KeySpec {
    One(String),
    Many(Vec<String>),
}

fn defaults() -> Vec<(&'static str, Action)> {
    let mut v = vec![
        ("q", Action::Quit),
        ("ctrl-c", Action::Quit),
        ("?", Action::Help),
        (":", Action::CommandMode),
        ("/", Action::Filter),
        ("up", Action::Up),
        ("k", Action::Up),
        ("down", Action::Down),
        ("j", Action::Down),
        ("pgup", Action::PageUp),
        ("ctrl-b", Action::PageUp),
        ("pgdn", Action::PageDown),
        ("ctrl-f", Action::PageDown),
        ("home", Action::Top),
        ("g", Action::GroupBy),
        ("end", Action::Bottom),
        ("G", Action::Bottom),
        ("enter", Action::Drill),
        ("d", Action::Details),
        ("o", Action::OpenSubject),
        ("esc", Action::Back),
        ("backspace", Action::Back),
        ("a", Action::Acknowledge),
        ("s", Action::Snooze),
        ("R", Action::Resolve),
        ("f", Action::Follow),
        ("p", Action::Period),
        ("[", Action::PeriodBack),
        ("]", Action::PeriodForward),
        (">", Action::SortNext),
        ("<", Action::SortPrev),
        ("I", Action::SortInvert),
        ("w", Action::ToggleWeeks),
        ("b", Action::ToggleBilled),
        ("t", Action::Theme),
        ("r", Action::Refresh),
        ("ctrl-r", Action::Refresh),
    ];
    const DIGITS: [&str; 8] = ["1", "2", "3", "4", "5", "6", "7", "8"];
    for (i, view) in ViewId::ALL.into_iter().enumerate() {
        v.push((DIGITS[i], Action::GoTo(view)));
    }
    v
}

impl Keymap {
    pub fn default_map(read_only: bool) -> Keymap {
        Keymap::build(&KeymapFile::default(), read_only).0
    }

    /// Defaults with the user's file merged over them: an action named in the file gets
    /// exactly the keys listed there (a key taken from another action moves). Returns
    /// warnings for unknown actions or keys.
    pub fn build(file: &KeymapFile, read_only: bool) -> (Keymap, Vec<String>) {
        let mut warnings = Vec::new();
        let mut bindings: Vec<(KeyChord, Action)> = defaults()
            .into_iter()
            .filter_map(|(k, a)| KeyChord::parse(k).map(|k| (k, a)))
            .collect();
        for (name, spec) in &file.bindings {
            let Some(action) = Action::from_name(name) else {
                warnings.push(format!("keymap: unknown action `{name}`"));
                continue;
            };
            let keys = match spec {
                KeySpec::One(k) => vec![k.clone()],
                KeySpec::Many(ks) => ks.clone(),
            };
            let chords: Vec<KeyChord> = keys
                .iter()
                .filter_map(|k| {
                    let chord = KeyChord::parse(k);
                    if chord.is_none() {
                        warnings.push(format!("keymap: cannot read key `{k}` for `{name}`"));
                    }
                    chord
                })
                .collect();
            bindings.retain(|(k, a)| *a != action && !chords.contains(k));
            bindings.extend(chords.into_iter().map(|k| (k, action)));
        }
        let mut disabled = Vec::new();
        let mut disabled_bindings = Vec::new();
        if read_only {
            bindings.retain(|(k, a)| {
                if a.writes() {
                    if !disabled.contains(a) {
                        disabled.push(*a);
                    }
                    disabled_bindings.push((*k, *a));
                    false
                } else {
                    true
                }
            });
        }
        (
            Keymap {
                bindings,
                disabled,
                disabled_bindings,
            },
            warnings,
        )
    }

    /// Reads `path` when it exists; problems become warnings, never failures.
    pub fn load(path: &std::path::Path, read_only: bool) -> (Keymap, Vec<String>) {
        match std::fs::read_to_string(path) {
            Ok(text) => match toml::from_str::<KeymapFile>(&text) {
                Ok(file) => Keymap::build(&file, read_only),
                Err(e) => {
                    let (map, mut w) = Keymap::build(&KeymapFile::default(), read_only);
                    w.push(format!("{}: {}", path.display(), e.message()));
                    (map, w)
                }
            },
            Err(_) => Keymap::build(&KeymapFile::default(), read_only),
        }
    }

    pub fn action_for(&self, ev: &KeyEvent) -> Option<Action> {
        let chord = KeyChord::from_event(ev);
        self.bindings
            .iter()
            .find(|(k, _)| *k == chord)
            .map(|(_, a)| *a)
    }

    /// The writing action `ev` would run if the console were not read-only.
    pub fn disabled_action_for(&self, ev: &KeyEvent) -> Option<Action> {
        let chord = KeyChord::from_event(ev);
        self.disabled_bindings
            .iter()
            .find(|(k, _)| *k == chord)
            .map(|(_, a)| *a)
    }

    /// Key labels bound to `action`, in table order.
    pub fn keys_for(&self, action: Action) -> Vec<String> {
        self.bindings
            .iter()
            .filter(|(_, a)| *a == action)
            .map(|(k, _)| k.label())
            .collect()
    }

    /// The first key label, for hints.
    pub fn hint(&self, action: Action) -> Option<String> {
        self.keys_for(action).into_iter().next()
    }

    /// Help lines: (keys, description, writes), for every action.
    pub fn help_lines(&self) -> Vec<(String, String, bool)> {
        Action::all()
            .into_iter()
            .map(|a| {
                let keys = self.keys_for(a);
                let keys = if keys.is_empty() {
                    if self.disabled.contains(&a) {
                        "(read-only)".to_string()
                    } else {
                        "(unbound)".to_string()
                    }
                } else {
                    keys.join(" ")
                };
                (keys, a.description(), a.writes())
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::KeyChord;

    /// Help shows `label`; a user copies it into keymap.toml, which `parse` reads. Every
    /// key `parse` knows must be labelled by a name `parse` reads back as the same key
    /// (backspace was shown as `?`, the help key, and `shift-tab` was not read back).
    #[test]
    fn every_key_a_keymap_names_is_labelled_by_a_name_that_reads_back() {
        let names = [
            "enter",
            "esc",
            "tab",
            "backtab",
            "shift-tab",
            "backspace",
            "up",
            "down",
            "left",
            "right",
            "home",
            "end",
            "pgup",
            "pgdn",
            "space",
            "f1",
            "f12",
            "q",
            "G",
            "ctrl-c",
            "alt-x",
            "ctrl-backspace",
        ];
        for name in names {
            let chord = KeyChord::parse(name).unwrap_or_else(|| panic!("{name} parses"));
            let label = chord.label();
            assert_ne!(label, "?", "{name} is labelled as the help key");
            assert_eq!(KeyChord::parse(&label), Some(chord), "{name} → {label}");
        }
        assert_eq!(KeyChord::parse("?").map(|k| k.label()), Some("?".into()));
    }
}
