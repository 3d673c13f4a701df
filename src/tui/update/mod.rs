//! `update`: the console's only state transition. Messages in (keys, mouse, store changes,
//! query results), state changed in place, effects out. No IO, so it is tested directly.

use super::action::Action;
use super::clock::Clock;
use super::command::{self, Command};
use super::input::LineInput;
use super::msg::{Effect, Msg, QueryRequest};
use super::state::{CommandLine, FlashLevel, Overlay, Period, Screen, ScreenKind, State, ViewId};
use super::views::{self, Model, chrome, costs};
use crate::domain::alerts::AlertState;
use crate::store::queries::view_costs::CostDim;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::Rect;

mod commands;
mod complete;
mod mouse;
mod navigate;
mod overlay;
mod sort;

use commands::run_command;
use mouse::on_mouse;
use navigate::{details, drill, open_subject_of_selection};
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
                Ok(model) => loaded(state, *model),
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

/// A fresh model for the top screen: cache it and keep the same row selected when live
/// data reorders the table.
fn loaded(state: &mut State, model: Model) {
    state.error = None;
    let kind = state.top().kind.clone();
    state.cache.retain(|(k, _)| *k != kind);
    state.cache.push((kind, model.clone()));
    if state.cache.len() > CACHE_SCREENS {
        state.cache.remove(0);
    }
    let previous = selected_row(state).and_then(|i| state.model.as_ref()?.row_key(i));
    state.model = Some(model);
    if let (Some(key), Some(m)) = (previous, state.model.as_ref()) {
        let visible = m.visible(&state.top().filter, state.top().sort);
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
            billed: state.billed,
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
        None => match state.keymap.disabled_action_for(&key) {
            // A writing key in a read-only console answers instead of doing nothing.
            Some(action) => read_only_refusal(state, action),
            None => vec![],
        },
    }
}

fn read_only_refusal(state: &mut State, action: Action) -> Vec<Effect> {
    let what = match action {
        Action::Acknowledge => "acknowledging",
        Action::Snooze => "snoozing",
        Action::Resolve => "resolving",
        _ => "writing",
    };
    flash(
        state,
        format!("read-only: {what} is disabled (started with --read-only)"),
        FlashLevel::Error,
    )
}

fn set_filter(state: &mut State, text: &str) {
    let top = state.top_mut();
    top.filter = text.to_string();
    top.selected = 0;
    top.offset = 0;
}

/// Row indices of the top screen's table, filtered and sorted as drawn.
fn visible(state: &State) -> Vec<usize> {
    state
        .model
        .as_ref()
        .map(|m| m.visible(&state.top().filter, state.top().sort))
        .unwrap_or_default()
}

fn visible_count(state: &State) -> usize {
    visible(state).len()
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
    visible(state).get(state.top().selected).copied()
}

/// Sets the period and re-runs the query when the screen shows it.
fn set_period(state: &mut State, period: Period, clock: &dyn Clock) -> Vec<Effect> {
    state.period = period;
    let today = state.today(clock.now_ms());
    let span = period.span(today);
    state.flash = Some((
        format!(
            "period: {period} ({} – {}, {} days) · [ ] step · p cycles",
            span.first,
            span.last,
            span.days()
        ),
        FlashLevel::Info,
    ));
    if state.top().kind.uses_period() {
        vec![query(state, clock)]
    } else {
        vec![]
    }
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
            state.overlay = Some(Overlay::Command(CommandLine::default()));
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
        Action::Details => details(state, clock),
        Action::OpenSubject => open_subject_of_selection(state, clock),
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
        Action::Acknowledge | Action::Snooze | Action::Resolve => {
            alert_action(state, action, None, clock)
        }
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
            let next = state.period.next();
            set_period(state, next, clock)
        }
        Action::PeriodBack | Action::PeriodForward => {
            let dir = if action == Action::PeriodBack { -1 } else { 1 };
            let today = state.today(clock.now_ms());
            match state.period.step(dir, today) {
                Some(p) => set_period(state, p, clock),
                None => flash(
                    state,
                    format!("period: {} already reaches today", state.period),
                    FlashLevel::Info,
                ),
            }
        }
        Action::SortNext | Action::SortPrev | Action::SortInvert => sort::apply(state, action),
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
            state.flash = Some((what.into(), FlashLevel::Info));
            if state.view() == ViewId::Costs {
                vec![query(state, clock)]
            } else {
                vec![]
            }
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
