//! Moving between screens: Enter (drill down where there is a level below, else the row's
//! detail pane), `d` (the detail pane of any row), `o` (an alert's subject). Every move
//! pushes onto the one back stack, so Esc returns along it across views with the same row
//! selected.

use super::*;
use crate::tui::views::detail::Open;

fn push_detail(state: &mut State, clock: &dyn Clock) -> Vec<Effect> {
    let Some(key) = selected_row(state).and_then(|i| state.model.as_ref()?.row_key(i)) else {
        return flash(state, "no row selected", FlashLevel::Info);
    };
    let parent = state.top().kind.clone();
    push(
        state,
        Screen::new(
            ScreenKind::Detail {
                parent: Box::new(parent),
                key,
            },
            "details",
        ),
        clock,
    )
}

/// `d`: the detail pane of the selected row, in any view.
pub(super) fn details(state: &mut State, clock: &dyn Clock) -> Vec<Effect> {
    match state.model.as_ref() {
        Some(Model::Overview(_)) => drill(state, clock),
        Some(Model::Detail(_)) => vec![],
        _ => push_detail(state, clock),
    }
}

/// Enter: the level below the selected row, or its detail pane.
pub(super) fn drill(state: &mut State, clock: &dyn Clock) -> Vec<Effect> {
    if let Some(Model::Detail(d)) = state.model.as_ref() {
        return match d.open.clone() {
            Some(Open::Subject(subject)) => open_subject(state, &subject, clock),
            Some(Open::Screen(kind, label)) => push(state, Screen::new(kind, label), clock),
            None => vec![],
        };
    }
    let Some(row) = selected_row(state) else {
        return vec![];
    };
    let target = match state.model.as_ref() {
        // The alert selected, in full — not the Alerts view with its first row selected.
        Some(Model::Overview(m)) => m.alerts.get(row).map(|a| {
            Screen::new(
                crate::tui::views::overview::alert_screen(a.id),
                format!("alert #{}", a.id),
            )
        }),
        Some(Model::Live(m)) => m.rows.get(row).map(|r| {
            let s = &r.session;
            Screen::new(
                ScreenKind::Session { id: s.id },
                format!("{} · {}", s.developer, s.agent),
            )
        }),
        Some(Model::Costs(m)) => {
            let mut path = match &state.top().kind {
                ScreenKind::Costs { path } => path.clone(),
                _ => Vec::new(),
            };
            let key = m.rows.get(row).map(|r| r.key.clone()).unwrap_or_default();
            path.push((m.dim, key.clone()));
            if costs::next_dim(state.group, &path).is_none() {
                // The bottom of the tree: the row's figures instead.
                return push_detail(state, clock);
            }
            Some(Screen::new(ScreenKind::Costs { path }, key))
        }
        Some(Model::Replay(m)) => m
            .sessions
            .get(row)
            .map(|w| Screen::new(ScreenKind::WorkSession { ids: w.ids.clone() }, w.label())),
        _ => return push_detail(state, clock),
    };
    match target {
        Some(screen) => {
            if matches!(
                screen.kind,
                ScreenKind::Session { .. } | ScreenKind::WorkSession { .. }
            ) {
                state.follow = true;
            }
            push(state, screen, clock)
        }
        None => vec![],
    }
}

/// `o`: the subject of the selected alert (Alerts, Overview or an alert's detail pane).
pub(super) fn open_subject_of_selection(state: &mut State, clock: &dyn Clock) -> Vec<Effect> {
    let row = selected_row(state);
    let subject = match (state.model.as_ref(), row) {
        (Some(Model::Alerts(m)), Some(r)) => m.items.get(r).map(|i| i.alert.row.subject.clone()),
        (Some(Model::Overview(m)), Some(r)) => m.alerts.get(r).map(|a| a.subject.clone()),
        (Some(Model::Detail(d)), _) => match &d.open {
            Some(Open::Subject(s)) => Some(s.clone()),
            _ => None,
        },
        _ => None,
    };
    match subject {
        Some(s) => open_subject(state, &s, clock),
        None => flash(
            state,
            "o opens an alert's subject: select an alert (7 Alerts) first",
            FlashLevel::Info,
        ),
    }
}

/// Alert subjects look like `team:platform`, `developer:a@b`, `project:api`, `source:cursor`.
/// The subject's screen is pushed, so Esc comes back here.
pub(super) fn open_subject(state: &mut State, subject: &str, clock: &dyn Clock) -> Vec<Effect> {
    let (kind, value) = subject.split_once(':').unwrap_or(("", subject));
    let dim = match kind {
        "team" => Some(CostDim::Team),
        "project" | "repo" => Some(CostDim::Project),
        "model" => Some(CostDim::Model),
        "agent" => Some(CostDim::Agent),
        _ => None,
    };
    if let Some(dim) = dim {
        return push(
            state,
            Screen::new(
                ScreenKind::Costs {
                    path: vec![(dim, value.to_string())],
                },
                value,
            ),
            clock,
        );
    }
    let view = match kind {
        "source" => ViewId::Sources,
        _ => ViewId::Live,
    };
    let mut screen = Screen::root(view);
    screen.filter = value.to_string();
    push(state, screen, clock)
}
