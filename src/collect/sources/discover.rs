//! Finding agent files under the configured roots (docs/formats.md): a small
//! directory walker that reports problems instead of failing, follows symlinked folders
//! at most once each (so loops end), and returns files sorted and de-duplicated.

use super::{FileFormat, Roots, claude_code, codex, copilot_cli, gemini};
use crate::collect::files::FileIdentity;
use std::collections::HashSet;
use std::fs;
use std::io::ErrorKind;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// Deeper than any agent's layout; guards against pathological trees.
const MAX_DEPTH: usize = 24;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiscoveredFile {
    pub path: PathBuf,
    pub format: FileFormat,
    /// Identity, size and mtime as seen during the walk (one `stat` per file per pass).
    pub identity: FileIdentity,
}

/// Something under a root that should have been readable but was not (never fatal).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiscoveryProblem {
    pub path: PathBuf,
    pub message: String,
}

/// Every transcript under `roots`, sorted by path and de-duplicated by canonical path,
/// plus the problems met on the way. Roots that do not exist are not problems.
pub fn discover(roots: &Roots) -> (Vec<DiscoveredFile>, Vec<DiscoveryProblem>) {
    let mut walker = Walker::default();
    let claude = |name: &str| name.ends_with(".jsonl").then_some(FileFormat::ClaudeJsonl);
    for root in &roots.claude {
        if walker.root_ok(root) {
            walker.walk(
                &claude_code::paths::projects_dir(root),
                &claude,
                &|d| d == "tool-results",
                0,
            );
        }
    }
    let codex_files = |name: &str| name.ends_with(".jsonl").then_some(FileFormat::CodexJsonl);
    for root in &roots.codex {
        if !walker.root_ok(root) {
            continue;
        }
        let (sessions, archived) = codex::paths::session_dirs(root);
        let first_live = walker.files.len();
        walker.walk(&sessions, &codex_files, &|_| false, 0);
        let live: HashSet<_> = walker.files[first_live..]
            .iter()
            .filter_map(|f| f.path.file_name().map(|n| n.to_owned()))
            .collect();
        let first_archived = walker.files.len();
        walker.walk(&archived, &codex_files, &|_| false, 0);
        let archived_files = walker.files.split_off(first_archived);
        // The same rollout in both places: the live copy wins.
        walker.files.extend(
            archived_files
                .into_iter()
                .filter(|f| f.path.file_name().is_none_or(|n| !live.contains(n))),
        );
    }
    let gemini_files = |name: &str| {
        if name.ends_with(".jsonl") {
            Some(FileFormat::GeminiJsonl)
        } else if name.ends_with(".json") {
            Some(FileFormat::GeminiJson)
        } else {
            None
        }
    };
    for root in &roots.gemini {
        if !walker.root_ok(root) {
            continue;
        }
        let tmp = gemini::paths::tmp_dir(root);
        for project in walker.subdirs(&tmp) {
            walker.walk(&project.join("chats"), &gemini_files, &|_| false, 0);
        }
    }
    // `<id>/events.jsonl` (current) and `<id>.jsonl` (older versions); nothing deeper.
    let copilot_files = |name: &str| name.ends_with(".jsonl").then_some(FileFormat::CopilotJsonl);
    for root in &roots.copilot {
        if walker.root_ok(root) {
            let state = copilot_cli::paths::session_state_dir(root);
            walker.walk(
                &state,
                &copilot_files,
                &|d| d == "checkpoints" || d == "files",
                0,
            );
        }
    }
    walker.finish()
}

#[derive(Default)]
struct Walker {
    files: Vec<DiscoveredFile>,
    problems: Vec<DiscoveryProblem>,
    /// Folders already walked, by (device, inode).
    visited: HashSet<(u64, u64)>,
}

impl Walker {
    fn problem(&mut self, path: &Path, message: impl Into<String>) {
        self.problems.push(DiscoveryProblem {
            path: path.to_path_buf(),
            message: message.into(),
        });
    }

    /// A root that is missing is fine (nothing to read); one that is a file is a problem.
    fn root_ok(&mut self, root: &Path) -> bool {
        match fs::metadata(root) {
            Ok(meta) if meta.is_dir() => true,
            Ok(_) => {
                self.problem(root, "expected a directory, found a file");
                false
            }
            Err(err) if err.kind() == ErrorKind::NotFound => false,
            Err(err) => {
                self.problem(root, format!("cannot read: {err}"));
                false
            }
        }
    }

