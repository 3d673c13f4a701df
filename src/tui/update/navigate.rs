//! Moving between screens: drilling into the selected row, opening an alert's subject, and
//! applying `:` commands with their arguments.

use super::*;

pub(super) fn drill(state: &mut State, clock: &dyn Clock) -> Vec<Effect> {
    let Some(row) = selected_row(state) else {
        return vec![];
    };
    let target = match state.model.as_ref() {
        Some(Model::Overview(_)) => return go_root(state, ViewId::Alerts, clock),
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
                return flash(
                    state,
                    "this is the bottom of the cost tree",
                    FlashLevel::Info,
                );
            }
            Some(Screen::new(ScreenKind::Costs { path }, key))
        }
        Some(Model::Replay(m)) => m
            .sessions
            .get(row)
            .map(|w| Screen::new(ScreenKind::WorkSession { ids: w.ids.clone() }, w.label())),
        Some(Model::Alerts(m)) => {
            let subject = m
                .items
                .get(row)
                .map(|i| i.alert.row.subject.clone())
                .unwrap_or_default();
            return open_subject(state, &subject, clock);
        }
        Some(Model::Sources(m)) if m.detail.is_none() => m.lines.get(row).map(|l| {
            Screen::new(
                ScreenKind::SourceDetail {
                    source: l.status.source.clone(),
                },
                l.status.source.clone(),
            )
        }),
        _ => None,
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

/// Alert subjects look like `team:platform`, `developer:a@b`, `project:api`, `source:cursor`.
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
        state.group = crate::tui::state::CostGroup::Team;
        state.stack = vec![Screen::root(ViewId::Costs)];
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
    let effects = go_root(state, view, clock);
    set_filter(state, value);
    effects
}

pub(super) fn run_command(state: &mut State, cmd: Command, clock: &dyn Clock) -> Vec<Effect> {
    match cmd {
        Command::Quit => quit(state),
        Command::Help => {
            state.overlay = Some(Overlay::Help { scroll: 0 });
            vec![]
        }
        Command::Theme(None) => apply(state, Action::Theme, clock),
        Command::Theme(Some(name)) => match state.theme_names.iter().position(|n| *n == name) {
            Some(i) => {
                state.theme_index = i;
                flash(state, format!("theme: {name}"), FlashLevel::Info)
            }
            None => flash(
                state,
                format!(
                    "no theme `{name}` (themes: {})",
                    state.theme_names.join(", ")
                ),
                FlashLevel::Error,
            ),
        },
        Command::Go {
            view: ViewId::Costs,
            args,
            words,
        } => {
            let a = match command::cost_args(&args) {
                Ok(a) => a,
                Err(e) => return flash(state, e, FlashLevel::Error),
            };
            if let Some(p) = a.period {
                state.period = p;
            }
            if let Some(g) = a.group {
                state.group = g;
            }
            state.stack = vec![Screen::root(ViewId::Costs)];
            let mut path = Vec::new();
            let given = [
                (CostDim::Team, a.team),
                (CostDim::Project, a.project),
                (CostDim::Developer, a.developer),
                (CostDim::Agent, a.agent),
                (CostDim::Model, a.model),
            ];
            for (dim, value) in given {
                if let Some(v) = value {
                    path.push((dim, v.clone()));
                    state
                        .stack
                        .push(Screen::new(ScreenKind::Costs { path: path.clone() }, v));
                }
            }
            let effects = show_top(state, clock);
            set_filter(state, &words.join(" "));
            effects
        }
        Command::Go { view, args, words } => {
            let effects = go_root(state, view, clock);
            let mut filter: Vec<String> = args.into_iter().map(|(_, v)| v).collect();
            filter.extend(words);
            set_filter(state, &filter.join(" "));
            effects
        }
    }
}
