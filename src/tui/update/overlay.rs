//! Keys while an overlay is open (help, command line, filter, acknowledgement note), and the
//! alert actions that open or skip the note.

use super::*;

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
        Overlay::Command(mut input) => match key.code {
            KeyCode::Esc => vec![],
            KeyCode::Enter => match command::parse(&input.text) {
                Ok(cmd) => run_command(state, cmd, clock),
                Err(e) => flash(state, e, FlashLevel::Error),
            },
            _ if ctrl_c => vec![],
            _ => {
                input.handle(key);
                state.overlay = Some(Overlay::Command(input));
                vec![]
            }
        },
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
        } => match key.code {
            KeyCode::Esc => flash(state, "acknowledgement cancelled", FlashLevel::Info),
            KeyCode::Enter if !key.modifiers.contains(KeyModifiers::ALT) => {
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
                note.input(key);
                state.overlay = Some(Overlay::AckNote {
                    alert_id,
                    subject,
                    note,
                });
                vec![]
            }
        },
    }
}

pub(super) fn alert_action(state: &mut State, action: Action, clock: &dyn Clock) -> Vec<Effect> {
    if state.read_only {
        return flash(
            state,
            "read-only: this console does not write",
            FlashLevel::Error,
        );
    }
    let row = selected_row(state);
    // Alerts can be acted on from the Alerts view and from Overview's open-alerts table.
    let selected = match (state.model.as_ref(), row) {
        (Some(Model::Alerts(m)), Some(r)) => m
            .items
            .get(r)
            .map(|i| (i.alert.id, i.alert.row.subject.clone(), i.alert.row.state)),
        (Some(Model::Overview(m)), Some(r)) => {
            m.alerts.get(r).map(|a| (a.id, a.subject.clone(), a.state))
        }
        _ => None,
    };
    let Some((id, subject, alert_state)) = selected else {
        return flash(
            state,
            "select an alert (Alerts, 7) first",
            FlashLevel::Error,
        );
    };
    if alert_state == AlertState::Resolved {
        return flash(state, format!("alert #{id} is resolved"), FlashLevel::Error);
    }
    if action == Action::Snooze {
        state.flash = Some((format!("snoozing alert #{id} for 1h…"), FlashLevel::Info));
        return vec![Effect::SnoozeAlert {
            id,
            until_ms: clock.now_ms() + SNOOZE_MS,
        }];
    }
    let mut note = ratatui_textarea::TextArea::default();
    note.set_placeholder_text("what you are doing about it");
    state.overlay = Some(Overlay::AckNote {
        alert_id: id,
        subject,
        note: Box::new(note),
    });
    vec![]
}
