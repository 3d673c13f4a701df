//! Live tailing while the console runs: a file-system watcher (the `notify` crate: inotify,
//! FSEvents, kqueue) names the transcripts that changed, and only those go through the
//! incremental file pipeline. Folders on network file systems, or where a watch cannot be
//! set up, are polled instead; a slow full sweep catches anything a notification missed.

use super::files::FileIdentity;
use super::ingest::{NoProgress, ingest_recorded};
use super::parse::ParseEnv;
use super::sources::{self, DiscoveredFile, FileFormat, Roots};
use super::summary::IngestSummary;
use crate::store::Store;
use notify::{Event, EventKind, RecursiveMode, Watcher};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};

/// Timings of the live tail. `Default` is what the console uses.
#[derive(Debug, Clone)]
pub struct LiveConfig {
    /// A full pass this often when every folder is watched (new roots, missed events).
    pub sweep_interval: Duration,
    /// A full pass this often when some folder has to be polled.
    pub poll_interval: Duration,
    /// After the first notification, gather more for this long before reading, so one
    /// burst of writes costs one pass.
    pub debounce: Duration,
    /// Passes triggered by a new file or folder (a full discovery) are at least this far
    /// apart.
    pub min_full_pass_gap: Duration,
    /// Poll everything, never use notifications (`AGENTDECK_WATCH=poll`).
    pub force_poll: bool,
}

impl Default for LiveConfig {
    fn default() -> LiveConfig {
        LiveConfig {
            sweep_interval: Duration::from_secs(30),
            poll_interval: Duration::from_secs(1),
            debounce: Duration::from_millis(15),
            min_full_pass_gap: Duration::from_millis(250),
            force_poll: false,
        }
    }
}

/// What the live tail has done so far (read by tests and benchmarks).
#[derive(Debug, Default)]
pub struct LiveStats {
    /// Passes that discovered every file under the roots (counted when they start).
    pub full_passes: AtomicU64,
    /// Passes over only the files a notification named.
    pub file_passes: AtomicU64,
    /// Folders watched by notification, and folders polled.
    pub watched_dirs: AtomicU64,
    pub polled_dirs: AtomicU64,
}

/// How long `run` may take to notice `stop`.
const STOP_CHECK: Duration = Duration::from_millis(100);

/// Keeps the store current with the agents' files until `stop` is set. The first pass is
/// a full one; errors of a pass are logged and the tail goes on.
pub fn run(
    store: &Store,
    roots: &Roots,
    env: &ParseEnv<'_>,
    stop: &AtomicBool,
    config: &LiveConfig,
    stats: &LiveStats,
) {
    let (tx, rx) = mpsc::channel();
    let mut watch = Watch::new(tx, config.force_poll);
    let mut known: HashMap<PathBuf, FileFormat> = HashMap::new();
    let mut changed: HashSet<PathBuf> = HashSet::new();
    let mut full_due = true;
    let mut last_full: Option<Instant> = None;
    while !stop.load(Ordering::Relaxed) {
        let now = Instant::now();
        let interval = if watch.polls() {
            config.poll_interval
        } else {
            config.sweep_interval
        };
        if last_full.is_none_or(|t| now >= t + interval) {
            full_due = true;
        }
        let full_allowed = last_full.is_none_or(|t| now >= t + config.min_full_pass_gap);
        if full_due && full_allowed {
            watch.arm(roots, stats);
            let (found, problems) = sources::discover(roots);
            known = found.iter().map(|f| (f.path.clone(), f.format)).collect();
            changed.clear();
            stats.full_passes.fetch_add(1, Ordering::Relaxed);
            // Every pass records source health (quiet ones at most once a minute), so the
            // Sources view of a running console is current.
            let formats: Vec<FileFormat> = known.values().copied().collect();
            log_pass(
                ingest_recorded(store, roots, found, problems, env, &NoProgress, formats),
                "full",
            );
            full_due = false;
            last_full = Some(Instant::now());
        } else if !changed.is_empty() {
            let files = changed
                .drain()
                .filter_map(|p| rediscover(p, &known))
                .collect();
            stats.file_passes.fetch_add(1, Ordering::Relaxed);
            let formats: Vec<FileFormat> = known.values().copied().collect();
            log_pass(
                ingest_recorded(store, roots, files, Vec::new(), env, &NoProgress, formats),
                "files",
            );
        }
        // Sleep until a notification, the next sweep, or a postponed full pass is due.
        let mut deadline = last_full.map_or(now, |t| t + interval);
        if full_due {
            deadline = last_full.map_or(now, |t| t + config.min_full_pass_gap);
        }
        let wait = deadline
            .saturating_duration_since(Instant::now())
            .min(STOP_CHECK);
        match rx.recv_timeout(wait) {
            Ok(event) => {
                classify(event, &known, &mut changed, &mut full_due);
                // Gather the rest of the burst.
                let until = Instant::now() + config.debounce;
                while let Some(left) = until.checked_duration_since(Instant::now()) {
                    match rx.recv_timeout(left) {
                        Ok(event) => classify(event, &known, &mut changed, &mut full_due),
                        Err(_) => break,
                    }
                }
            }
            Err(RecvTimeoutError::Timeout) => {}
            // The watcher is gone (it never started): polling alone from here on.
            Err(RecvTimeoutError::Disconnected) => std::thread::sleep(wait),
        }
    }
}

