//! Mouse: the wheel scrolls the focused table, a click selects a row or a tab.

use super::*;

pub(super) fn on_mouse(state: &mut State, m: MouseEvent, clock: &dyn Clock) -> Vec<Effect> {
    if state.overlay.is_some() {
        return vec![];
    }
    match m.kind {
        MouseEventKind::ScrollDown => {
            move_by(state, 3);
            vec![]
        }
        MouseEventKind::ScrollUp => {
            move_by(state, -3);
            vec![]
        }
        MouseEventKind::Down(MouseButton::Left) => {
            if m.row == 0 {
                if let Some((view, ..)) = chrome::tabs(state.size.0)
                    .into_iter()
                    .find(|(_, _, x0, x1)| m.column >= *x0 && m.column < *x1)
                {
                    return go_root(state, view, clock);
                }
                return vec![];
            }
            let area = table_rect(state);
            // Border and header rows sit above the first data row.
            let first = area.y + 2;
            if m.column >= area.x
                && m.column < area.x + area.width
                && m.row >= first
                && m.row < area.y + area.height.saturating_sub(1)
            {
                let index = state.top().offset + (m.row - first) as usize;
                if index < visible_count(state) {
                    state.top_mut().selected = index;
                }
            }
            vec![]
        }
        _ => vec![],
    }
}
