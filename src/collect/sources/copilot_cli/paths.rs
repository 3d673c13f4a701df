//! Where Copilot CLI keeps its sessions: `$COPILOT_CONFIG_DIR` (default `~/.copilot`),
//! under `session-state/`: `<session id>/events.jsonl`, or `<session id>.jsonl` in older
//! versions. The session id is the folder's (or the file's) name.

use std::path::{Path, PathBuf};

/// `$COPILOT_CONFIG_DIR`, else `~/.copilot`.
pub fn default_roots(env: &dyn Fn(&str) -> Option<String>) -> Vec<PathBuf> {
    let home = env("HOME").filter(|h| !h.is_empty());
    if let Some(dir) = env("COPILOT_CONFIG_DIR").filter(|v| !v.trim().is_empty()) {
        return vec![super::super::expand_home(dir.trim(), home.as_deref())];
    }
    home.map(|h| vec![Path::new(&h).join(".copilot")])
        .unwrap_or_default()
}

/// The `session-state/` folder of a root given as the config dir or as that folder.
pub fn session_state_dir(root: &Path) -> PathBuf {
    if root.file_name().is_some_and(|n| n == "session-state") {
        root.to_path_buf()
    } else {
        root.join("session-state")
    }
}

/// The session id a path carries: the folder of `events.jsonl`, else the file stem.
pub fn session_from_path(path: &Path) -> String {
    let named = |p: &Path| p.to_str().map(str::to_owned);
    if path.file_name().is_some_and(|n| n == "events.jsonl")
        && let Some(dir) = path.parent().and_then(|p| p.file_name())
    {
        return named(Path::new(dir)).unwrap_or_else(|| "unknown".into());
    }
    path.file_stem()
        .and_then(|s| named(Path::new(s)))
        .unwrap_or_else(|| "unknown".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roots_and_session_ids() {
        let env = |k: &str| (k == "HOME").then(|| "/home/dev".to_owned());
        assert_eq!(
            default_roots(&env),
            vec![PathBuf::from("/home/dev/.copilot")]
        );
        let env = |k: &str| (k == "COPILOT_CONFIG_DIR").then(|| "/opt/cp".to_owned());
        assert_eq!(default_roots(&env), vec![PathBuf::from("/opt/cp")]);
        assert_eq!(
            session_state_dir(Path::new("/x/.copilot")),
            PathBuf::from("/x/.copilot/session-state")
        );
        assert_eq!(
            session_from_path(Path::new("/s/session-state/abc-1/events.jsonl")),
            "abc-1"
        );
        assert_eq!(
            session_from_path(Path::new("/s/session-state/old-2.jsonl")),
            "old-2"
        );
    }
}
