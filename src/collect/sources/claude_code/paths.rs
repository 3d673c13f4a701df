//! Where Claude Code keeps transcripts (docs/formats.md#claude-code-transcripts) and what a transcript's path says
//! about its session when the lines themselves do not.

use std::path::{Path, PathBuf};

/// Config roots from the environment: `CLAUDE_CONFIG_DIR` (comma-separated; when set the
/// defaults are ignored), else `~/.claude` and `$XDG_CONFIG_HOME/claude`
/// (default `~/.config/claude`).
pub fn default_roots(env: &dyn Fn(&str) -> Option<String>) -> Vec<PathBuf> {
    let home = env("HOME").filter(|h| !h.is_empty());
    if let Some(list) = env("CLAUDE_CONFIG_DIR").filter(|v| !v.trim().is_empty()) {
        return super::super::split_path_list(&list, home.as_deref());
    }
    let mut roots = Vec::new();
    if let Some(home) = &home {
        roots.push(Path::new(home).join(".claude"));
    }
    match env("XDG_CONFIG_HOME").filter(|x| !x.is_empty()) {
        Some(xdg) => roots.push(Path::new(&xdg).join("claude")),
        None => {
            if let Some(home) = &home {
                roots.push(Path::new(home).join(".config").join("claude"));
            }
        }
    }
    roots
}

/// The `projects/` folder for a root given either as the config root or as `projects/`.
pub fn projects_dir(root: &Path) -> PathBuf {
    if root.file_name().is_some_and(|n| n == "projects") {
        root.to_path_buf()
    } else {
        root.join("projects")
    }
}

/// The session a transcript belongs to, from its path alone: `<proj>/<session>.jsonl` →
/// the stem; `<proj>/<session>/subagents/agent-x.jsonl` → `<session>`; an old flat
/// `<proj>/agent-x.jsonl` names no session (`None`). Lines carry `sessionId`, which wins.
pub fn session_from_path(path: &Path) -> Option<String> {
    let stem = path.file_stem()?.to_str()?;
    let parent = path.parent();
    if parent
        .and_then(|p| p.file_name())
        .is_some_and(|n| n == "subagents")
    {
        let session_dir = parent?.parent()?;
        return session_dir.file_name()?.to_str().map(str::to_owned);
    }
    if stem.starts_with("agent-") || stem.is_empty() {
        return None;
    }
    Some(stem.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_of(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |k| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn config_dir_list_replaces_the_defaults() {
        let env = env_of(&[("HOME", "/h"), ("CLAUDE_CONFIG_DIR", "/a, ~/b ,")]);
        assert_eq!(
            default_roots(&env),
            vec![PathBuf::from("/a"), PathBuf::from("/h/b")]
        );
        let env = env_of(&[("HOME", "/h")]);
        assert_eq!(
            default_roots(&env),
            vec![
                PathBuf::from("/h/.claude"),
                PathBuf::from("/h/.config/claude")
            ]
        );
        let env = env_of(&[("HOME", "/h"), ("XDG_CONFIG_HOME", "/x")]);
        assert_eq!(default_roots(&env)[1], PathBuf::from("/x/claude"));
    }

    #[test]
    fn session_comes_from_the_layout() {
        let s = |p: &str| session_from_path(Path::new(p));
        assert_eq!(s("/r/projects/-p/abc.jsonl").as_deref(), Some("abc"));
        assert_eq!(
            s("/r/projects/-p/abc/subagents/agent-1.jsonl").as_deref(),
            Some("abc")
        );
        assert_eq!(s("/r/projects/-p/agent-1.jsonl"), None);
        assert_eq!(
            projects_dir(Path::new("/r/projects")),
            PathBuf::from("/r/projects")
        );
        assert_eq!(projects_dir(Path::new("/r")), PathBuf::from("/r/projects"));
    }
}
