//! Keys while an overlay is open (help, command line with history and Tab completion,
//! filter, acknowledgement note), and the alert actions (acknowledge, snooze, resolve) from
//! Alerts, Overview or an alert's detail pane.

use super::*;
use crate::tui::state::HISTORY_LIMIT;

pub(super) fn on_overlay_key(
    state: &mut State,
    overlay: Overlay,
    key: KeyEvent,
    clock: &dyn Clock,
) -> Vec<Effect> {
    let ctrl_c = key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL);
    match overlay {
        Overlay::Help { scroll } => {
            match key.code {
                KeyCode::Down | KeyCode::Char('j') => {
                    state.overlay = Some(Overlay::Help { scroll: scroll + 1 })
                }
                KeyCode::Up | KeyCode::Char('k') => {
                    state.overlay = Some(Overlay::Help {
                        scroll: scroll.saturating_sub(1),
                    })
                }
                _ if ctrl_c => return quit(state),
                _ => {}
            }
            vec![]
        }
        Overlay::Command(line) => on_command_key(state, line, key, ctrl_c, clock),
        Overlay::Filter(mut input) => match key.code {
            KeyCode::Esc => {
                set_filter(state, "");
                vec![]
            }
            KeyCode::Enter => vec![],
            _ => {
                if input.handle(key) {
                    set_filter(state, &input.text);
                }
                state.overlay = Some(Overlay::Filter(input));
                vec![]
            }
        },
        Overlay::AckNote {
            alert_id,
            subject,
            mut note,
        } => {
            let newline = (key.code == KeyCode::Enter
                && key
                    .modifiers
                    .intersects(KeyModifiers::ALT | KeyModifiers::SHIFT))
                || (key.code == KeyCode::Char('j')
                    && key.modifiers.contains(KeyModifiers::CONTROL));
            match key.code {
                KeyCode::Esc => flash(state, "acknowledgement cancelled", FlashLevel::Info),
                KeyCode::Enter if !newline => {
                    let text = note.lines().join("\n").trim().to_string();
                    state.flash = Some((
                        format!("acknowledging alert #{alert_id}…"),
                        FlashLevel::Info,
                    ));
                    vec![Effect::AckAlert {
                        id: alert_id,
                        note: text,
                        at_ms: clock.now_ms(),
                    }]
                }
                _ => {
                    if newline {
                        note.insert_newline();
                    } else {
                        note.input(key);
                    }
                    state.overlay = Some(Overlay::AckNote {
                        alert_id,
                        subject,
                        note,
                    });
                    vec![]
                }
            }
        }
    }
}

fn remember(state: &mut State, text: &str) {
    let text = text.trim();
    if text.is_empty() {
        return;
    }
    state.history.retain(|h| h != text);
    state.history.push(text.to_string());
    if state.history.len() > HISTORY_LIMIT {
        state.history.remove(0);
    }
}

fn on_command_key(
    state: &mut State,
    mut line: CommandLine,
    key: KeyEvent,
    ctrl_c: bool,
    clock: &dyn Clock,
) -> Vec<Effect> {
    match key.code {
        KeyCode::Esc => vec![],
        _ if ctrl_c => vec![],
        KeyCode::Enter => {
            let text = line.input.text.clone();
            remember(state, &text);
            match command::parse(&text) {
                Ok(cmd) => run_command(state, cmd, clock),
                Err(e) => flash(state, e, FlashLevel::Error),
            }
        }
        KeyCode::Up | KeyCode::Down => {
            let n = state.history.len();
            if n > 0 {
                let pos = match (line.history_pos, key.code) {
                    (None, KeyCode::Up) => {
                        line.draft = line.input.text.clone();
                        Some(n - 1)
                    }
                    (Some(p), KeyCode::Up) => Some(p.saturating_sub(1)),
                    (Some(p), _) if p + 1 < n => Some(p + 1),
                    _ => None,
                };
                let text = match pos {
                    Some(p) => state.history[p].clone(),
                    None => line.draft.clone(),
                };
                line.history_pos = pos;
                line.input = LineInput::with_text(&text);
            }
            line.candidates.clear();
            state.overlay = Some(Overlay::Command(line));
            vec![]
        }
        KeyCode::Tab => {
            let (text, candidates) = super::complete::complete(state, &line.input.text);
            line.input = LineInput::with_text(&text);
            line.candidates = candidates;
            state.overlay = Some(Overlay::Command(line));
            vec![]
        }
        _ => {
            line.input.handle(key);
            line.candidates.clear();
            line.history_pos = None;
            state.overlay = Some(Overlay::Command(line));
            vec![]
        }
    }
}

/// The alert the selection points at: (id, subject, state).
fn selected_alert(state: &State) -> Option<(i64, String, AlertState)> {
    let row = selected_row(state);
    match (state.model.as_ref(), row) {
        (Some(Model::Alerts(m)), Some(r)) => m
            .items
            .get(r)
            .map(|i| (i.alert.id, i.alert.row.subject.clone(), i.alert.row.state)),
        (Some(Model::Overview(m)), Some(r)) => {
            m.alerts.get(r).map(|a| (a.id, a.subject.clone(), a.state))
        }
        (Some(Model::Detail(d)), _) => d.alert.clone(),
        _ => None,
    }
}

/// Acknowledge (opens the note), snooze (`snooze`: how long in ms and as typed; default
/// one hour) or resolve the selected alert.
pub(super) fn alert_action(
    state: &mut State,
    action: Action,
    snooze: Option<(i64, String)>,
    clock: &dyn Clock,
) -> Vec<Effect> {
    if state.read_only {
        return read_only_refusal(state, action);
    }
    let Some((id, subject, alert_state)) = selected_alert(state) else {
        return flash(
            state,
            "select an alert (Alerts, 7) first",
            FlashLevel::Error,
        );
    };
    if alert_state == AlertState::Resolved {
        return flash(state, format!("alert #{id} is resolved"), FlashLevel::Error);
    }
    match action {
        Action::Snooze => {
            let (ms, span) = snooze.unwrap_or((SNOOZE_MS, "1h".to_string()));
            state.flash = Some((
                format!("snoozing alert #{id} for {span}…"),
                FlashLevel::Info,
            ));
            vec![Effect::SnoozeAlert {
                id,
                until_ms: clock.now_ms() + ms,
                span,
            }]
        }
        Action::Resolve => {
            state.flash = Some((format!("resolving alert #{id}…"), FlashLevel::Info));
            vec![Effect::ResolveAlert {
                id,
                at_ms: clock.now_ms(),
            }]
        }
        _ => {
            let mut note = ratatui_textarea::TextArea::default();
            note.set_placeholder_text("what you are doing about it");
            note.set_wrap_mode(ratatui_textarea::WrapMode::WordOrGlyph);
            state.overlay = Some(Overlay::AckNote {
                alert_id: id,
                subject,
                note: Box::new(note),
            });
            vec![]
        }
    }
}
