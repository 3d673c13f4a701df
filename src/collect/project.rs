//! Project identity for a working directory: the canonical git remote
//! (`github.com/acme/api`) when the directory is in a repository, else the path itself.
//! `GitProjectResolver` reads `.git` on disk (cached); `FixedProjectResolver` is for tests.

use super::parse::ProjectResolver;
use crate::domain::ProjectRecord;
use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Resolves working directories through the repository found on disk. Results (including
/// "not a repository") are cached per cwd for the life of the resolver.
#[derive(Debug, Default)]
pub struct GitProjectResolver {
    cache: Mutex<HashMap<String, ProjectRecord>>,
}

impl GitProjectResolver {
    pub fn new() -> GitProjectResolver {
        GitProjectResolver::default()
    }
}

impl ProjectResolver for GitProjectResolver {
    fn resolve(&self, cwd: &str) -> ProjectRecord {
        if let Some(hit) = self.cache.lock().ok().and_then(|c| c.get(cwd).cloned()) {
            return hit;
        }
        let project = resolve_on_disk(cwd);
        if let Ok(mut cache) = self.cache.lock() {
            cache.insert(cwd.to_owned(), project.clone());
        }
        project
    }

    fn resolve_remote(&self, remote_url: &str, cwd: &str) -> ProjectRecord {
        remote_project(remote_url).unwrap_or_else(|| self.resolve(cwd))
    }
}

/// A resolver with fixed answers and no IO: listed cwds map to their project, any other
/// cwd to itself (as for a directory that is not a repository).
#[derive(Debug, Default, Clone)]
pub struct FixedProjectResolver {
    by_cwd: HashMap<String, ProjectRecord>,
}

impl FixedProjectResolver {
    pub fn new() -> FixedProjectResolver {
        FixedProjectResolver::default()
    }

    pub fn with(mut self, cwd: &str, id: &str, display_name: &str) -> FixedProjectResolver {
        let project = ProjectRecord {
            id: id.to_owned(),
            display_name: display_name.to_owned(),
        };
        self.by_cwd.insert(cwd.to_owned(), project);
        self
    }
}

impl ProjectResolver for FixedProjectResolver {
    fn resolve(&self, cwd: &str) -> ProjectRecord {
        self.by_cwd
            .get(cwd)
            .cloned()
            .unwrap_or_else(|| directory_project(cwd))
    }

    fn resolve_remote(&self, remote_url: &str, cwd: &str) -> ProjectRecord {
        remote_project(remote_url).unwrap_or_else(|| self.resolve(cwd))
    }
}

/// `git@github.com:acme/api.git`, `https://user:token@github.com/acme/api`,
/// `ssh://git@github.com:22/acme/api.git` → `github.com/acme/api`. Credentials and ports
/// are dropped and the host lower-cased. Local paths and `file://` URLs give `None`.
pub fn canonical_remote(url: &str) -> Option<String> {
    let url = url.trim();
    let (host, path) = if let Some((scheme, rest)) = url.split_once("://") {
        if scheme.eq_ignore_ascii_case("file") {
            return None;
        }
        let (authority, path) = rest.split_once('/')?;
        (strip_port(authority.rsplit('@').next()?), path)
    } else {
        // scp-like `[user@]host:path`; a colon after a slash (or a drive letter) is a path.
        let (authority, path) = url.split_once(':')?;
        if authority.contains('/') || authority.contains('\\') || authority.len() <= 1 {
            return None;
        }
        (authority.rsplit('@').next()?, path)
    };
    let path = path.trim_matches('/');
    let path = path
        .strip_suffix(".git")
        .unwrap_or(path)
        .trim_end_matches('/');
    if host.is_empty() || path.is_empty() {
        return None;
    }
    Some(format!("{}/{path}", host.to_ascii_lowercase()))
}

fn strip_port(host: &str) -> &str {
    match host.rsplit_once(':') {
        Some((h, port)) if port.bytes().all(|b| b.is_ascii_digit()) => h,
        _ => host,
    }
}

fn remote_project(url: &str) -> Option<ProjectRecord> {
    let id = canonical_remote(url)?;
    let display_name = last_segment(&id).to_owned();
    Some(ProjectRecord { id, display_name })
}

/// A directory that is not (or no longer) a repository: its path is the identity.
fn directory_project(cwd: &str) -> ProjectRecord {
    let cwd = cwd.trim();
    if cwd.is_empty() {
        return ProjectRecord {
            id: "unknown".to_owned(),
            display_name: "unknown".to_owned(),
        };
    }
    let trimmed = cwd.trim_end_matches(['/', '\\']);
    let display = if trimmed.is_empty() {
        cwd
    } else {
        last_segment(trimmed)
    };
    ProjectRecord {
        id: cwd.to_owned(),
        display_name: display.to_owned(),
    }
}

fn last_segment(s: &str) -> &str {
    s.rsplit(['/', '\\']).find(|p| !p.is_empty()).unwrap_or(s)
}

fn resolve_on_disk(cwd: &str) -> ProjectRecord {
    let Some((root, git_dir)) = find_repository(Path::new(cwd)) else {
        return directory_project(cwd);
    };
    let config = fs::read_to_string(common_dir(&git_dir).join("config")).unwrap_or_default();
    if let Some(project) = remote_url(&config).and_then(remote_project) {
        return project;
    }
    // A repository without a usable remote: the repository root, so subfolders agree.
    directory_project(&root.to_string_lossy())
}

/// Walks up from `start` to the first folder holding `.git` (a directory, or a
/// `gitdir: …` file for worktrees and submodules). Returns (work tree root, git dir).
fn find_repository(start: &Path) -> Option<(PathBuf, PathBuf)> {
    if !start.is_absolute() {
        return None;
    }
    for dir in start.ancestors() {
        let dot_git = dir.join(".git");
        let Ok(meta) = fs::metadata(&dot_git) else {
            continue;
        };
        if meta.is_dir() {
            return Some((dir.to_path_buf(), dot_git));
        }
        let text = fs::read_to_string(&dot_git).ok()?;
        let target = text
            .lines()
            .find_map(|l| l.trim().strip_prefix("gitdir:"))?
            .trim();
        return Some((dir.to_path_buf(), dir.join(target)));
    }
    None
}

/// Worktrees keep their config in the main repository (`commondir` points there).
fn common_dir(git_dir: &Path) -> PathBuf {
    match fs::read_to_string(git_dir.join("commondir")) {
        Ok(rel) if !rel.trim().is_empty() => git_dir.join(rel.trim()),
        _ => git_dir.to_path_buf(),
    }
}

/// The `url` of remote "origin" in a git config, else of the first remote that has one.
fn remote_url(config: &str) -> Option<&str> {
    let mut current: Option<&str> = None;
    let mut first: Option<&str> = None;
    for line in config.lines().map(str::trim) {
        if line.starts_with('#') || line.starts_with(';') || line.is_empty() {
            continue;
        }
        if let Some(header) = line.strip_prefix('[') {
            let header = header.trim_end_matches(']').trim();
            current = header
                .strip_prefix("remote")
                .map(|name| name.trim().trim_matches('"'))
                .filter(|name| !name.is_empty());
            continue;
        }
        let Some(remote) = current else { continue };
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        if !key.trim().eq_ignore_ascii_case("url") {
            continue;
        }
        let value = value.trim().trim_matches('"');
        if remote == "origin" {
            return Some(value);
        }
        first.get_or_insert(value);
    }
    first
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remotes_of_every_shape_name_the_same_project() {
        for url in [
            "git@github.com:acme/api.git",
            "https://github.com/acme/api",
            "https://github.com/acme/api.git/",
            "ssh://git@github.com/acme/api.git",
            "ssh://git@GitHub.com:22/acme/api.git",
            "https://user:s3cret-token@github.com/acme/api.git",
        ] {
            assert_eq!(
                canonical_remote(url).as_deref(),
                Some("github.com/acme/api"),
                "{url}"
            );
        }
        assert_eq!(canonical_remote("/srv/git/api.git"), None);
        assert_eq!(canonical_remote("file:///srv/git/api.git"), None);
        assert_eq!(canonical_remote("C:\\repos\\api"), None);
        let fixed = FixedProjectResolver::new();
        let p = fixed.resolve_remote(
            "https://x:tok@gitlab.example.com:8443/team/sub/web.git",
            "/w",
        );
        assert_eq!(
            p,
            ProjectRecord {
                id: "gitlab.example.com/team/sub/web".into(),
                display_name: "web".into()
            }
        );
        assert!(!p.id.contains("tok"));
    }

    #[test]
    fn git_config_prefers_origin() {
        let config = "[core]\n\tbare = false\n[remote \"upstream\"]\n\turl = git@github.com:up/api.git\n[remote \"origin\"]\n\turl = https://github.com/acme/api\n";
        assert_eq!(remote_url(config), Some("https://github.com/acme/api"));
        assert_eq!(
            remote_url("[remote \"fork\"]\nurl = git@h:x/y.git\n"),
            Some("git@h:x/y.git")
        );
        assert_eq!(remote_url("[core]\nurl = nope\n"), None);
    }

    #[test]
    fn resolves_repositories_worktrees_and_plain_directories() {
        let tmp = tempfile::tempdir().unwrap();
        let repo = tmp.path().join("api");
        fs::create_dir_all(repo.join(".git")).unwrap();
        fs::create_dir_all(repo.join("src/deep")).unwrap();
        fs::write(
            repo.join(".git/config"),
            "[remote \"origin\"]\n\turl = git@github.com:acme/api.git\n",
        )
        .unwrap();
        let wt_git = repo.join(".git/worktrees/feature");
        fs::create_dir_all(&wt_git).unwrap();
        fs::write(wt_git.join("commondir"), "../..\n").unwrap();
        let worktree = tmp.path().join("api-feature");
        fs::create_dir_all(&worktree).unwrap();
        fs::write(
            worktree.join(".git"),
            format!("gitdir: {}\n", wt_git.display()),
        )
        .unwrap();
        let bare = tmp.path().join("scratch");
        fs::create_dir_all(bare.join(".git")).unwrap();

        let resolver = GitProjectResolver::new();
        let expected = ProjectRecord {
            id: "github.com/acme/api".into(),
            display_name: "api".into(),
        };
        assert_eq!(
            resolver.resolve(repo.join("src/deep").to_str().unwrap()),
            expected
        );
        assert_eq!(resolver.resolve(worktree.to_str().unwrap()), expected);
        let no_remote = resolver.resolve(bare.to_str().unwrap());
        assert_eq!(no_remote.display_name, "scratch");
        assert_eq!(
            resolver.resolve("/no/such/dir/web"),
            ProjectRecord {
                id: "/no/such/dir/web".into(),
                display_name: "web".into()
            }
        );
        assert_eq!(
            resolver.resolve("C:\\Users\\dev\\proj").display_name,
            "proj"
        );
        // Cached: the answer survives the repository disappearing.
        fs::remove_dir_all(&repo).unwrap();
        assert_eq!(
            resolver.resolve(repo.join("src/deep").to_str().unwrap()),
            expected
        );
    }
}
