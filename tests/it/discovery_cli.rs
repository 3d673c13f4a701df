//! Where `agentdeck ingest` looks: the default locations under $HOME, CLAUDE_CONFIG_DIR
//! lists, CODEX_HOME, and --*-dir flags given either the agent's root or its
//! sessions/projects folder.

use crate::common;

use common::*;
use std::path::Path;

fn claude_file(root: &Path, project: &str, session: &str, msg: &str) {
    let dir = claude_project(root, project);
    let l = assistant_line(
        session,
        msg,
        Some(&format!("req-{msg}")),
        "2026-01-09T10:00:00.000Z",
        1,
        1,
        0,
    );
    std::fs::write(dir.join(format!("{session}.jsonl")), format!("{l}\n")).unwrap();
}

fn codex_file(codex_home: &Path, id: &str) {
    let dir = codex_home.join("sessions/2026/04/01");
    std::fs::create_dir_all(&dir).unwrap();
    let lines = [
        format!(r#"{{"timestamp":"2026-04-01T14:00:00.000Z","type":"session_meta","payload":{{"id":"{id}","cwd":"/x"}}}}"#),
        r#"{"timestamp":"2026-04-01T14:00:05.000Z","type":"turn_context","payload":{"model":"gpt-5.3-codex"}}"#.to_string(),
        r#"{"timestamp":"2026-04-01T14:01:00.000Z","type":"event_msg","payload":{"type":"token_count","info":{"last_token_usage":{"input_tokens":10,"cached_input_tokens":0,"output_tokens":1,"reasoning_output_tokens":0,"total_tokens":11},"total_token_usage":{"input_tokens":10,"cached_input_tokens":0,"output_tokens":1,"reasoning_output_tokens":0,"total_tokens":11}}}}"#.to_string(),
    ];
    std::fs::write(
        dir.join(format!("rollout-2026-04-01T14-00-00-{id}.jsonl")),
        lines.join("\n") + "\n",
    )
    .unwrap();
}

/// Input tokens per agent after one default ingest with the given environment.
fn ingest_with(
    home: &Path,
    db: &Path,
    envs: &[(&str, String)],
    args: &[&str],
) -> serde_json::Value {
    let mut cmd = bin();
    cmd.env("HOME", home)
        .env_remove("XDG_CONFIG_HOME")
        .env("XDG_CONFIG_HOME", home.join(".config"));
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let mut all = vec!["--db", db.to_str().unwrap(), "report", "agent", "--json"];
    all.extend(args);
    let out = cmd.args(&all).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    json_of(&out)
}

fn inputs(doc: &serde_json::Value) -> Vec<(String, i64)> {
    doc["agents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["agent"].as_str().unwrap().to_string(),
                a["input_tokens"].as_i64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn default_locations_merge_dot_claude_and_xdg_config_and_codex_home() {
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path().join("home");
    claude_file(&home.join(".claude"), "-a", "s1", "m1");
    claude_file(&home.join(".config/claude"), "-b", "s2", "m2");
    // The same transcript under both roots counts once.
    claude_file(&home.join(".config/claude"), "-a", "s1", "m1");
    codex_file(&home.join(".codex"), "019dc924-30bf-7182-a6a1-5b2f0c8e9d10");
    let doc = ingest_with(&home, &tmp.path().join("a.db"), &[], &[]);
    assert_eq!(
        inputs(&doc),
        vec![("claude_code".into(), 2), ("codex".into(), 10)]
    );
}

#[test]
fn claude_config_dir_lists_replace_the_defaults_and_flags_take_either_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path().join("home");
    claude_file(&home.join(".claude"), "-a", "s1", "m1");
    let one = tmp.path().join("one");
    let two = tmp.path().join("two");
    claude_file(&one, "-x", "s3", "m3");
    claude_file(&two, "-y", "s4", "m4");
    claude_file(&two, "-y", "s5", "m5");
    let list = format!("{},{}", one.display(), two.join("projects").display());
    let doc = ingest_with(
        &home,
        &tmp.path().join("a.db"),
        &[("CLAUDE_CONFIG_DIR", list)],
        &[],
    );
    assert_eq!(
        inputs(&doc),
        vec![("claude_code".into(), 3)],
        "~/.claude is ignored when CLAUDE_CONFIG_DIR is set"
    );

    // --claude-dir with the projects/ folder itself, and --codex-dir with sessions/.
    let codex = tmp.path().join("codex");
    codex_file(&codex, "019dc924-30bf-7182-a6a1-5b2f0c8e9d11");
    let db = tmp.path().join("b.db");
    let a = two.join("projects");
    let b = codex.join("sessions");
    let doc = ingest_with(
        &home,
        &db,
        &[],
        &[
            "--claude-dir",
            a.to_str().unwrap(),
            "--codex-dir",
            b.to_str().unwrap(),
        ],
    );
    assert_eq!(
        inputs(&doc),
        vec![("claude_code".into(), 2), ("codex".into(), 10)]
    );
}

/// With nothing found, `ingest` says where it looked and how to point it elsewhere, for
/// every agent it reads: the Copilot CLI's folder and flag had been left out of the note.
#[test]
fn ingest_with_nothing_found_names_every_place_it_looked() {
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    let out = bin()
        .env("HOME", &home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env_remove("COPILOT_CONFIG_DIR")
        .args(["--db", tmp.path().join("a.db").to_str().unwrap(), "ingest"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    for expected in [
        ".claude",
        ".codex",
        ".gemini",
        ".copilot",
        "COPILOT_CONFIG_DIR",
        "--copilot-dir",
    ] {
        assert!(err.contains(expected), "{expected} missing: {err}");
    }
}

/// Every `--*-dir` naming a folder that does not exist is bad usage (exit 2, the flag
/// named), as the README says; `--copilot-dir` had been taken as is and the pass ran on
/// nothing with exit 0.
#[test]
fn every_dir_flag_naming_a_missing_folder_is_bad_usage() {
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    let missing = tmp.path().join("nope");
    for flag in [
        "--claude-dir",
        "--codex-dir",
        "--gemini-dir",
        "--copilot-dir",
    ] {
        let out = bin()
            .env("HOME", &home)
            .env("XDG_CONFIG_HOME", home.join(".config"))
            .args(["--db", tmp.path().join("a.db").to_str().unwrap(), "ingest"])
            .args([flag, missing.to_str().unwrap()])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{flag}: {err}");
        assert!(err.contains(flag), "{flag} not named: {err}");
    }
}

/// A folder `[sources]` names that does not exist (the README's example path, a typo, a
/// drive not mounted) is named by `ingest` and by `config check`; the folders that exist
/// are still read. It was skipped without a word by both.
#[test]
fn a_configured_folder_that_does_not_exist_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    let there = tmp.path().join("there");
    claude_file(&there, "-a", "s1", "m1");
    let missing = tmp.path().join("old-laptop/.claude");
    let cfg = tmp.path().join("config.toml");
    std::fs::write(
        &cfg,
        format!(
            "[sources]\nclaude_dirs = [\"{}\", \"{}\"]\n",
            missing.display(),
            there.display()
        ),
    )
    .unwrap();
    let run = |args: &[&str]| {
        bin()
            .env("HOME", &home)
            .env("XDG_CONFIG_HOME", home.join(".config"))
            .args(["--db", tmp.path().join("a.db").to_str().unwrap()])
            .args(["--config", cfg.to_str().unwrap()])
            .args(args)
            .output()
            .unwrap()
    };
    let out = run(&["ingest"]);
    assert!(out.status.success(), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("{} ([sources] claude_dirs", missing.display()))
            && err.contains("does not exist"),
        "{err}"
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("1 read"),
        "{out:?}"
    );
    let out = run(&["config", "check", cfg.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!(
            "[sources] claude_dirs: {} does not exist",
            missing.display()
        )),
        "{err}"
    );
}
