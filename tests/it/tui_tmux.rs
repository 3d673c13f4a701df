//! End-to-end scenarios on the real binary inside tmux: start, navigate, drill, filter,
//! acknowledge an alert (and find it persisted), quit with the terminal restored. Each step
//! waits for text on the screen (polling capture-pane with a timeout), never a fixed sleep.
//! tmux is installed when missing and we are root (see also .ci/test); otherwise skipped.

use crate::tui_support::tmux::{Tmux, live_store};

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

#[test]
fn starts_on_overview_and_quits_restoring_the_terminal() {
    let (_d, db) = live_store();
    let Some(t) = Tmux::start(Some(&db), &[]) else {
        return;
    };
    t.wait_for("Open alerts");
    t.wait_for("budget_forecast");
    t.keys(&["q"]);
    t.wait_for("__EXIT_0__");
    assert_eq!(
        t.tmux(&["display-message", "-p", "#{alternate_on}"]).trim(),
        "0",
        "still in the alternate screen"
    );
    let _ = t.home();
}

#[test]
fn costs_command_drill_down_and_back() {
    let (_d, db) = live_store();
    let Some(t) = Tmux::start(Some(&db), &[]) else {
        return;
    };
    t.wait_for("Open alerts");
    t.keys(&[":"]);
    t.type_text("costs since=30d");
    t.keys(&["Enter"]);
    t.wait_for("Spend by team");
    // Select the platform row whatever its rank, then drill into it.
    t.keys(&["/"]);
    t.type_text("platform");
    t.keys(&["Enter"]);
    t.wait_for("filter /platform");
    t.keys(&["Enter"]);
    t.wait_for("Costs › platform");
    t.wait_for("Spend by project");
    t.keys(&["Escape"]);
    t.wait_for("Spend by team");
    t.keys(&["Escape"]);
    t.wait_for("security"); // the filter is cleared: every team is back
    t.keys(&["q"]);
    t.wait_for("__EXIT_0__");
}

#[test]
fn acknowledging_an_alert_with_a_note_is_persisted() {
    let (_d, db) = live_store();
    let Some(t) = Tmux::start(Some(&db), &[]) else {
        return;
    };
    t.wait_for("Open alerts");
    t.keys(&["7"]);
    // The table title, not the status bar's "▲ 1 firing" (visible before Alerts has loaded).
    t.wait_for("Alerts — 1 firing");
    t.keys(&["a"]);
    t.wait_for("Acknowledge alert #");
    t.type_text("rolling back the deploy");
    t.keys(&["Enter"]);
    t.wait_for("acknowledged by");
    t.wait_for("Alerts — 0 firing");
    t.keys(&["q"]);
    t.wait_for("__EXIT_0__");
    let store = agentdeck::store::Store::open(&db).unwrap();
    let alerts = store.reader().unwrap().alerts(&[]).unwrap();
    let acked = alerts
        .iter()
        .find(|a| a.row.rule == "budget_forecast")
        .unwrap();
    assert_eq!(
        acked.row.state,
        agentdeck::domain::alerts::AlertState::Acked
    );
    assert_eq!(acked.row.note.as_deref(), Some("rolling back the deploy"));
    assert!(acked.row.acked_by.as_deref().is_some_and(|b| !b.is_empty()));
    assert!(acked.row.acked_at.is_some());
}

#[test]
fn filter_on_live_narrows_the_table() {
    let (_d, db) = live_store();
    let Some(t) = Tmux::start(Some(&db), &[]) else {
        return;
    };
    t.wait_for("Open alerts");
    t.keys(&["2"]);
    t.wait_for("Sessions — ⏎ tails one");
    t.wait_for("ana@acme.dev");
    t.keys(&["/"]);
    t.type_text("bo@");
    t.keys(&["Enter"]);
    // A capture can catch a frame mid-write, so wait for the whole condition to hold.
    t.wait_until("only bo@'s sessions listed", |screen| {
        let table: String = screen.lines().skip(3).collect::<Vec<_>>().join("\n");
        screen.contains("filter /bo@")
            && table.contains("bo@acme.dev")
            && !table.contains("ana@acme.dev")
    });
    t.keys(&["Escape"]);
    t.wait_for("ana@acme.dev");
    t.keys(&["q"]);
    t.wait_for("__EXIT_0__");
}

#[test]
fn read_only_refuses_to_acknowledge() {
    let (_d, db) = live_store();
    let Some(t) = Tmux::start(Some(&db), &["--read-only"]) else {
        return;
    };
    t.wait_for("read-only");
    t.keys(&["7"]);
    t.wait_for("acknowledging and snoozing are disabled");
    t.keys(&["a"]);
    // The key answers: a message, not silence, and no note editor.
    t.wait_for("read-only: acknowledging is disabled");
    assert!(!t.screen().contains("Acknowledge alert #"));
    t.keys(&["q"]);
    t.wait_for("__EXIT_0__");
}

#[test]
fn demo_is_alive_on_a_fresh_machine() {
    let Some(t) = Tmux::start(None, &["--demo"]) else {
        return;
    };
    t.wait_for("Open alerts");
    t.keys(&["2"]);
    t.wait_for("● running");
    t.keys(&["Enter"]);
    t.wait_for("follow on");
    t.keys(&["q"]);
    t.wait_for("__EXIT_0__");
}

#[test]
fn sigterm_restores_the_terminal() {
    let (_d, db) = live_store();
    let Some(t) = Tmux::start(Some(&db), &[]) else {
        return;
    };
    t.wait_for("Open alerts");
    let pid = t.tmux(&["display-message", "-p", "#{pane_pid}"]);
    // The pane runs `sh -c "env … agentdeck …"`: signal the console (the shell's child).
    let children = Command::new("pgrep")
        .args(["-P", pid.trim()])
        .output()
        .unwrap();
    let child = String::from_utf8_lossy(&children.stdout)
        .lines()
        .next()
        .unwrap_or_default()
        .to_string();
    if child.is_empty() {
        return;
    }
    Command::new("kill")
        .args(["-TERM", &child])
        .status()
        .unwrap();
    t.wait_for("__EXIT_0__");
    assert_eq!(
        t.tmux(&["display-message", "-p", "#{alternate_on}"]).trim(),
        "0"
    );
}

#[test]
fn a_closed_terminal_ends_the_console_instead_of_spinning() {
    let (_d, db) = live_store();
    let Some(t) = Tmux::start(Some(&db), &[]) else {
        return;
    };
    t.wait_for("Open alerts");
    let pid = t.tmux(&["display-message", "-p", "#{pane_pid}"]);
    let children = Command::new("pgrep")
        .args(["-P", pid.trim()])
        .output()
        .unwrap();
    let child = String::from_utf8_lossy(&children.stdout)
        .lines()
        .next()
        .unwrap_or_default()
        .to_string();
    if child.is_empty() {
        return;
    }
    // Closing the server closes the pty under the console, like a dropped SSH session.
    t.tmux(&["kill-server"]);
    let proc_dir = PathBuf::from(format!("/proc/{child}"));
    let deadline = Instant::now() + Duration::from_secs(20);
    while proc_dir.exists() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    if proc_dir.exists() {
        let _ = Command::new("kill").args(["-9", &child]).status();
        panic!("the console kept running after its terminal closed");
    }
}
