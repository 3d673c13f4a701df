//! Where Codex CLI keeps rollouts (docs/formats.md#codex-cli-rollouts): `$CODEX_HOME/sessions/YYYY/MM/DD/*.jsonl`
//! and `$CODEX_HOME/archived_sessions/*.jsonl`, and the session id a file name carries.

use std::path::{Path, PathBuf};

/// `$CODEX_HOME`, else `~/.codex`.
pub fn default_roots(env: &dyn Fn(&str) -> Option<String>) -> Vec<PathBuf> {
    let home = env("HOME").filter(|h| !h.is_empty());
    if let Some(dir) = env("CODEX_HOME").filter(|v| !v.trim().is_empty()) {
        return vec![super::super::expand_home(dir.trim(), home.as_deref())];
    }
    home.map(|h| vec![Path::new(&h).join(".codex")])
        .unwrap_or_default()
}

/// `(sessions, archived_sessions)` for a root given as `$CODEX_HOME` or as its `sessions/`.
pub fn session_dirs(root: &Path) -> (PathBuf, PathBuf) {
    if root.file_name().is_some_and(|n| n == "sessions") {
        let archived = root.parent().map_or_else(
            || PathBuf::from("archived_sessions"),
            |p| p.join("archived_sessions"),
        );
        (root.to_path_buf(), archived)
    } else {
        (root.join("sessions"), root.join("archived_sessions"))
    }
}

/// The session id in a rollout name (`rollout-2026-04-01T14-00-00-<uuid>.jsonl` → the
/// uuid); other names give their stem. `session_meta.payload.id` wins when present.
pub fn session_from_path(path: &Path) -> String {
    let stem = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("unknown");
    let tail = stem
        .len()
        .checked_sub(36)
        .and_then(|start| stem.get(start..));
    match tail {
        Some(tail) if is_uuid(tail) => tail.to_owned(),
        _ => stem.to_owned(),
    }
}

fn is_uuid(s: &str) -> bool {
    s.len() == 36
        && s.bytes().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rollout_names_carry_the_session_id() {
        let p = Path::new(
            "/c/sessions/2026/04/01/rollout-2026-04-01T14-00-00-019dc924-30bf-7182-a6a1-5b2f0c8e9d10.jsonl",
        );
        assert_eq!(session_from_path(p), "019dc924-30bf-7182-a6a1-5b2f0c8e9d10");
        assert_eq!(
            session_from_path(Path::new("/c/sessions/x/session-alpha.jsonl")),
            "session-alpha"
        );
        let odd = "é".repeat(20);
        assert_eq!(
            session_from_path(Path::new(&format!("/c/{odd}.jsonl"))),
            odd
        );
        assert_eq!(
            session_dirs(Path::new("/c/sessions")),
            (
                PathBuf::from("/c/sessions"),
                PathBuf::from("/c/archived_sessions")
            )
        );
        assert_eq!(
            session_dirs(Path::new("/c")).0,
            PathBuf::from("/c/sessions")
        );
        let env = |k: &str| (k == "HOME").then(|| "/h".to_owned());
        assert_eq!(default_roots(&env), vec![PathBuf::from("/h/.codex")]);
    }
}
