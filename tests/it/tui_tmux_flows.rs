//! End-to-end scenarios for issue 11 on the real binary in tmux: one key right after a
//! resize (it used to wait for the next key), a 90-day period over old data, a filter that
//! matches nothing, the detail pane, the back stack across views, export, `--demo --db`.

use crate::tui_support;
use crate::tui_support::tmux::{Tmux, live_store};

use std::time::Duration;

/// Long enough for a loaded machine, far shorter than "until the next key".
const PROMPT: Duration = Duration::from_secs(15);

#[test]
fn the_first_key_after_a_resize_is_not_swallowed() {
    let (_d, db) = live_store();
    let Some(t) = Tmux::start_sized(Some(&db), &[], 160, 48) else {
        return;
    };
    t.wait_for("Open alerts");
    t.keys(&["2"]);
    t.wait_for("Sessions —");
    for (i, (w, h)) in [(120u16, 40u16), (80, 24), (160, 48)]
        .into_iter()
        .enumerate()
    {
        t.resize(w, h);
        // The console has redrawn at the new size before the key goes in.
        t.wait_until("the redraw at the new size", |s| {
            s.lines().count() >= h as usize - 1
                && s.lines().next().is_some_and(|l| l.len() <= w as usize + 8)
        });
        let (key, want) = [
            ("3", "Spend by team"),
            ("4", "Developers: role"),
            ("2", "Sessions —"),
        ][i];
        t.keys(&[key]);
        t.wait_within(PROMPT, want, |s| s.contains(want));
    }
    // `q` right after a resize quits on the first press.
    t.resize(100, 30);
    t.keys(&["q"]);
    t.wait_within(PROMPT, "exit", |s| s.contains("__EXIT_0__"));
}

#[test]
fn a_90_day_period_shows_data_from_two_months_ago() {
    let (dir, store) = tui_support::empty_store();
    tui_support::seed_at(
        &store,
        chrono::Utc::now().timestamp_millis() - 60 * 86_400_000,
    );
    let db = store.path().to_path_buf();
    drop(store);
    let Some(t) = Tmux::start(Some(&db), &[]) else {
        return;
    };
    t.wait_for("Open alerts");
    t.keys(&["3"]);
    t.wait_for("No spend in this period (this month)");
    t.keys(&[":"]);
    t.type_text("since 90d");
    t.keys(&["Enter"]);
    t.wait_for("period 90d");
    t.wait_for("platform");
    t.wait_for("in 90d");
    // Replay and Overview read the same period.
    t.keys(&["6"]);
    t.wait_for("Work sessions, 90d");
    t.wait_for("ana@acme.dev");
    t.keys(&["q"]);
    t.wait_for("__EXIT_0__");
    drop(dir);
}

#[test]
fn a_filter_with_no_match_says_so() {
    let (_d, db) = live_store();
    let Some(t) = Tmux::start(Some(&db), &[]) else {
        return;
    };
    t.wait_for("Open alerts");
    t.keys(&["2"]);
    t.wait_for("ana@acme.dev");
    t.keys(&["/"]);
    t.type_text("nobody-here");
    t.keys(&["Enter"]);
    let screen = t.wait_for("No match for filter /nobody-here");
    assert!(!screen.contains("agentdeck ingest"), "{screen}");
    t.keys(&["Escape"]);
    t.wait_for("ana@acme.dev");
    t.keys(&["q"]);
    t.wait_for("__EXIT_0__");
}

#[test]
fn detail_pane_and_back_stack_across_views() {
    let (_d, db) = live_store();
    let Some(t) = Tmux::start(Some(&db), &[]) else {
        return;
    };
    t.wait_for("Open alerts");
    t.keys(&["7"]);
    t.wait_for("Alerts — 1 firing");
    // Enter: the alert in full, with its history.
    t.keys(&["Enter"]);
    t.wait_for("alert #1 · budget_forecast · team:platform");
    t.wait_for("history");
    // Enter again: the subject, pushed on the stack.
    t.keys(&["Enter"]);
    t.wait_for("Alerts › details › platform");
    t.wait_for("Spend by project");
    // Esc twice: back to Alerts with the same alert selected.
    t.keys(&["Escape"]);
    t.wait_for("alert #1 · budget_forecast");
    t.keys(&["Escape"]);
    let screen = t.wait_for("Alerts — 1 firing");
    let selected = screen.lines().find(|l| l.contains('▶')).unwrap_or_default();
    assert!(selected.contains("team:platform"), "{screen}");
    t.keys(&["q"]);
    t.wait_for("__EXIT_0__");
}

#[test]
fn export_writes_the_current_table() {
    let (_d, db) = live_store();
    let Some(t) = Tmux::start(Some(&db), &[]) else {
        return;
    };
    let out = t.home().join("alerts.json");
    t.wait_for("Open alerts");
    t.keys(&["7"]);
    t.wait_for("Alerts — 1 firing");
    t.keys(&[":"]);
    t.type_text(&format!("export {}", out.display()));
    t.keys(&["Enter"]);
    t.wait_for("exported 4 rows");
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 4);
    assert_eq!(v[0]["rule"], "budget_forecast");
    t.keys(&["q"]);
    t.wait_for("__EXIT_0__");
}

#[test]
fn demo_with_db_is_kept_and_reopened_with_its_acks() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db");
    let db_arg = db.display().to_string();
    {
        let Some(t) = Tmux::start(None, &["--demo", "--db", &db_arg]) else {
            return;
        };
        t.wait_for("demo: built into");
        t.keys(&["7"]);
        t.wait_for("Alerts —");
        t.keys(&[":"]);
        t.type_text("ack kept across runs");
        t.keys(&["Enter"]);
        t.wait_for("acknowledged by");
        t.keys(&["q"]);
        t.wait_for("__EXIT_0__");
    }
    let store = agentdeck::store::Store::open(&db).unwrap();
    let acked = store.reader().unwrap().alerts(&[]).unwrap();
    assert!(
        acked
            .iter()
            .any(|a| a.row.note.as_deref() == Some("kept across runs"))
    );
    drop(store);
    let Some(t) = Tmux::start(None, &["--demo", "--db", &db_arg]) else {
        return;
    };
    t.wait_for("demo: reopened");
    t.keys(&["q"]);
    t.wait_for("__EXIT_0__");
    drop(t);
    // A store with real data is never written by the demo.
    let (_d, real) = live_store();
    let Some(t) = Tmux::start(None, &["--demo", "--db", real.to_str().unwrap()]) else {
        return;
    };
    t.wait_for("is not a demo store");
    t.wait_for("__EXIT_1__");
}
