//! Discovery over temporary trees: layouts, roots given either way, duplicates, symlink
//! loops and the problems it reports.

use super::*;
use std::os::unix::fs::symlink;

fn touch(path: &Path) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, b"{}\n").unwrap();
}

fn rel(root: &Path, files: &[DiscoveredFile]) -> Vec<(String, FileFormat)> {
    files
        .iter()
        .map(|f| {
            (
                f.path.strip_prefix(root).unwrap().display().to_string(),
                f.format,
            )
        })
        .collect()
}

#[test]
fn finds_claude_layouts_under_either_root_form() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    touch(&t.join("claude/projects/-p/s1.jsonl"));
    touch(&t.join("claude/projects/-p/s1/subagents/agent-a.jsonl"));
    touch(&t.join("claude/projects/-p/s1/tool-results/big.jsonl"));
    touch(&t.join("claude/projects/-p/agent-b.jsonl"));
    touch(&t.join("claude/projects/-p/notes.txt"));
    fs::create_dir_all(t.join("claude/projects/-p/odd.jsonl")).unwrap();
    touch(&t.join("xdg/claude/projects/-q/s2.jsonl"));
    let roots = Roots {
        claude: vec![
            t.join("claude"),
            t.join("xdg/claude/projects"),
            t.join("missing"),
        ],
        ..Roots::default()
    };
    let (files, problems) = discover(&roots);
    let c = FileFormat::ClaudeJsonl;
    assert_eq!(
        rel(t, &files),
        vec![
            ("claude/projects/-p/agent-b.jsonl".into(), c),
            // Paths sort by component: the folder `s1` before the file `s1.jsonl`.
            ("claude/projects/-p/s1/subagents/agent-a.jsonl".into(), c),
            ("claude/projects/-p/s1.jsonl".into(), c),
            ("xdg/claude/projects/-q/s2.jsonl".into(), c),
        ]
    );
    assert_eq!(problems.len(), 1);
    assert!(problems[0].path.ends_with("odd.jsonl"));
    assert_eq!(problems[0].message, "expected a file, found a directory");
}

#[test]
fn overlapping_roots_and_symlink_loops_give_each_file_once() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    touch(&t.join("claude/projects/-p/s1.jsonl"));
    symlink(t.join("claude/projects"), t.join("claude/projects/-p/loop")).unwrap();
    symlink(t.join("claude"), t.join("alias")).unwrap();
    let roots = Roots {
        claude: vec![t.join("claude"), t.join("alias")],
        ..Roots::default()
    };
    let (files, problems) = discover(&roots);
    assert_eq!(
        rel(t, &files),
        vec![(
            "claude/projects/-p/s1.jsonl".into(),
            FileFormat::ClaudeJsonl
        )]
    );
    assert!(problems.is_empty(), "{problems:?}");
}

#[test]
fn codex_live_sessions_win_over_archived_copies() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    touch(&t.join("codex/sessions/2026/04/01/rollout-a.jsonl"));
    touch(&t.join("codex/archived_sessions/rollout-a.jsonl"));
    touch(&t.join("codex/archived_sessions/rollout-b.jsonl"));
    touch(&t.join("codex/session_index.jsonl"));
    let cx = FileFormat::CodexJsonl;
    let expected = vec![
        ("codex/archived_sessions/rollout-b.jsonl".into(), cx),
        ("codex/sessions/2026/04/01/rollout-a.jsonl".into(), cx),
    ];
    for root in [t.join("codex"), t.join("codex/sessions")] {
        let (files, problems) = discover(&Roots {
            codex: vec![root],
            ..Roots::default()
        });
        assert_eq!(rel(t, &files), expected);
        assert!(problems.is_empty());
    }
}

#[test]
fn gemini_chats_and_stale_legacy_documents() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    touch(&t.join("gemini/tmp/h1/chats/session-a.jsonl"));
    touch(&t.join("gemini/tmp/h1/chats/session-a.json"));
    touch(&t.join("gemini/tmp/h1/chats/session-b.json"));
    touch(&t.join("gemini/tmp/h1/chats/parent/session-c.jsonl"));
    touch(&t.join("gemini/tmp/h1/logs.json"));
    touch(&t.join("gemini/tmp/h2/otel/collector.jsonl"));
    let expected = vec![
        (
            "gemini/tmp/h1/chats/parent/session-c.jsonl".into(),
            FileFormat::GeminiJsonl,
        ),
        (
            "gemini/tmp/h1/chats/session-a.jsonl".into(),
            FileFormat::GeminiJsonl,
        ),
        (
            "gemini/tmp/h1/chats/session-b.json".into(),
            FileFormat::GeminiJson,
        ),
    ];
    for root in [t.join("gemini"), t.join("gemini/tmp")] {
        let (files, _) = discover(&Roots {
            gemini: vec![root],
            ..Roots::default()
        });
        assert_eq!(rel(t, &files), expected);
    }
}

#[test]
fn a_root_that_is_a_file_is_reported_and_missing_roots_are_silent() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("not-a-dir");
    fs::write(&file, b"x").unwrap();
    let roots = Roots {
        claude: vec![file.clone()],
        codex: vec![tmp.path().join("nope")],
        ..Roots::default()
    };
    let (files, problems) = discover(&roots);
    assert!(files.is_empty());
    assert_eq!(
        problems,
        vec![DiscoveryProblem {
            path: file,
            message: "expected a directory, found a file".into()
        }]
    );
}

#[test]
fn the_recorded_fixture_tree_is_discoverable() {
    let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let roots = Roots {
        claude: vec![base.join("claude"), base.join("peer/claude/projects")],
        codex: vec![base.join("codex")],
        gemini: vec![base.join("gemini/tmp")],
        copilot: vec![base.join("copilot")],
    };
    let (files, problems) = discover(&roots);
    assert!(problems.is_empty(), "{problems:?}");
    let count = |f: FileFormat| files.iter().filter(|d| d.format == f).count();
    assert_eq!(count(FileFormat::ClaudeJsonl), 6);
    assert_eq!(
        count(FileFormat::CodexJsonl),
        3,
        "the archived copy is skipped"
    );
    assert_eq!(count(FileFormat::GeminiJsonl), 1);
    assert_eq!(count(FileFormat::GeminiJson), 2);
    assert_eq!(count(FileFormat::CopilotJsonl), 1);
}

proptest::proptest! {
    /// The byte comparison used to sort found files is `Path`'s own order (for the names
    /// a directory listing yields: never `.` or `..`).
    #[test]
    fn path_order_is_the_component_order(
        a in proptest::collection::vec("[a-c.\\- ]{0,2}[a-c]", 1..4),
        b in proptest::collection::vec("[a-c.\\- ]{0,2}[a-c]", 1..4),
    ) {
        let (a, b) = (PathBuf::from(format!("/r/{}", a.join("/"))), PathBuf::from(format!("/r/{}", b.join("/"))));
        proptest::prop_assert_eq!(path_order(&a, &b), a.cmp(&b), "{} vs {}", a.display(), b.display());
    }
}