    /// The immediate subdirectories of `dir` (for Gemini's `<projectHash>/` folders).
    fn subdirs(&mut self, dir: &Path) -> Vec<PathBuf> {
        let entries = match fs::read_dir(dir) {
            Ok(entries) => entries,
            Err(err) if err.kind() == ErrorKind::NotFound => return Vec::new(),
            Err(err) => {
                self.problem(dir, format!("cannot read directory: {err}"));
                return Vec::new();
            }
        };
        let mut dirs: Vec<PathBuf> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.is_dir())
            .collect();
        dirs.sort();
        dirs
    }

    fn walk(
        &mut self,
        dir: &Path,
        classify: &dyn Fn(&str) -> Option<FileFormat>,
        skip_dir: &dyn Fn(&str) -> bool,
        depth: usize,
    ) {
        let dir_meta = match fs::metadata(dir) {
            Ok(meta) if meta.is_dir() => meta,
            Ok(_) => return self.problem(dir, "expected a directory, found a file"),
            Err(err) if err.kind() == ErrorKind::NotFound => return,
            Err(err) => return self.problem(dir, format!("cannot read: {err}")),
        };
        self.walk_dir(dir, &dir_meta, classify, skip_dir, depth)
    }

    /// `walk` of a folder whose metadata the caller already has (a subfolder's comes
    /// from its parent's listing, so each folder costs one `stat`, not two).
    fn walk_dir(
        &mut self,
        dir: &Path,
        dir_meta: &fs::Metadata,
        classify: &dyn Fn(&str) -> Option<FileFormat>,
        skip_dir: &dyn Fn(&str) -> bool,
        depth: usize,
    ) {
        if depth > MAX_DEPTH {
            return self.problem(
                dir,
                format!("more than {MAX_DEPTH} folders deep; not descending"),
            );
        }
        // A folder reached twice (symlink loop, overlapping roots) is walked once.
        if !self.visited.insert((dir_meta.dev(), dir_meta.ino())) {
            return;
        }
        let entries = match fs::read_dir(dir) {
            Ok(entries) => entries,
            Err(err) => return self.problem(dir, format!("cannot read directory: {err}")),
        };
        for entry in entries {
            let entry = match entry {
                Ok(entry) => entry,
                Err(err) => {
                    self.problem(dir, format!("cannot read directory entry: {err}"));
                    continue;
                }
            };
            let path = entry.path();
            // A name that is not UTF-8 is classified by its readable part and read all the
            // same (the path itself stays exact; only the cursor key and messages are lossy).
            let name = entry.file_name();
            let name = name.to_string_lossy();
            let name = name.as_ref();
            let format = classify(name);
            // A linked file or folder counts as what it points to (`fs::metadata` follows the
            // link); anything else is looked up relative to the open folder (`fstatat`),
            // which is cheaper than resolving the whole path again (docs/perf.md#warm-refresh-issue-12).
            let is_link = entry.file_type().is_ok_and(|t| t.is_symlink());
            let meta = match if is_link {
                fs::metadata(&path)
            } else {
                entry.metadata()
            } {
                Ok(meta) => meta,
                Err(err) => {
                    if format.is_some() {
                        self.problem(&path, format!("cannot read: {err}"));
                    }
                    continue;
                }
            };
            match format {
                Some(format) if meta.is_file() => {
                    let identity = FileIdentity::of(&meta);
                    self.files.push(DiscoveredFile {
                        path,
                        format,
                        identity,
                    })
                }
                Some(_) if meta.is_dir() => {
                    self.problem(&path, "expected a file, found a directory")
                }
                Some(_) => self.problem(
                    &path,
                    "expected a file, found something else (socket, device or pipe)",
                ),
                None if meta.is_dir() && !skip_dir(name) => {
                    self.walk_dir(&path, &meta, classify, skip_dir, depth + 1)
                }
                None => {}
            }
        }
    }

    fn finish(mut self) -> (Vec<DiscoveredFile>, Vec<DiscoveryProblem>) {
        self.files.sort_by(|a, b| path_order(&a.path, &b.path));
        // The same file reached by two paths (links, overlapping roots) is read once.
        let mut seen = HashSet::new();
        self.files
            .retain(|f| seen.insert((f.identity.device, f.identity.inode)));
        // A legacy Gemini `.json` already migrated to `.jsonl` next to it is stale.
        let jsonl: HashSet<PathBuf> = self
            .files
            .iter()
            .filter(|f| f.format == FileFormat::GeminiJsonl)
            .map(|f| f.path.clone())
            .collect();
        self.files.retain(|f| {
            f.format != FileFormat::GeminiJson || !jsonl.contains(&f.path.with_extension("jsonl"))
        });
        self.problems.sort_by(|a, b| path_order(&a.path, &b.path));
        (self.files, self.problems)
    }
}

/// `Path`'s own order (folder by folder) computed on the bytes: a separator sorts before
/// every other byte, so `a/b` comes before `a-b/c` as it does component-wise. Comparing
/// `Path`s splits both into components at every step, which was a seventh of a warm pass.
fn path_order(a: &Path, b: &Path) -> std::cmp::Ordering {
    use std::os::unix::ffi::OsStrExt;
    let key = |c: &u8| if *c == b'/' { 0 } else { *c };
    let (a, b) = (a.as_os_str().as_bytes(), b.as_os_str().as_bytes());
    a.iter().map(key).cmp(b.iter().map(key))
}

#[cfg(test)]
#[path = "discover_tests.rs"]
mod tests;
