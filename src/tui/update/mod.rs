//! `update`: the console's only state transition. Messages in (keys, mouse, store changes,
//! query results), state changed in place, effects out. No IO, so it is tested directly.

use super::action::Action;
use super::clock::Clock;
use super::command::{self, Command};
use super::input::LineInput;
use super::msg::{Effect, Msg, QueryRequest};
use super::state::{FlashLevel, Overlay, Screen, ScreenKind, State, ViewId};
use super::views::{self, Model, chrome, costs};
use crate::domain::alerts::AlertState;
use crate::store::queries::view_costs::CostDim;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::Rect;

mod mouse;
mod navigate;
mod overlay;

use mouse::on_mouse;
use navigate::{drill, run_command};
use overlay::{alert_action, on_overlay_key};

/// How long `s` snoozes an alert.
pub const SNOOZE_MS: i64 = 60 * 60_000;
const CACHE_SCREENS: usize = 16;

/// The first effects: load the first screen and the status bar.
pub fn start(state: &mut State, clock: &dyn Clock) -> Vec<Effect> {
    vec![
        query(state, clock),
        Effect::QueryStatus {
            now_ms: clock.now_ms(),
        },
    ]
}

pub fn update(state: &mut State, msg: Msg, clock: &dyn Clock) -> Vec<Effect> {
    match msg {
        Msg::Key(key) => on_key(state, key, clock),
        Msg::Mouse(m) => on_mouse(state, m, clock),
        Msg::Resize(w, h) => {
            state.size = (w, h);
            scroll_into_view(state);
            vec![]
        }
        Msg::StoreChanged(counters) => {
            if counters == state.counters {
                return vec![];
            }
            state.counters = counters;
            vec![
                query(state, clock),
                Effect::QueryStatus {
                    now_ms: clock.now_ms(),
                },
            ]
        }
        Msg::Tick => vec![
            query(state, clock),
            Effect::QueryStatus {
                now_ms: clock.now_ms(),
            },
        ],
        Msg::Loaded { generation, result } => {
            if generation != state.generation {
                return vec![];
            }
            state.loading = false;
            match result {
                Ok(model) => {
                    state.error = None;
                    let kind = state.top().kind.clone();
                    state.cache.retain(|(k, _)| *k != kind);
                    state.cache.push((kind, (*model).clone()));
                    if state.cache.len() > CACHE_SCREENS {
                        state.cache.remove(0);
                    }
                    // Keep the same row selected when live data reorders the table.
                    let previous = state.model.as_ref().and_then(|old| {
                        let visible = old.visible(&state.top().filter);
                        visible
                            .get(state.top().selected)
                            .and_then(|&i| old.row_key(i))
                    });
                    state.model = Some(*model);
                    if let (Some(key), Some(m)) = (previous, state.model.as_ref()) {
                        let visible = m.visible(&state.top().filter);
                        if let Some(pos) = visible
                            .iter()
                            .position(|&i| m.row_key(i).as_ref() == Some(&key))
                        {
                            state.top_mut().selected = pos;
                        }
                    }
                    if state.follow && matches!(state.model, Some(Model::Timeline(_))) {
                        select_last(state);
                    }
                    scroll_into_view(state);
                }
                Err(e) => state.error = Some(e),
            }
            vec![]
        }
        Msg::StatusLoaded(status) => {
            state.status = status;
            vec![]
        }
        Msg::WriteDone(result) => {
            state.flash = Some(match result {
                Ok(m) => (m, FlashLevel::Info),
                Err(e) => (e, FlashLevel::Error),
            });
            vec![]
        }
        Msg::Terminate => quit(state),
    }
}

fn quit(state: &mut State) -> Vec<Effect> {
    state.quit = true;
    vec![Effect::Quit]
}

/// A new query for the top screen; older answers will be dropped.
fn query(state: &mut State, clock: &dyn Clock) -> Effect {
    state.generation += 1;
    state.loading = true;
    Effect::Query {
        generation: state.generation,
        request: QueryRequest {
            screen: state.top().kind.clone(),
            period: state.period,
            group: state.group,
            now_ms: clock.now_ms(),
        },
    }
}

fn show_top(state: &mut State, clock: &dyn Clock) -> Vec<Effect> {
    let kind = state.top().kind.clone();
    state.model = state
        .cache
        .iter()
        .find(|(k, _)| *k == kind)
        .map(|(_, m)| m.clone());
    state.error = None;
    vec![query(state, clock)]
}

fn push(state: &mut State, screen: Screen, clock: &dyn Clock) -> Vec<Effect> {
    state.stack.push(screen);
    show_top(state, clock)
}

fn go_root(state: &mut State, view: ViewId, clock: &dyn Clock) -> Vec<Effect> {
    state.stack = vec![Screen::root(view)];
    show_top(state, clock)
}

fn flash(state: &mut State, text: impl Into<String>, level: FlashLevel) -> Vec<Effect> {
    state.flash = Some((text.into(), level));
    vec![]
}

fn on_key(state: &mut State, key: KeyEvent, clock: &dyn Clock) -> Vec<Effect> {
    if key.kind == crossterm::event::KeyEventKind::Release {
        return vec![];
    }
    if let Some(overlay) = state.overlay.take() {
        return on_overlay_key(state, overlay, key, clock);
    }
    state.flash = None;
    match state.keymap.action_for(&key) {
        Some(action) => apply(state, action, clock),
        None => vec![],
    }
}

