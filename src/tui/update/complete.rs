//! Tab completion on the `:` line: the last word is completed from the commands, the period
//! words, theme names, the Costs arguments or the focused table's columns, as far as the
//! candidates agree; the candidates are listed under the line.

use super::*;
use crate::tui::command::COMMANDS;

const PERIODS: [&str; 8] = [
    "today",
    "yesterday",
    "7d",
    "30d",
    "90d",
    "1y",
    "this-month",
    "last-month",
];
const LAST: [&str; 5] = ["month", "week", "7d", "30d", "90d"];
const COST_ARGS: [&str; 7] = [
    "team=",
    "project=",
    "developer=",
    "agent=",
    "model=",
    "since=",
    "by=",
];

fn words_for(state: &State, head: Option<&str>, word: &str) -> Vec<String> {
    let owned = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    match head {
        None => owned(&COMMANDS),
        Some("theme") => state.theme_names.clone(),
        Some("since" | "period" | "p") => owned(&PERIODS),
        Some("last") => owned(&LAST),
        Some("sort") => state
            .model
            .as_ref()
            .map(|m| {
                m.table()
                    .columns
                    .iter()
                    .map(|c| c.header.clone())
                    .filter(|h| !h.is_empty() && !h.contains(' '))
                    .collect()
            })
            .unwrap_or_default(),
        Some("costs") => {
            if let Some(prefix) = word.strip_prefix("since=") {
                PERIODS
                    .iter()
                    .filter(|p| p.starts_with(prefix))
                    .map(|p| format!("since={p}"))
                    .collect()
            } else if word.starts_with("by=") {
                owned(&["by=team", "by=agent", "by=model"])
            } else {
                owned(&COST_ARGS)
            }
        }
        _ => Vec::new(),
    }
}

fn common_prefix(words: &[String]) -> String {
    let Some(first) = words.first() else {
        return String::new();
    };
    let mut len = first.len();
    for w in &words[1..] {
        len = first
            .char_indices()
            .zip(w.chars())
            .take_while(|((_, a), b)| a == b)
            .map(|((i, a), _)| i + a.len_utf8())
            .last()
            .unwrap_or(0)
            .min(len);
    }
    first[..len].to_string()
}

/// The line after Tab, and the candidates to list.
pub(super) fn complete(state: &State, line: &str) -> (String, Vec<String>) {
    let ends_with_space = line.ends_with(' ') || line.is_empty();
    let mut words: Vec<&str> = line.split_whitespace().collect();
    let word = if ends_with_space {
        ""
    } else {
        words.pop().unwrap_or("")
    };
    let head = words.first().map(|h| h.to_ascii_lowercase());
    let candidates: Vec<String> = words_for(state, head.as_deref(), word)
        .into_iter()
        .filter(|c| c.starts_with(word))
        .collect();
    let completed = match candidates.len() {
        0 => word.to_string(),
        1 => {
            let c = &candidates[0];
            if c.ends_with('=') {
                c.clone()
            } else {
                format!("{c} ")
            }
        }
        _ => common_prefix(&candidates),
    };
    let mut out: Vec<&str> = words;
    out.push(&completed);
    let text = out.join(" ");
    let shown = if candidates.len() > 1 {
        candidates
    } else {
        Vec::new()
    };
    (text, shown)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::keymap::Keymap;

    fn state() -> State {
        State::new(
            Keymap::default_map(false),
            false,
            vec!["default".into(), "dusk".into(), "daylight".into()],
            0,
        )
    }

    #[test]
    fn completes_commands_periods_and_themes() {
        let s = state();
        assert_eq!(complete(&s, "sin"), ("since ".to_string(), vec![]));
        assert_eq!(complete(&s, "since 9"), ("since 90d ".to_string(), vec![]));
        let (text, list) = complete(&s, "theme d");
        assert_eq!(text, "theme d");
        assert_eq!(list, vec!["default", "dusk", "daylight"]);
        assert_eq!(complete(&s, "theme du").0, "theme dusk ");
        let (text, list) = complete(&s, "s");
        assert_eq!(text, "s");
        assert!(list.contains(&"snooze".to_string()) && list.contains(&"sort".to_string()));
        assert_eq!(complete(&s, "costs te").0, "costs team=");
        assert_eq!(complete(&s, "costs since=la").0, "costs since=last-month ");
        assert_eq!(complete(&s, "exp").0, "export");
    }
}
