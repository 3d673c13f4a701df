//! Keeps the module arrows honest (docs/architecture.md): the console never speaks SQL or HTTP, the
//! domain depends on nothing but std, serde, chrono and thiserror, and colours are named
//! only inside the theme module.

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(rust_files(&p));
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
    out
}

fn src(sub: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src").join(sub)
}

/// Code lines only (comments dropped), so prose may name crates.
fn code_lines(text: &str) -> impl Iterator<Item = &str> {
    text.lines().map(str::trim).filter(|l| !l.starts_with("//"))
}

#[test]
fn the_console_does_not_import_sql_or_http_crates() {
    let files = rust_files(&src("tui"));
    assert!(!files.is_empty());
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        for line in code_lines(&text) {
            for banned in ["rusqlite", "reqwest", "axum"] {
                assert!(
                    !line.contains(banned),
                    "{} uses `{banned}`: {line}",
                    f.display()
                );
            }
        }
    }
}

#[test]
fn the_domain_depends_only_on_std_serde_chrono_thiserror() {
    let files = rust_files(&src("domain"));
    // Sibling modules re-exported from domain/mod.rs (`pub use agent::Agent;`).
    let siblings: Vec<String> = files
        .iter()
        .filter_map(|f| f.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .collect();
    let mut allowed: Vec<&str> = vec![
        "std",
        "core",
        "alloc",
        "serde",
        "serde_json",
        "chrono",
        "chrono_tz",
        "thiserror",
        "crate",
        "super",
        "self",
    ];
    allowed.extend(siblings.iter().map(String::as_str));
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        for line in code_lines(&text) {
            let path = if let Some(rest) = line
                .strip_prefix("use ")
                .or_else(|| line.strip_prefix("pub use "))
            {
                rest
            } else if let Some(rest) = line.strip_prefix("extern crate ") {
                rest
            } else {
                continue;
            };
            let root = path.split([':', ';', ' ', '{']).next().unwrap_or_default();
            assert!(
                allowed.contains(&root),
                "{} imports `{root}`: {line}",
                f.display()
            );
            if root == "crate" {
                let inner = path.trim_start_matches("crate::");
                assert!(
                    inner.starts_with("domain"),
                    "{} reaches outside domain: {line}",
                    f.display()
                );
            }
        }
    }
}

#[test]
fn colours_are_named_only_in_the_theme_module() {
    let theme_dir = src("tui").join("theme");
    for f in rust_files(&src("tui")) {
        if f.starts_with(&theme_dir) {
            continue;
        }
        let text = std::fs::read_to_string(&f).unwrap();
        for line in code_lines(&text) {
            assert!(
                !line.contains("Color::"),
                "{} names a colour: {line}",
                f.display()
            );
        }
    }
}

/// Every file in the repository, except build output (any folder cargo tagged as a cache,
/// whatever `CARGO_TARGET_DIR` named it) and git's own folder.
fn repository_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        let name = e.file_name();
        if name == "target" || name == ".git" || p.join("CACHEDIR.TAG").exists() {
            continue;
        }
        if p.is_dir() {
            repository_files(&p, out);
        } else {
            out.push(p);
        }
    }
}

#[test]
fn the_repository_cites_only_documents_it_contains() {
    // Spelled in pieces so that this file does not match itself.
    let outside: Vec<String> = ["design", "sources", "style"]
        .iter()
        .map(|name| format!("{name}.md"))
        .chain([
            concat!("..", "/shared").to_string(),
            concat!("/work", "/shared").to_string(),
        ])
        .collect();
    let mut files = Vec::new();
    repository_files(Path::new(env!("CARGO_MANIFEST_DIR")), &mut files);
    assert!(files.len() > 50, "walked the repository");
    let mut found = Vec::new();
    for f in files {
        let Ok(bytes) = std::fs::read(&f) else {
            continue;
        };
        let text = String::from_utf8_lossy(&bytes);
        for (i, line) in text.lines().enumerate() {
            for o in &outside {
                if line.contains(o.as_str()) {
                    found.push(format!("{}:{}: {o}", f.display(), i + 1));
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "documents outside the repository are cited (point at docs/ instead):\n{}",
        found.join("\n")
    );
}

/// Every `README "Section"` that the code cites (in a message or a comment) names a heading
/// the README has: an error message pointed users at a README "Configuration" section
/// that does not exist.
#[test]
fn readme_sections_cited_in_the_code_exist() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let headings: Vec<&str> = readme
        .lines()
        .filter_map(|l| l.strip_prefix("## ").or_else(|| l.strip_prefix("### ")))
        .collect();
    let mut files = Vec::new();
    repository_files(&root.join("src"), &mut files);
    let mut missing = Vec::new();
    let mut cited = 0;
    for f in files {
        let Ok(text) = std::fs::read_to_string(&f) else {
            continue;
        };
        let text = text.replace("\\\"", "\"");
        let mut rest = text.as_str();
        while let Some(at) = rest.find("README \"") {
            rest = &rest[at + "README \"".len()..];
            let Some(end) = rest.find('"') else { break };
            let section = &rest[..end];
            cited += 1;
            if !headings.iter().any(|h| h.starts_with(section)) {
                missing.push(format!("{}: README \"{section}\"", f.display()));
            }
        }
    }
    assert!(cited > 3, "found the citations ({cited})");
    assert!(
        missing.is_empty(),
        "README sections cited but not in README.md:\n{}",
        missing.join("\n")
    );
}
