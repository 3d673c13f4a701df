//! Where Gemini CLI keeps chats (docs/formats.md#gemini-cli-chats): `~/.gemini/tmp/<projectHash>/chats/`,
//! JSONL sessions and legacy `.json` documents.

use std::path::{Component, Path, PathBuf};

/// `GEMINI_DATA_DIR` (comma-separated), else `~/.gemini/tmp`.
pub fn default_roots(env: &dyn Fn(&str) -> Option<String>) -> Vec<PathBuf> {
    let home = env("HOME").filter(|h| !h.is_empty());
    if let Some(list) = env("GEMINI_DATA_DIR").filter(|v| !v.trim().is_empty()) {
        return super::super::split_path_list(&list, home.as_deref());
    }
    home.map(|h| vec![Path::new(&h).join(".gemini").join("tmp")])
        .unwrap_or_default()
}

/// The folder holding `<projectHash>/chats/` for a root given as `~/.gemini` or its `tmp/`.
pub fn tmp_dir(root: &Path) -> PathBuf {
    if root.file_name().is_some_and(|n| n == "tmp") {
        return root.to_path_buf();
    }
    let tmp = root.join("tmp");
    if tmp.is_dir() {
        tmp
    } else {
        root.to_path_buf()
    }
}

/// The `<projectHash>` folder above `chats/` in a chat file's path.
pub fn project_hash_from_path(path: &Path) -> Option<String> {
    let parts: Vec<&str> = path
        .components()
        .filter_map(|c| match c {
            Component::Normal(s) => s.to_str(),
            _ => None,
        })
        .collect();
    let chats = parts.iter().rposition(|p| *p == "chats")?;
    let hash = parts.get(chats.checked_sub(1)?)?;
    Some((*hash).to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_project_hash_sits_above_chats() {
        let p = Path::new("/h/.gemini/tmp/e3b0c442/chats/session-2026-03-02T09-00-6f1c9a2b.jsonl");
        assert_eq!(project_hash_from_path(p).as_deref(), Some("e3b0c442"));
        let p = Path::new("/h/.gemini/tmp/e3b0c442/chats/parent/child.jsonl");
        assert_eq!(project_hash_from_path(p).as_deref(), Some("e3b0c442"));
        assert_eq!(project_hash_from_path(Path::new("/x/y.jsonl")), None);
        assert_eq!(
            tmp_dir(Path::new("/h/.gemini/tmp")),
            PathBuf::from("/h/.gemini/tmp")
        );
        let env = |k: &str| (k == "GEMINI_DATA_DIR").then(|| "/a,/b".to_owned());
        assert_eq!(
            default_roots(&env),
            vec![PathBuf::from("/a"), PathBuf::from("/b")]
        );
    }
}
