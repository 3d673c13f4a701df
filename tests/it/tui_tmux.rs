//! End-to-end scenarios on the real binary inside tmux: start, navigate, drill, filter,
//! acknowledge an alert (and find it persisted), quit with the terminal restored. Each step
//! waits for text on the screen (polling capture-pane with a timeout), never a fixed sleep.
//! tmux is installed when missing and we are root (see also .ci/test); otherwise skipped.

use crate::tui_support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

static NEXT: AtomicUsize = AtomicUsize::new(0);

fn have_tmux() -> bool {
    let ok = || {
        Command::new("tmux")
            .arg("-V")
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if ok() {
        return true;
    }
    let root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    if root {
        let _ = Command::new("apt-get")
            .args(["install", "-y", "tmux"])
            .status();
    }
    ok()
}

struct Tmux {
    socket: String,
    dir: tempfile::TempDir,
}

impl Tmux {
    /// Starts the console on `db` in a fresh tmux server with a throwaway HOME.
    fn start(db: Option<&Path>, extra: &[&str]) -> Option<Tmux> {
        if !have_tmux() {
            eprintln!("tmux is not installed; skipping the end-to-end scenario");
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        let socket = format!(
            "agentdeck-e2e-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::SeqCst)
        );
        let home = dir.path();
        // The scenarios drive seeded alerts by hand: no background rule evaluation.
        std::fs::create_dir_all(home.join("config/agentdeck")).unwrap();
        std::fs::write(
            home.join("config/agentdeck/config.toml"),
            "[alerting]\nenabled = false\n",
        )
        .unwrap();
        let mut cmd = format!(
            "env HOME={h} XDG_CONFIG_HOME={h}/config XDG_DATA_HOME={h}/data XDG_STATE_HOME={h}/state TERM=xterm-256color {bin}",
            h = home.display(),
            bin = env!("CARGO_BIN_EXE_agentdeck")
        );
        if let Some(db) = db {
            cmd.push_str(&format!(" --db {}", db.display()));
        }
        for a in extra {
            cmd.push(' ');
            cmd.push_str(a);
        }
        cmd.push_str("; echo __EXIT_$?__; sleep 600");
        let status = Command::new("tmux")
            .args([
                "-L",
                &socket,
                "new-session",
                "-d",
                "-x",
                "120",
                "-y",
                "40",
                &cmd,
            ])
            .status()
            .unwrap();
        assert!(status.success(), "tmux new-session failed");
        Some(Tmux { socket, dir })
    }

    fn tmux(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn screen(&self) -> String {
        self.tmux(&["capture-pane", "-p"])
    }

    fn wait_for(&self, text: &str) -> String {
        self.wait_until(text, |screen| screen.contains(text))
    }

    /// Polls the screen until `ready` holds, or fails after a minute showing the screen.
    fn wait_until(&self, what: &str, ready: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let screen = self.screen();
            if ready(&screen) {
                return screen;
            }
            if Instant::now() > deadline {
                panic!("timed out waiting for {what:?}; screen:\n{screen}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys"];
        args.extend_from_slice(keys);
        self.tmux(&args);
    }

    fn type_text(&self, text: &str) {
        self.tmux(&["send-keys", "-l", text]);
    }

    fn home(&self) -> PathBuf {
        self.dir.path().to_path_buf()
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        self.tmux(&["kill-server"]);
    }
}

/// A store seeded at the real current time (the binary uses the system clock).
fn live_store() -> (tempfile::TempDir, PathBuf) {
    let (dir, store) = tui_support::empty_store();
    tui_support::seed_at(&store, chrono::Utc::now().timestamp_millis());
    let path = store.path().to_path_buf();
    drop(store);
    (dir, path)
}

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
    // Keys are handled in order: once `1` has switched to Overview, `a` was handled too.
    t.keys(&["a", "1"]);
    t.wait_for("Agent mix");
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
