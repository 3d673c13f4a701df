//! The whole console without a terminal: a seeded store, a fixed clock, keys in, frames and
//! store rows out (the real `update`, loaders and writer).

use crate::tui_support;

use agentdeck::domain::alerts::AlertState;
use agentdeck::tui::harness::Harness;
use agentdeck::tui::msg::{Effect, Msg};
use agentdeck::tui::state::{ScreenKind, ViewId};
use crossterm::event::{KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use tui_support::{now, seeded_store};

fn harness(store: &agentdeck::store::Store) -> Harness {
    Harness::new(store, now(), chrono_tz::UTC, false).unwrap()
}

#[test]
fn opens_on_overview_with_real_numbers() {
    let (_d, store) = seeded_store();
    let mut h = harness(&store);
    let frame = h.render(120, 40);
    assert!(frame.contains("Overview"));
    assert!(frame.contains("budget_forecast"), "{frame}");
    assert!(frame.contains("forecast"));
}

#[test]
fn costs_drill_down_and_back_keeps_breadcrumbs() {
    let (_d, store) = seeded_store();
    let mut h = harness(&store);
    h.press(":");
    h.type_text("costs since=30d");
    h.press("enter");
    let frame = h.render(120, 40);
    assert!(frame.contains("Spend by team"), "{frame}");
    h.press("enter");
    let frame = h.render(120, 40);
    assert!(frame.contains("Costs › platform"), "{frame}");
    assert!(frame.contains("Spend by project"), "{frame}");
    h.press("enter");
    let frame = h.render(120, 40);
    assert!(frame.contains("Spend by developer"), "{frame}");
    h.press("esc");
    h.press("esc");
    assert_eq!(h.state.stack.len(), 1);
    assert!(h.render(120, 40).contains("Spend by team"));
}

#[test]
fn acknowledge_with_note_and_snooze_are_written_to_the_store() {
    let (_d, store) = seeded_store();
    let mut h = harness(&store);
    h.press("7");
    h.press("a");
    h.type_text("rolling back");
    h.press("enter");
    assert!(
        h.effects
            .iter()
            .any(|e| matches!(e, Effect::AckAlert { note, .. } if note == "rolling back"))
    );
    let alerts = store.reader().unwrap().alerts(&[]).unwrap();
    let a = alerts
        .iter()
        .find(|a| a.row.rule == "budget_forecast")
        .unwrap();
    assert_eq!(a.row.state, AlertState::Acked);
    assert_eq!(a.row.note.as_deref(), Some("rolling back"));
    assert_eq!(a.row.acked_by.as_deref(), Some("tester"));
    assert_eq!(a.row.acked_at, Some(h.now_ms()));
    let frame = h.render(120, 40);
    assert!(frame.contains("acknowledged by tester"), "{frame}");
    // Snooze the acknowledged alert (now first in the list: acked sorts before snoozed).
    h.press("s");
    let alerts = store
        .reader()
        .unwrap()
        .alerts(&[AlertState::Snoozed])
        .unwrap();
    assert_eq!(alerts.len(), 2);
}

#[test]
fn read_only_console_never_writes() {
    let (_d, store) = seeded_store();
    let mut h = Harness::new(&store, now(), chrono_tz::UTC, true).unwrap();
    h.press("7");
    h.press("a");
    h.press("s");
    assert!(h.effects.is_empty());
    assert!(
        store
            .reader()
            .unwrap()
            .alerts(&[AlertState::Firing])
            .unwrap()
            .len()
            == 1
    );
    assert!(h.render(120, 40).contains("read-only"));
}

#[test]
fn live_enter_tails_a_session_and_follow_keeps_the_newest_line() {
    let (_d, store) = seeded_store();
    let mut h = harness(&store);
    h.press("2");
    h.press("enter");
    assert!(matches!(h.state.top().kind, ScreenKind::Session { .. }));
    assert!(h.state.follow);
    let frame = h.render(120, 40);
    assert!(frame.contains("Timeline"), "{frame}");
    assert!(frame.contains("follow on"), "{frame}");
    // Moving up leaves follow mode; f turns it back on.
    h.press("up");
    assert!(!h.state.follow);
    h.press("f");
    assert!(h.state.follow);
}

#[test]
fn alert_o_opens_the_subject_and_esc_returns_with_the_alert_selected() {
    let (_d, store) = seeded_store();
    let mut h = harness(&store);
    h.press("7");
    h.press("o");
    assert_eq!(h.state.view(), ViewId::Costs);
    assert!(h.render(120, 40).contains("Alerts › platform"));
    // Back along the stack: the Alerts view, the same alert still selected.
    h.press("esc");
    assert_eq!(h.state.view(), ViewId::Alerts);
    let frame = h.render(120, 40);
    let selected = frame.lines().find(|l| l.contains('▶')).unwrap_or_default();
    assert!(selected.contains("team:platform"), "{frame}");
}

#[test]
fn mouse_selects_rows_and_tabs() {
    let (_d, store) = seeded_store();
    let mut h = harness(&store);
    h.render(120, 40);
    h.press("2");
    let click = |column, row| {
        Msg::Mouse(MouseEvent {
            kind: MouseEventKind::Down(MouseButton::Left),
            column,
            row,
            modifiers: KeyModifiers::NONE,
        })
    };
    h.send(click(10, 7));
    assert_eq!(h.state.top().selected, 2);
    h.send(Msg::Mouse(MouseEvent {
        kind: MouseEventKind::ScrollDown,
        column: 10,
        row: 10,
        modifiers: KeyModifiers::NONE,
    }));
    assert_eq!(h.state.top().selected, 5);
    // Tab bar: the Sources tab is the last one on the first row.
    let tabs = agentdeck::tui::views::chrome::tabs(120);
    let (_, _, x0, _) = tabs[7];
    h.send(click(x0 + 1, 0));
    assert_eq!(h.state.view(), ViewId::Sources);
}

#[test]
fn quit_is_an_effect() {
    let (_d, store) = seeded_store();
    let mut h = harness(&store);
    h.press("q");
    assert!(h.state.quit);
    assert!(h.effects.contains(&Effect::Quit));
}

#[test]
fn row_counts_match_the_filterable_rows_in_every_view() {
    let (_d, store) = seeded_store();
    let mut h = harness(&store);
    for view in ViewId::ALL {
        h.press(&view.number().to_string());
        let model = h.state.model.as_ref().unwrap();
        assert_eq!(model.row_count(), model.row_texts().len(), "{view:?}");
        assert_eq!(model.visible("", None).len(), model.row_count());
    }
}

#[test]
fn overview_alerts_can_be_acknowledged_in_place() {
    let (_d, store) = seeded_store();
    let mut h = harness(&store);
    h.press("a");
    h.type_text("paging the owner");
    h.press("enter");
    let a = store
        .reader()
        .unwrap()
        .alerts(&[AlertState::Acked])
        .unwrap();
    assert!(
        a.iter()
            .any(|a| a.row.note.as_deref() == Some("paging the owner"))
    );
    assert!(h.render(120, 40).contains("acknowledged by tester"));
}

#[test]
fn tiny_and_odd_terminal_sizes_never_panic() {
    let (_d, store) = seeded_store();
    let mut h = harness(&store);
    for view in ViewId::ALL {
        h.press(&view.number().to_string());
        for (w, hh) in [
            (1, 1),
            (10, 3),
            (20, 5),
            (40, 10),
            (59, 17),
            (300, 5),
            (15, 80),
        ] {
            h.render(w, hh);
        }
        h.press("enter");
        h.render(30, 8);
        h.press("?");
        h.render(12, 6);
        h.press("esc");
    }
    h.press("7");
    h.press("a");
    h.render(20, 5);
    h.render(1, 1);
    h.press("esc");
}
