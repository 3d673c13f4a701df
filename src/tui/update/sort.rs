//! Sorting the focused table by a column: `>` and `<` move the sort to the next or previous
//! column (numbers biggest first, text A→Z; past the last column the view's own order comes
//! back), `I` reverses it. The selected row stays selected.

use super::*;
use crate::tui::widgets::table::{Dir, Sort};

fn sortable(state: &State, column: usize) -> bool {
    state
        .model
        .as_ref()
        .and_then(|m| m.table().columns.get(column))
        .is_some_and(|c| !c.header.trim().is_empty())
}

pub(super) fn apply(state: &mut State, action: Action) -> Vec<Effect> {
    let Some(model) = state.model.as_ref() else {
        return vec![];
    };
    let n = model.table().columns.len();
    if n == 0 {
        return flash(state, "nothing to sort here", FlashLevel::Info);
    }
    let current = state.top().sort;
    let fresh = |column: usize| Sort {
        column,
        dir: model.table().default_dir(column),
    };
    let next = match action {
        Action::SortInvert => Some(match current {
            Some(s) => Sort {
                column: s.column,
                dir: match s.dir {
                    Dir::Asc => Dir::Desc,
                    Dir::Desc => Dir::Asc,
                },
            },
            None => fresh(0),
        }),
        _ => {
            // Step over columns without a header (bars) to the next sortable one.
            let forward = action == Action::SortNext;
            let mut at = current.map(|s| s.column);
            let mut found = None;
            for _ in 0..=n {
                at = match (at, forward) {
                    (None, true) => Some(0),
                    (None, false) => Some(n - 1),
                    (Some(c), true) if c + 1 < n => Some(c + 1),
                    (Some(c), false) if c > 0 => Some(c - 1),
                    _ => None,
                };
                match at {
                    Some(c) if sortable(state, c) => {
                        found = Some(fresh(c));
                        break;
                    }
                    Some(_) => continue,
                    None => break,
                }
            }
            found
        }
    };
    let key = selected_row(state).and_then(|i| state.model.as_ref()?.row_key(i));
    state.top_mut().sort = next;
    if let (Some(key), Some(m)) = (key, state.model.as_ref()) {
        let order = m.visible(&state.top().filter, next);
        if let Some(pos) = order
            .iter()
            .position(|&i| m.row_key(i).as_ref() == Some(&key))
        {
            state.top_mut().selected = pos;
        }
    }
    scroll_into_view(state);
    let text = match next.zip(state.model.as_ref()) {
        Some((s, m)) => format!(
            "sorted by {} {} (> < column, I reverses)",
            m.table().columns[s.column].header,
            if s.dir == Dir::Asc { "▲" } else { "▼" }
        ),
        None => "the view's own order".to_string(),
    };
    flash(state, text, FlashLevel::Info)
}
