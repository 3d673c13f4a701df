//! One rule for comparing developer emails (`domain::identity`): a local git identity in
//! mixed case, `[[team]]` members written in another case and commit authors all land on
//! the same lower-cased developer, so the team and the commits match the sessions.

use crate::common::{assistant_line, claude_project, json_of};
use std::path::Path;

fn git(repo: &Path, home: &Path, args: &[&str]) {
    let out = std::process::Command::new("git")
        .args(args)
        .current_dir(repo)
        .env("HOME", home)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", home.join("gitconfig"))
        .output()
        .unwrap();
    assert!(out.status.success(), "git {args:?}: {out:?}");
}

#[test]
fn a_mixed_case_git_identity_matches_its_team_and_its_commits() {
    let dir = tempfile::tempdir().unwrap();
    let (home, repo) = (dir.path().join("home"), dir.path().join("repo"));
    std::fs::create_dir_all(&home).unwrap();
    std::fs::create_dir_all(&repo).unwrap();
    git(&repo, &home, &["init", "-q", "-b", "main"]);
    git(
        &repo,
        &home,
        &["config", "user.email", "Ana.Lopez@Example.COM"],
    );
    git(&repo, &home, &["config", "user.name", "Ana"]);
    std::fs::write(repo.join("a.txt"), "one\ntwo\n").unwrap();
    git(&repo, &home, &["add", "a.txt"]);
    git(&repo, &home, &["commit", "-q", "-m", "first"]);

    let claude = dir.path().join("claude");
    let line = assistant_line(
        "s1",
        "msg_1",
        Some("req_1"),
        "2026-01-09T10:00:00.000Z",
        10,
        5,
        0,
    );
    std::fs::write(
        claude_project(&claude, "-home-dev-api").join("s1.jsonl"),
        format!("{line}\n"),
    )
    .unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[[team]]\nname = \"core\"\nmembers = [\"ANA.LOPEZ@example.com\"]\n[git]\nrepos = [\"{}\"]\n",
            repo.display()
        ),
    )
    .unwrap();
    let db = dir.path().join("store.db");
    let report = |kind: &str| {
        let out = crate::common::bin()
            .current_dir(&repo)
            .env("HOME", &home)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", home.join("gitconfig"))
            .args(["--db", db.to_str().unwrap(), "--config"])
            .arg(&config)
            .args(["report", kind, "--json", "--claude-dir"])
            .arg(&claude)
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        json_of(&out)
    };
    let devs = report("developer");
    assert_eq!(
        devs["developers"][0]["developer"], "ana.lopez@example.com",
        "{devs}"
    );
    let teams = report("team");
    assert_eq!(teams["teams"].as_array().unwrap().len(), 1, "{teams}");
    assert_eq!(teams["teams"][0]["team"], "core", "{teams}");
    let conn = rusqlite::Connection::open(&db).unwrap();
    let author: String = conn
        .query_row("SELECT author FROM commits", [], |r| r.get(0))
        .unwrap();
    let sessions: i64 = conn
        .query_row(
            "SELECT count(*) FROM sessions WHERE developer = ?1",
            [&author],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(author, "ana.lopez@example.com");
    assert_eq!(
        sessions, 1,
        "the session and the commit name the same developer"
    );
}