fn set_filter(state: &mut State, text: &str) {
    let top = state.top_mut();
    top.filter = text.to_string();
    top.selected = 0;
    top.offset = 0;
}

fn visible_count(state: &State) -> usize {
    state
        .model
        .as_ref()
        .map(|m| m.visible(&state.top().filter).len())
        .unwrap_or(0)
}

fn table_rect(state: &State) -> Rect {
    let body = chrome::body_area(Rect::new(0, 0, state.size.0, state.size.1));
    views::table_area(&state.top().kind, body)
}

fn page(state: &State) -> usize {
    super::widgets::table::visible_rows(table_rect(state)).max(1)
}

fn scroll_into_view(state: &mut State) {
    let n = visible_count(state);
    let page = page(state);
    let top = state.top_mut();
    top.selected = top.selected.min(n.saturating_sub(1));
    if top.selected < top.offset {
        top.offset = top.selected;
    } else if top.selected >= top.offset + page {
        top.offset = top.selected + 1 - page;
    }
    top.offset = top.offset.min(n.saturating_sub(page));
}

fn move_by(state: &mut State, delta: isize) {
    let n = visible_count(state) as isize;
    let top = state.top_mut();
    top.selected = (top.selected as isize + delta).clamp(0, (n - 1).max(0)) as usize;
    scroll_into_view(state);
}

fn select_last(state: &mut State) {
    let n = visible_count(state);
    state.top_mut().selected = n.saturating_sub(1);
}

/// The model row under the selection (an index into the model's rows).
fn selected_row(state: &State) -> Option<usize> {
    let model = state.model.as_ref()?;
    let visible = model.visible(&state.top().filter);
    visible.get(state.top().selected).copied()
}

fn apply(state: &mut State, action: Action, clock: &dyn Clock) -> Vec<Effect> {
    let in_timeline = matches!(
        state.top().kind,
        ScreenKind::Session { .. } | ScreenKind::WorkSession { .. }
    );
    match action {
        Action::Quit => quit(state),
        Action::Help => {
            state.overlay = Some(Overlay::Help { scroll: 0 });
            vec![]
        }
        Action::CommandMode => {
            state.overlay = Some(Overlay::Command(LineInput::default()));
            vec![]
        }
        Action::Filter => {
            state.overlay = Some(Overlay::Filter(LineInput::with_text(&state.top().filter)));
            vec![]
        }
        Action::GoTo(view) => go_root(state, view, clock),
        Action::Up
        | Action::Down
        | Action::PageUp
        | Action::PageDown
        | Action::Top
        | Action::Bottom => {
            let page = page(state) as isize;
            let n = visible_count(state) as isize;
            let delta = match action {
                Action::Up => -1,
                Action::Down => 1,
                Action::PageUp => -page,
                Action::PageDown => page,
                Action::Top => -n,
                _ => n,
            };
            if in_timeline && delta < 0 {
                state.follow = false;
            }
            move_by(state, delta);
            vec![]
        }
        Action::Drill => drill(state, clock),
        Action::Back => {
            if !state.top().filter.is_empty() {
                set_filter(state, "");
                vec![]
            } else if state.stack.len() > 1 {
                state.stack.pop();
                show_top(state, clock)
            } else {
                vec![]
            }
        }
        Action::Acknowledge | Action::Snooze => alert_action(state, action, clock),
        Action::Follow => {
            state.follow = !state.follow;
            if state.follow && in_timeline {
                select_last(state);
                scroll_into_view(state);
            }
            flash(
                state,
                if state.follow {
                    "follow on: newest line stays in view"
                } else {
                    "follow off"
                },
                FlashLevel::Info,
            )
        }
        Action::Period => {
            state.period = state.period.next();
            state.flash = Some((
                format!("period: {}", state.period.label()),
                FlashLevel::Info,
            ));
            if state.view() == ViewId::Costs {
                vec![query(state, clock)]
            } else {
                vec![]
            }
        }
        Action::GroupBy => {
            state.group = state.group.next();
            state.flash = Some((
                format!("cost tree grouped by {}", state.group.label()),
                FlashLevel::Info,
            ));
            if state.view() == ViewId::Costs {
                go_root(state, ViewId::Costs, clock)
            } else {
                vec![]
            }
        }
        Action::ToggleWeeks => {
            state.weeks = !state.weeks;
            vec![]
        }
        Action::ToggleBilled => {
            state.billed = !state.billed;
            let what = if state.billed {
                "costs: billed (charges vendors and agents stated)"
            } else {
                "costs: estimated (computed from tokens and prices)"
            };
            flash(state, what, FlashLevel::Info)
        }
        Action::Theme => {
            if !state.theme_names.is_empty() {
                state.theme_index = (state.theme_index + 1) % state.theme_names.len();
            }
            let name = state.theme_name().to_string();
            flash(state, format!("theme: {name}"), FlashLevel::Info)
        }
        Action::Refresh => vec![
            query(state, clock),
            Effect::QueryStatus {
                now_ms: clock.now_ms(),
            },
        ],
    }
}