fn log_pass(result: crate::store::Result<IngestSummary>, kind: &str) {
    match result {
        Ok(s) if s.files_read > 0 => tracing::debug!(
            kind,
            files = s.files_read,
            added = s.outcome.requests_added,
            skipped = s.problems.len(),
            "live pass"
        ),
        Ok(_) => {}
        Err(e) => tracing::warn!("live refresh failed: {e}"),
    }
}

/// A file a notification named, with its identity as of now; None when it is gone (its
/// rows stay in the store) or is no longer a file.
fn rediscover(path: PathBuf, known: &HashMap<PathBuf, FileFormat>) -> Option<DiscoveredFile> {
    let format = *known.get(&path)?;
    let meta = std::fs::metadata(&path).ok().filter(|m| m.is_file())?;
    Some(DiscoveredFile {
        identity: FileIdentity::of(&meta),
        path,
        format,
    })
}

/// Sorts one notification: a known file that changed is read on its own; a new file or
/// folder that could hold transcripts means a full discovery; the rest is ignored.
fn classify(
    event: notify::Result<Event>,
    known: &HashMap<PathBuf, FileFormat>,
    changed: &mut HashSet<PathBuf>,
    full_due: &mut bool,
) {
    let event = match event {
        Ok(event) => event,
        Err(e) => {
            tracing::debug!("file watcher: {e}; doing a full pass");
            *full_due = true;
            return;
        }
    };
    if event.need_rescan() {
        *full_due = true;
        return;
    }
    // Reads, and removals (the store keeps the rows of deleted files), need no pass.
    if matches!(event.kind, EventKind::Access(_) | EventKind::Remove(_)) {
        return;
    }
    for path in event.paths {
        if known.contains_key(&path) {
            changed.insert(path);
        } else if may_hold_transcripts(&path) {
            *full_due = true;
        }
    }
}

/// New paths worth a discovery: folders and `.json`/`.jsonl` files, except inside Claude
/// Code's `tool-results/` folders (large tool outputs, never transcripts).
fn may_hold_transcripts(path: &Path) -> bool {
    if path.components().any(|c| c.as_os_str() == "tool-results") {
        return false;
    }
    match path.extension().and_then(|e| e.to_str()) {
        Some("jsonl" | "json") => true,
        Some(_) => false,
        None => path.is_dir(),
    }
}

/// The folders under each root that hold transcripts (the ones discovery walks).
fn watch_dirs(roots: &Roots) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = Vec::new();
    for root in &roots.claude {
        dirs.push(sources::claude_code::paths::projects_dir(root));
    }
    for root in &roots.codex {
        let (live, archived) = sources::codex::paths::session_dirs(root);
        dirs.extend([live, archived]);
    }
    for root in &roots.gemini {
        dirs.push(sources::gemini::paths::tmp_dir(root));
    }
    dirs.retain(|d| d.is_dir());
    dirs.sort();
    dirs.dedup();
    dirs
}

/// The notification side: one recursive watch per transcript folder, or a note that the
/// folder must be polled.
struct Watch {
    tx: mpsc::Sender<notify::Result<Event>>,
    watcher: Option<notify::RecommendedWatcher>,
    watcher_failed: bool,
    force_poll: bool,
    watched: HashSet<PathBuf>,
    polled: HashSet<PathBuf>,
}

