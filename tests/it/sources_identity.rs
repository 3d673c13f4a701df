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

/// A Claude Code folder under `dir` holding one session with one request (`req_1`):
/// the folder and the line.
fn one_transcript(dir: &Path) -> (std::path::PathBuf, String) {
    let claude = dir.join("claude");
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
    (claude, line)
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

    let (claude, _) = one_transcript(dir.path());
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

/// The config's `[[team]]`s are the store's on every run: a team removed from the file goes
/// with its budget, a member removed leaves the team (and is forgotten when the config was
/// all the store knew of them), and what a directory said of a member (role, tenure) is
/// never wiped by the config's rows. Before, removed teams and members stayed for good (a
/// removed member kept showing as a low adopter of the old team), and every run nulled the
/// role and start date of the config's members.
#[test]
fn the_configs_teams_replace_the_last_configs_and_keep_what_a_directory_said() {
    let dir = tempfile::tempdir().unwrap();
    let (claude, _) = one_transcript(dir.path());
    let (config, db) = (dir.path().join("config.toml"), dir.path().join("store.db"));
    let run = |text: &str| {
        std::fs::write(
            &config,
            format!("[identity]\ndeveloper = \"ana@x.dev\"\n{text}"),
        )
        .unwrap();
        let out = crate::common::bin()
            .args(["--offline", "--db", db.to_str().unwrap(), "--config"])
            .arg(&config)
            .args(["report", "team", "--json", "--claude-dir"])
            .arg(&claude)
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
    };
    let developers = || -> Vec<(String, String, Option<String>, Option<String>)> {
        let conn = rusqlite::Connection::open(&db).unwrap();
        let mut stmt = conn
            .prepare("SELECT id, team, role, started_on FROM developers ORDER BY id")
            .unwrap();
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap()
    };
    let teams = || -> Vec<(String, Option<i64>)> {
        let conn = rusqlite::Connection::open(&db).unwrap();
        let mut stmt = conn
            .prepare("SELECT name, budget_micro_usd_month FROM teams ORDER BY name")
            .unwrap();
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap()
    };
    let dev = |id: &str, team: &str, role: Option<&str>, started: Option<&str>| {
        (
            id.to_string(),
            team.to_string(),
            role.map(str::to_string),
            started.map(str::to_string),
        )
    };
    let both = "[[team]]\nname = \"alpha\"\nbudget_usd_month = 100\nmembers = [\"Ana@x.dev\", \"bo@x.dev\"]\n\
                [[team]]\nname = \"beta\"\nmembers = [\"cy@x.dev\"]\n";
    run(both);
    assert_eq!(
        teams(),
        vec![("alpha".into(), Some(100_000_000)), ("beta".into(), None)]
    );
    // What a directory (a vendor's member list, an HR export) tells about Ana.
    rusqlite::Connection::open(&db)
        .unwrap()
        .execute(
            "UPDATE developers SET role = 'staff', started_on = '2024-01-15' WHERE id = 'ana@x.dev'",
            [],
        )
        .unwrap();
    run(both);
    assert_eq!(
        developers(),
        vec![
            dev("ana@x.dev", "alpha", Some("staff"), Some("2024-01-15")),
            dev("bo@x.dev", "alpha", None, None),
            dev("cy@x.dev", "beta", None, None),
        ],
        "the config's rows keep what the directory said"
    );
    run("[[team]]\nname = \"alpha\"\nmembers = [\"bo@x.dev\"]\n");
    assert_eq!(
        teams(),
        vec![("alpha".into(), None)],
        "beta and alpha's budget are gone"
    );
    assert_eq!(
        developers(),
        vec![
            dev("ana@x.dev", "unassigned", Some("staff"), Some("2024-01-15")),
            dev("bo@x.dev", "alpha", None, None),
        ],
        "Ana has data and a role: unassigned; Cy was only ever in the config: forgotten"
    );
}

/// Changing who this machine's files belong to (`[identity] developer`, or git's email)
/// after a first read: a file keeps the developer it was first read as, so one rewritten in
/// place is not stored again under the new name (it was: dedupe keys are per owner), new
/// files are the new name's, and the next pass says so. Nothing was said before.
#[test]
fn a_change_of_the_local_identity_is_named_on_the_next_pass() {
    let dir = tempfile::tempdir().unwrap();
    let (claude, line) = one_transcript(dir.path());
    let (config, db) = (dir.path().join("config.toml"), dir.path().join("store.db"));
    let ingest_as = |who: &str| {
        std::fs::write(&config, format!("[identity]\ndeveloper = \"{who}\"\n")).unwrap();
        let out = crate::common::bin()
            .args(["--offline", "--db", db.to_str().unwrap(), "--config"])
            .arg(&config)
            .args(["ingest", "--claude-dir"])
            .arg(&claude)
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    assert!(!ingest_as("ana@x.dev").contains("warning"));
    assert!(!ingest_as("ana@x.dev").contains("warning"), "same identity");
    // The agent rewrites the file in place (same request, one more line) and starts a new
    // session file, after the identity changed.
    let file = claude.join("projects/-home-dev-api/s1.jsonl");
    let more = assistant_line(
        "s1",
        "msg_2",
        Some("req_2"),
        "2026-01-09T10:05:00.000Z",
        7,
        3,
        0,
    );
    std::fs::write(&file, format!("{line}\n{more}\n")).unwrap();
    let new = assistant_line(
        "s2",
        "msg_3",
        Some("req_3"),
        "2026-01-10T09:00:00.000Z",
        1,
        1,
        0,
    );
    std::fs::write(
        claude_project(&claude, "-home-dev-api").join("s2.jsonl"),
        format!("{new}\n"),
    )
    .unwrap();
    let err = ingest_as("Ana.Lopez@x.dev");
    assert!(
        err.contains("read as ana@x.dev and new ones are now read as ana.lopez@x.dev")
            && err.contains("developer = \"ana@x.dev\""),
        "{err}"
    );
    // Each request once: the rewritten file stays Ana's first name (it had been read again
    // under the new one, storing req_1 twice), the new file is the new name's.
    let conn = rusqlite::Connection::open(&db).unwrap();
    let mut stmt = conn
        .prepare("SELECT developer, request_id FROM requests ORDER BY request_id")
        .unwrap();
    let rows: Vec<(String, String)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    assert_eq!(
        rows,
        vec![
            ("ana@x.dev".to_string(), "req_1".to_string()),
            ("ana@x.dev".to_string(), "req_2".to_string()),
            ("ana.lopez@x.dev".to_string(), "req_3".to_string()),
        ]
    );
}
