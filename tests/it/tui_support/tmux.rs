//! Driving the real binary inside tmux: a fresh server per scenario on its own `-L` socket,
//! a throwaway HOME, and waits that poll the screen for text instead of sleeping.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

static NEXT: AtomicUsize = AtomicUsize::new(0);

pub fn have_tmux() -> bool {
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

pub struct Tmux {
    socket: String,
    dir: tempfile::TempDir,
}

impl Tmux {
    /// Starts the console on `db` in a fresh tmux server with a throwaway HOME.
    pub fn start(db: Option<&Path>, extra: &[&str]) -> Option<Tmux> {
        Tmux::start_sized(db, extra, 120, 40)
    }

    /// Starts the console in a `width`×`height` window.
    pub fn start_sized(db: Option<&Path>, extra: &[&str], width: u16, height: u16) -> Option<Tmux> {
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
            // AGENTDECK_E2E_BIN runs the scenarios against another build (an older one, to
            // see a scenario fail without its fix).
            bin = std::env::var("AGENTDECK_E2E_BIN")
                .unwrap_or_else(|_| env!("CARGO_BIN_EXE_agentdeck").to_string())
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
                &width.to_string(),
                "-y",
                &height.to_string(),
                &cmd,
            ])
            .status()
            .unwrap();
        assert!(status.success(), "tmux new-session failed");
        Some(Tmux { socket, dir })
    }

    pub fn tmux(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub fn screen(&self) -> String {
        self.tmux(&["capture-pane", "-p"])
    }

    pub fn wait_for(&self, text: &str) -> String {
        self.wait_until(text, |screen| screen.contains(text))
    }

    /// Polls the screen until `ready` holds, or fails after a minute showing the screen.
    pub fn wait_until(&self, what: &str, ready: impl Fn(&str) -> bool) -> String {
        self.wait_within(Duration::from_secs(60), what, ready)
    }

    /// Polls the screen until `ready` holds, or fails after `limit` showing the screen.
    pub fn wait_within(&self, limit: Duration, what: &str, ready: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + limit;
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

    pub fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys"];
        args.extend_from_slice(keys);
        self.tmux(&args);
    }

    pub fn type_text(&self, text: &str) {
        self.tmux(&["send-keys", "-l", text]);
    }

    pub fn home(&self) -> PathBuf {
        self.dir.path().to_path_buf()
    }

    /// Resizes the window (the console gets SIGWINCH).
    pub fn resize(&self, width: u16, height: u16) {
        self.tmux(&[
            "resize-window",
            "-x",
            &width.to_string(),
            "-y",
            &height.to_string(),
        ]);
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        self.tmux(&["kill-server"]);
    }
}

/// A store seeded at the real current time (the binary uses the system clock).
pub fn live_store() -> (tempfile::TempDir, PathBuf) {
    let (dir, store) = super::empty_store();
    super::seed_at(&store, chrono::Utc::now().timestamp_millis());
    let path = store.path().to_path_buf();
    drop(store);
    (dir, path)
}