impl Watch {
    fn new(tx: mpsc::Sender<notify::Result<Event>>, force_poll: bool) -> Watch {
        Watch {
            tx,
            watcher: None,
            watcher_failed: false,
            force_poll,
            watched: HashSet::new(),
            polled: HashSet::new(),
        }
    }

    /// True when some folder is polled (then full passes run every `poll_interval`).
    fn polls(&self) -> bool {
        self.force_poll || !self.polled.is_empty()
    }

    /// Watches every transcript folder that exists now and is not handled yet.
    fn arm(&mut self, roots: &Roots, stats: &LiveStats) {
        for dir in watch_dirs(roots) {
            if self.watched.contains(&dir) || self.polled.contains(&dir) {
                continue;
            }
            let reason = if self.force_poll {
                Some("AGENTDECK_WATCH=poll".to_string())
            } else if let Some(fs) = super::netfs::network_fs_type(&dir) {
                Some(format!(
                    "a network file system ({fs}) sends no notifications"
                ))
            } else {
                match self.watcher() {
                    Some(w) => w
                        .watch(&dir, RecursiveMode::Recursive)
                        .err()
                        .map(|e| format!("cannot watch: {e}")),
                    None => Some("no file-system notifications here".to_string()),
                }
            };
            match reason {
                None => {
                    tracing::debug!(dir = %dir.display(), "watching for changes");
                    self.watched.insert(dir);
                }
                Some(reason) => {
                    tracing::info!(dir = %dir.display(), "polling every second: {reason}");
                    self.polled.insert(dir);
                }
            }
        }
        stats
            .watched_dirs
            .store(self.watched.len() as u64, Ordering::Relaxed);
        stats
            .polled_dirs
            .store(self.polled.len() as u64, Ordering::Relaxed);
    }

    fn watcher(&mut self) -> Option<&mut notify::RecommendedWatcher> {
        if self.watcher.is_none() && !self.watcher_failed {
            match notify::recommended_watcher(self.tx.clone()) {
                Ok(w) => self.watcher = Some(w),
                Err(e) => {
                    tracing::warn!("file-system notifications unavailable ({e}); polling");
                    self.watcher_failed = true;
                }
            }
        }
        self.watcher.as_mut()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use notify::event::{CreateKind, DataChange, ModifyKind};

    fn event(kind: EventKind, path: &str) -> notify::Result<Event> {
        Ok(Event::new(kind).add_path(PathBuf::from(path)))
    }

    #[test]
    fn known_files_are_read_alone_and_new_transcripts_mean_a_discovery() {
        let known = HashMap::from([(PathBuf::from("/p/a/s.jsonl"), FileFormat::ClaudeJsonl)]);
        let mut changed = HashSet::new();
        let mut full = false;
        let modify = EventKind::Modify(ModifyKind::Data(DataChange::Content));
        classify(
            event(modify, "/p/a/s.jsonl"),
            &known,
            &mut changed,
            &mut full,
        );
        assert_eq!(changed, HashSet::from([PathBuf::from("/p/a/s.jsonl")]));
        assert!(!full);
        let create = EventKind::Create(CreateKind::File);
        classify(
            event(create, "/p/a/s/tool-results/x.json"),
            &known,
            &mut changed,
            &mut full,
        );
        classify(
            event(create, "/p/a/notes.txt"),
            &known,
            &mut changed,
            &mut full,
        );
        assert!(!full, "tool results and other files are not transcripts");
        classify(
            event(create, "/p/a/new.jsonl"),
            &known,
            &mut changed,
            &mut full,
        );
        assert!(full);
    }

    #[test]
    fn removals_and_reads_need_no_pass_but_a_lost_queue_does() {
        let known = HashMap::from([(PathBuf::from("/p/s.jsonl"), FileFormat::ClaudeJsonl)]);
        let mut changed = HashSet::new();
        let mut full = false;
        let remove = EventKind::Remove(notify::event::RemoveKind::File);
        classify(event(remove, "/p/s.jsonl"), &known, &mut changed, &mut full);
        assert!(changed.is_empty() && !full);
        let rescan = Event::new(EventKind::Other).set_flag(notify::event::Flag::Rescan);
        classify(Ok(rescan), &known, &mut changed, &mut full);
        assert!(full);
    }
}
