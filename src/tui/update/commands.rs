//! Applying `:` commands: views with arguments, periods (`:since`, `:until`, `:range`,
//! `:period`, `:last`), `:export FILE`, alert actions (`:snooze 4h`, `:resolve`, `:ack
//! NOTE`), `:sort COLUMN` and themes.

use super::*;
use crate::domain::span::{Period, parse_date};
use crate::tui::command::PeriodCmd;
use crate::tui::export::{self, ExportTable};
use crate::tui::widgets::table::{Dir, Sort};

/// The period a `:` command asks for.
fn period_of(
    state: &State,
    how: PeriodCmd,
    arg: &str,
    clock: &dyn Clock,
) -> Result<Period, String> {
    let today = state.today(clock.now_ms());
    let bad = |e: crate::domain::span::PeriodError| e.to_string();
    match how {
        PeriodCmd::Set | PeriodCmd::Since => Period::parse(arg, today).map_err(bad),
        PeriodCmd::Last => Period::parse_last(arg, today).map_err(bad),
        PeriodCmd::Range => {
            if arg.contains("..") {
                Period::parse(arg, today).map_err(bad)
            } else {
                Err(format!(
                    "`{arg}`: a range is A..B, e.g. 2026-09-01..2026-09-30"
                ))
            }
        }
        PeriodCmd::Until => {
            let last = parse_date(arg.trim())
                .ok_or_else(|| format!("`{arg}`: until needs a date, e.g. 2026-09-30"))?;
            state.period.until(last, today).map_err(bad)
        }
    }
}

fn export(state: &mut State, path: &str, replace: bool) -> Vec<Effect> {
    let Some(model) = state.model.as_ref() else {
        return flash(state, "nothing loaded to export yet", FlashLevel::Error);
    };
    let rows = visible(state);
    let table = ExportTable::of(model.table(), &rows);
    vec![Effect::Export {
        path: export::resolve(path),
        replace,
        table,
    }]
}

fn sort_by(state: &mut State, column: Option<String>, descending: Option<bool>) -> Vec<Effect> {
    let Some(model) = state.model.as_ref() else {
        return vec![];
    };
    let Some(name) = column else {
        state.top_mut().sort = None;
        return flash(state, "the view's own order", FlashLevel::Info);
    };
    let table = model.table();
    let wanted = name.to_lowercase();
    let found = table
        .columns
        .iter()
        .position(|c| c.header.to_lowercase() == wanted)
        .or_else(|| {
            table
                .columns
                .iter()
                .position(|c| !c.header.is_empty() && c.header.to_lowercase().starts_with(&wanted))
        });
    let Some(column) = found else {
        let names: Vec<&str> = table
            .columns
            .iter()
            .map(|c| c.header.as_str())
            .filter(|h| !h.is_empty())
            .collect();
        return flash(
            state,
            format!("no column `{name}` here (columns: {})", names.join(", ")),
            FlashLevel::Error,
        );
    };
    let dir = match descending {
        Some(true) => Dir::Desc,
        Some(false) => Dir::Asc,
        None => table.default_dir(column),
    };
    let header = table.columns[column].header.clone();
    state.top_mut().sort = Some(Sort { column, dir });
    scroll_into_view(state);
    flash(
        state,
        format!(
            "sorted by {header} {}",
            if dir == Dir::Asc { "▲" } else { "▼" }
        ),
        FlashLevel::Info,
    )
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
        Command::Period { how, arg } => match period_of(state, how, &arg, clock) {
            Ok(p) => set_period(state, p, clock),
            Err(e) => flash(state, e, FlashLevel::Error),
        },
        Command::Export { path, replace } => export(state, &path, replace),
        Command::Snooze(span) => match humantime::parse_duration(&span) {
            Ok(d) if !d.is_zero() => {
                let ms = i64::try_from(d.as_millis())
                    .unwrap_or(i64::MAX / 2)
                    .min(366 * 86_400_000);
                alert_action(state, Action::Snooze, Some((ms, span)), clock)
            }
            _ => flash(
                state,
                format!("snooze `{span}`: use a duration such as 30m, 4h or 2days"),
                FlashLevel::Error,
            ),
        },
        Command::Resolve => alert_action(state, Action::Resolve, None, clock),
        Command::Ack(None) => alert_action(state, Action::Acknowledge, None, clock),
        Command::Ack(Some(note)) => {
            let effects = alert_action(state, Action::Acknowledge, None, clock);
            // The note was given on the command line: acknowledge without the editor.
            match state.overlay.take() {
                Some(Overlay::AckNote { alert_id, .. }) => vec![Effect::AckAlert {
                    id: alert_id,
                    note,
                    at_ms: clock.now_ms(),
                }],
                other => {
                    state.overlay = other;
                    effects
                }
            }
        }
        Command::Sort { column, descending } => sort_by(state, column, descending),
        Command::Go {
            view: ViewId::Costs,
            args,
            words,
        } => {
            let a = match command::cost_args(&args) {
                Ok(a) => a,
                Err(e) => return flash(state, e, FlashLevel::Error),
            };
            if let Some(p) = &a.period {
                match period_of(state, PeriodCmd::Set, p, clock) {
                    Ok(p) => state.period = p,
                    Err(e) => return flash(state, format!("since={e}"), FlashLevel::Error),
                }
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
