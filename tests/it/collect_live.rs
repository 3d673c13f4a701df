//! The console's live tail (`collect::watch`): a line appended to a transcript reaches the
//! store through a file-system notification, without waiting for a sweep; a new session
//! file is discovered; where notifications are off, polling still delivers.

use crate::common::{assistant_line, claude_project};
use agentdeck::collect::parse::ParseEnv;
use agentdeck::collect::project::FixedProjectResolver;
use agentdeck::collect::sources::Roots;
use agentdeck::collect::watch::{self, LiveConfig, LiveStats};
use agentdeck::pricing::PriceTable;
use agentdeck::store::Store;
use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// Long enough for a loaded 2-core machine; the tail normally takes milliseconds.
const PATIENCE: Duration = Duration::from_secs(20);
/// A sweep that never comes during a test: only notifications (or polling) can deliver.
const NEVER: Duration = Duration::from_secs(3_600);

fn requests(db: &Path) -> i64 {
    let conn =
        rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .unwrap();
    conn.query_row("SELECT count(*) FROM requests", [], |r| r.get(0))
        .unwrap_or(0)
}

fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < PATIENCE, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn line(i: u32) -> String {
    let ts = format!("2026-01-09T10:{:02}:00.000Z", i % 60);
    format!(
        "{}\n",
        assistant_line(
            "s1",
            &format!("msg_{i}"),
            Some(&format!("req_{i}")),
            &ts,
            10,
            5,
            0
        )
    )
}

fn append(path: &Path, text: &str) {
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .unwrap();
    f.write_all(text.as_bytes()).unwrap();
}

/// A temp folder with `claude/projects/-home-dev-api/s1.jsonl` holding one request.
fn one_transcript() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let transcript = claude_project(&dir.path().join("claude"), "-home-dev-api").join("s1.jsonl");
    append(&transcript, &line(0));
    (dir, transcript)
}

/// Runs the live tail over `claude_root` while `body` runs, then stops it.
fn with_tail(claude_root: &Path, db: &Path, config: LiveConfig, body: impl FnOnce(&LiveStats)) {
    let store = Store::open(db).unwrap();
    let roots = Roots {
        claude: vec![claude_root.to_path_buf()],
        ..Roots::default()
    };
    let prices = PriceTable::builtin();
    let projects = FixedProjectResolver::new();
    let env = ParseEnv {
        developer: "dev@example.com",
        prices: &prices,
        projects: &projects,
    };
    let stop = AtomicBool::new(false);
    let stats = LiveStats::default();
    std::thread::scope(|s| {
        s.spawn(|| watch::run(&store, &roots, &env, &stop, &config, &stats));
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| body(&stats)));
        stop.store(true, Ordering::Relaxed);
        if let Err(p) = result {
            std::panic::resume_unwind(p);
        }
    });
}

#[test]
fn an_appended_line_arrives_by_notification_without_a_sweep() {
    let (dir, transcript) = one_transcript();
    let (root, db) = (dir.path().join("claude"), dir.path().join("s.db"));
    let config = LiveConfig {
        sweep_interval: NEVER,
        ..LiveConfig::default()
    };
    with_tail(&root, &db, config, |stats| {
        wait_for("the first full pass", || requests(&db) == 1);
        assert_eq!(stats.watched_dirs.load(Ordering::Relaxed), 1);
        for i in 1..=3 {
            append(&transcript, &line(i));
            wait_for("the appended line", || requests(&db) == 1 + i64::from(i));
        }
        assert_eq!(stats.full_passes.load(Ordering::Relaxed), 1);
        assert!(stats.file_passes.load(Ordering::Relaxed) >= 1);

        // A new session in a new project folder: a discovery finds it.
        let other = claude_project(&root, "-home-dev-web").join("s2.jsonl");
        append(&other, &line(10));
        wait_for("the new session file", || requests(&db) == 5);
        assert!(stats.full_passes.load(Ordering::Relaxed) >= 2);
    });
}

#[test]
fn polling_delivers_where_notifications_are_off() {
    let (dir, transcript) = one_transcript();
    let (root, db) = (dir.path().join("claude"), dir.path().join("s.db"));
    let config = LiveConfig {
        sweep_interval: NEVER,
        poll_interval: Duration::from_millis(100),
        force_poll: true,
        ..LiveConfig::default()
    };
    with_tail(&root, &db, config, |stats| {
        wait_for("the first pass", || requests(&db) == 1);
        assert_eq!(stats.watched_dirs.load(Ordering::Relaxed), 0);
        assert_eq!(stats.polled_dirs.load(Ordering::Relaxed), 1);
        append(&transcript, &line(1));
        wait_for("the appended line", || requests(&db) == 2);
        assert_eq!(stats.file_passes.load(Ordering::Relaxed), 0);
    });
}

/// (runs' total rows, last run, skipped lines) of the Claude Code source's health.
fn claude_health(db: &Path) -> Option<(i64, i64, i64)> {
    let conn =
        rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .ok()?;
    let skipped: i64 = conn
        .query_row("SELECT count(*) FROM skipped_lines", [], |r| r.get(0))
        .ok()?;
    conn.query_row(
        "SELECT rows, last_run FROM source_health WHERE source = ?1 AND last_run IS NOT NULL",
        [agentdeck::collect::sources::claude_code::SOURCE],
        |r| Ok((r.get(0)?, r.get(1)?, skipped)),
    )
    .ok()
}

#[test]
fn the_live_tail_records_source_health_for_its_passes() {
    let (dir, transcript) = one_transcript();
    let (root, db) = (dir.path().join("claude"), dir.path().join("s.db"));
    let config = LiveConfig {
        sweep_interval: NEVER,
        ..LiveConfig::default()
    };
    with_tail(&root, &db, config, |_| {
        wait_for("the first pass's health", || {
            claude_health(&db).is_some_and(|(rows, _, _)| rows == 1)
        });
        let (_, first_run, _) = claude_health(&db).unwrap();
        // A pass over the changed file only (no sweep): one line skipped, one added.
        append(&transcript, &format!("{{not json\n{}", line(1)));
        wait_for("the changed file's health", || {
            claude_health(&db)
                .is_some_and(|(rows, at, skipped)| rows == 2 && at >= first_run && skipped == 1)
        });
    });
}
