//! The git source on real temporary repositories built with libgit2: each agent's trailers
//! and identities, line counts, reverts, fixes, ticket keys from branches and messages,
//! incremental passes by ref position, and commits linked to sessions.

use agentdeck::collect::sources::git;
use agentdeck::domain::{Agent, EventKind, EventRecord, SessionRecord};
use agentdeck::store::{Store, WriteBatch};
use git2::{Repository, Signature, Time};
use std::collections::BTreeMap;
use std::path::Path;

const T0: i64 = 1_780_000_000; // seconds

struct Repo {
    repo: Repository,
    clock: i64,
}

impl Repo {
    fn init(dir: &Path) -> Repo {
        let repo = Repository::init(dir).unwrap();
        repo.remote("origin", "git@github.com:acme/api.git")
            .unwrap();
        Repo { repo, clock: T0 }
    }

    /// Writes `file` with `lines` lines and commits it on HEAD's branch.
    fn commit(
        &mut self,
        author: (&str, &str),
        committer: (&str, &str),
        message: &str,
        file: &str,
        lines: usize,
    ) -> String {
        self.clock += 600;
        let workdir = self.repo.workdir().unwrap().to_path_buf();
        let body: String = (0..lines)
            .map(|i| format!("line {i} of {message:.8}\n"))
            .collect();
        std::fs::write(workdir.join(file), body).unwrap();
        let mut index = self.repo.index().unwrap();
        index.add_path(Path::new(file)).unwrap();
        index.write().unwrap();
        let tree = self.repo.find_tree(index.write_tree().unwrap()).unwrap();
        let when = Time::new(self.clock, 0);
        let a = Signature::new(author.0, author.1, &when).unwrap();
        let c = Signature::new(committer.0, committer.1, &when).unwrap();
        let parent = self.repo.head().ok().and_then(|h| h.peel_to_commit().ok());
        let parents: Vec<&git2::Commit> = parent.iter().collect();
        self.repo
            .commit(Some("HEAD"), &a, &c, message, &tree, &parents)
            .unwrap()
            .to_string()
    }

    fn checkout_new_branch(&self, name: &str) {
        let head = self.repo.head().unwrap().peel_to_commit().unwrap();
        self.repo.branch(name, &head, false).unwrap();
        self.repo.set_head(&format!("refs/heads/{name}")).unwrap();
    }
}

const ANA: (&str, &str) = ("Ana Lima", "ana@example.com");

/// (message, author, committer, expected agent, expected detection).
type Case<'a> = (
    String,
    (&'a str, &'a str),
    (&'a str, &'a str),
    &'a str,
    &'a str,
);

#[test]
fn every_agent_is_attributed_and_links_reverts_fixes_and_tickets() {
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().join("api");
    std::fs::create_dir(&work).unwrap();
    let mut r = Repo::init(&work);
    let human = r.commit(ANA, ANA, "Initial import", "a.txt", 10);
    let default_branch = r.repo.head().unwrap().shorthand().unwrap().to_string();
    let trailer = |who: &str| format!("Add feature\n\nDetails.\n\nCo-authored-by: {who}\n");
    let mut expect: BTreeMap<String, (Option<&str>, Option<&str>)> = BTreeMap::new();
    expect.insert(human.clone(), (None, None));
    let cases: Vec<Case> = vec![
        (trailer("Claude Sonnet 4.5 <noreply@anthropic.com>"), ANA, ANA, "claude_code", "trailer"),
        (trailer("Codex <noreply@openai.com>"), ANA, ANA, "codex", "trailer"),
        (trailer("Cursor <cursoragent@cursor.com>"), ANA, ANA, "cursor", "trailer"),
        ("Cloud agent change".into(), ("Cursor Agent", "cursoragent@cursor.com"), ANA, "cursor", "author"),
        (
            "Copilot change".into(),
            ("copilot-swe-agent[bot]", "198982749+Copilot@users.noreply.github.com"),
            ("GitHub", "noreply@github.com"),
            "copilot",
            "author",
        ),
        ("feat: parser".into(), ("Ana Lima (aider)", "ana@example.com"), ("Ana Lima (aider)", "ana@example.com"), "aider", "author"),
        ("aider: add tests".into(), ANA, ANA, "aider", "message"),
        (trailer("Gemini <gemini@google.com>"), ANA, ANA, "gemini", "trailer"),
        ("Old style\n\n🤖 Generated with [Claude Code](https://claude.ai/code)\n\nCo-Authored-By: Claude <NOREPLY@anthropic.com>".into(), ANA, ANA, "claude_code", "trailer"),
    ];
    let mut by_agent = Vec::new();
    for (i, (message, author, committer, agent, how)) in cases.iter().enumerate() {
        let sha = r.commit(*author, *committer, message, &format!("f{i}.txt"), 5 + i);
        expect.insert(sha.clone(), (Some(agent), Some(how)));
        by_agent.push(sha);
    }
    // A revert of the Codex commit, and a fix naming the Cursor one by its short id.
    let revert = r.commit(
        ANA,
        ANA,
        &format!(
            "Revert \"Add feature\"\n\nThis reverts commit {}.",
            by_agent[1]
        ),
        "f1.txt",
        1,
    );
    let fix = r.commit(
        ANA,
        ANA,
        &format!("fix: off-by-one introduced in {}", &by_agent[2][..10]),
        "f2.txt",
        3,
    );
    expect.insert(revert.clone(), (None, None));
    expect.insert(fix.clone(), (None, None));
    // A Linear-style branch with its own commit.
    r.checkout_new_branch("ana/eng-42-login");
    let on_branch = r.commit(ANA, ANA, "Login form", "login.txt", 7);
    expect.insert(on_branch.clone(), (None, None));

    let store = Store::open(&dir.path().join("s.db")).unwrap();
    let summary = git::pass(
        &store,
        std::slice::from_ref(&work),
        git::DEFAULT_MAX_COMMITS,
    )
    .unwrap();
    assert_eq!(summary.commits, expect.len(), "{summary:?}");
    assert!(summary.problems.is_empty(), "{summary:?}");
    let commits = store
        .reader()
        .unwrap()
        .commits("github.com/acme/api")
        .unwrap();
    assert_eq!(commits.len(), expect.len());
    for c in &commits {
        let (agent, how) = expect[&c.row.sha];
        assert_eq!(
            (c.row.ai_agent.as_deref(), c.row.ai_detected_by.as_deref()),
            (agent, how),
            "{}",
            c.row.sha
        );
    }
    let get = |sha: &str| commits.iter().find(|c| c.row.sha == sha).unwrap();
    assert_eq!(
        get(&by_agent[1]).row.reverted_by.as_deref(),
        Some(revert.as_str())
    );
    assert_eq!(get(&by_agent[2]).fixed_by.as_deref(), Some(fix.as_str()));
    assert_eq!(get(&by_agent[0]).row.reverted_by, None);
    assert_eq!(get(&human).row.lines_added, 10);
    assert_eq!(get(&by_agent[3]).row.lines_added, 8);
    assert_eq!(get(&on_branch).row.ticket_key.as_deref(), Some("ENG-42"));
    assert_eq!(
        get(&on_branch).row.branch.as_deref(),
        Some("ana/eng-42-login")
    );
    assert_eq!(
        get(&human).row.branch.as_deref(),
        Some(default_branch.as_str()),
        "the default branch names shared history, not the branch checked out"
    );
    assert_eq!(get(&human).row.author, "ana@example.com");

    // Nothing new: nothing read. One new commit: one read.
    let again = git::pass(
        &store,
        std::slice::from_ref(&work),
        git::DEFAULT_MAX_COMMITS,
    )
    .unwrap();
    assert_eq!(again.commits, 0);
    let newer = r.commit(ANA, ANA, "PAY-7: settle", "pay.txt", 2);
    let third = git::pass(
        &store,
        std::slice::from_ref(&work),
        git::DEFAULT_MAX_COMMITS,
    )
    .unwrap();
    assert_eq!(third.commits, 1);
    let commits = store
        .reader()
        .unwrap()
        .commits("github.com/acme/api")
        .unwrap();
    let newest = commits.iter().find(|c| c.row.sha == newer).unwrap();
    assert_eq!(
        newest.row.ticket_key.as_deref(),
        Some("PAY-7"),
        "the message's key wins over the branch's"
    );
}

#[test]
fn sessions_link_by_telemetry_commit_id_else_branch_and_time() {
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().join("api");
    std::fs::create_dir(&work).unwrap();
    let mut r = Repo::init(&work);
    let first = r.commit(ANA, ANA, "one", "a.txt", 1);
    r.checkout_new_branch("feature/x");
    let second = r.commit(ANA, ANA, "two", "b.txt", 1);
    let store = Store::open(&dir.path().join("s.db")).unwrap();
    git::pass(&store, std::slice::from_ref(&work), 100).unwrap();
    let session = |key: &str, branch: &str, start_s: i64, end_s: i64| SessionRecord {
        agent: Agent::ClaudeCode,
        session_key: key.into(),
        source: "test".into(),
        developer: "ana@example.com".into(),
        project_id: Some("github.com/acme/api".into()),
        branch: Some(branch.into()),
        started_at: start_s * 1000,
        last_activity_at: end_s * 1000,
        title: None,
    };
    store
        .writer()
        .apply_blocking(WriteBatch {
            sessions: vec![
                // covers the second commit's time on its branch
                session("s-branch", "feature/x", T0 + 900, T0 + 1500),
                // another branch at the same time: not a match
                session("s-other", "main", T0, T0 + 5000),
                // far away in time, but telemetry names the first commit
                session("s-otel", "master", T0 - 90_000, T0 - 80_000),
            ],
            events: vec![EventRecord {
                dedupe_key: "e1".into(),
                agent: Agent::ClaudeCode,
                session_key: "s-otel".into(),
                developer: String::new(),
                ts: (T0 - 85_000) * 1000,
                kind: EventKind::Commit,
                tool_name: Some("Bash".into()),
                decision: None,
                status_code: None,
                duration_ms: None,
                detail: Some(first[..12].to_string()),
                ord: 0,
            }],
            ..WriteBatch::default()
        })
        .unwrap();
    let reader = store.reader().unwrap();
    let links = reader.commit_sessions("github.com/acme/api").unwrap();
    let key_of = |id: i64| reader.session_key_of(id).unwrap();
    let found: BTreeMap<String, (String, &str)> = links
        .iter()
        .map(|l| (l.sha.clone(), (key_of(l.session_id), l.linked_by)))
        .collect();
    assert_eq!(found[&first], ("s-otel".to_string(), "telemetry"));
    assert_eq!(found[&second], ("s-branch".to_string(), "branch_time"));
}

#[test]
fn unreadable_paths_and_globs_are_reported_not_fatal() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["a", "b"] {
        let p = dir.path().join("src").join(name);
        std::fs::create_dir_all(&p).unwrap();
        Repo::init(&p).commit(ANA, ANA, "x", "x.txt", 1);
    }
    std::fs::create_dir_all(dir.path().join("src/not-a-repo")).unwrap();
    let pattern = format!("{}/src/*", dir.path().display());
    let missing = format!("{}/nowhere/*", dir.path().display());
    let (repos, problems) = git::expand(&[pattern, missing], None).unwrap();
    assert_eq!(repos.len(), 3);
    assert_eq!(problems.len(), 1, "{problems:?}");
    let store = Store::open(&dir.path().join("s.db")).unwrap();
    let summary = git::pass(&store, &repos, 100).unwrap();
    assert_eq!(summary.repositories, 2);
    assert_eq!(summary.commits, 2);
    assert!(
        summary.problems[0].contains("not-a-repo"),
        "{:?}",
        summary.problems
    );
}

#[test]
fn ingest_reads_the_configured_repositories() {
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().join("repos/api");
    std::fs::create_dir_all(&work).unwrap();
    let mut r = Repo::init(&work);
    r.commit(
        ANA,
        ANA,
        "x\n\nCo-authored-by: Codex <noreply@openai.com>",
        "x.txt",
        1,
    );
    r.commit(ANA, ANA, "y", "y.txt", 1);
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        format!("[git]\nrepos = [\"{}/repos/*\"]\n", dir.path().display()),
    )
    .unwrap();
    let db = dir.path().join("s.db");
    let none = dir.path().join("no-agent-files");
    std::fs::create_dir(&none).unwrap();
    let args = [
        "--db",
        db.to_str().unwrap(),
        "--config",
        config.to_str().unwrap(),
        "ingest",
        "--claude-dir",
        none.to_str().unwrap(),
    ];
    let out = crate::common::run_ok(&args);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("git: 1 repository, 2 new commits (1 AI-attributed)"),
        "{text}"
    );
    let out = crate::common::run_ok(&args);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("git: 1 repository, 0 new commits"), "{text}");
}

/// Claude Code telemetry names the commit its Bash tool made inside `tool_parameters`
/// (content, dropped): the id alone is kept, as a `commit` event that links the session.
#[tokio::test(flavor = "multi_thread")]
async fn telemetry_commit_ids_become_commit_events_and_nothing_else_is_kept() {
    use crate::server_support::*;
    use prost::Message;
    let t = TestServer::start().await;
    let sha = "0123abcd4567ef890123abcd4567ef8901234567";
    let tool_result = record(
        "claude_code.tool_result",
        T0_NANOS,
        vec![
            s("event.name", "tool_result"),
            s("event.timestamp", "2026-01-09T10:00:03.120Z"),
            i("event.sequence", 7),
            s("session.id", "sess-otel"),
            s("user.email", "ana@x.dev"),
            s("tool_name", "Bash"),
            s("success", "true"),
            s(
                "tool_parameters",
                &format!(r#"{{"command":"git commit -m 'secret plan'","git_commit_id":"{sha}"}}"#),
            ),
        ],
    );
    let body = logs(claude_resource(), vec![tool_result]).encode_to_vec();
    let r = reqwest::Client::new()
        .post(t.url("/v1/logs"))
        .header("content-type", "application/x-protobuf")
        .body(body)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.status());
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while t.sql_i64("SELECT count(*) FROM events WHERE kind = 'commit'") == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "no commit event stored"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(
        t.sql_str("SELECT detail FROM events WHERE kind = 'commit'"),
        sha
    );
    assert_eq!(
        t.sql_i64("SELECT count(*) FROM events WHERE kind = 'tool_use'"),
        1
    );
    let everything = t.sql_str("SELECT group_concat(coalesce(detail, ''), '|') FROM events");
    assert!(!everything.contains("secret plan"), "{everything}");
}

#[test]
fn a_renamed_file_counts_only_its_changed_lines() {
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().join("work");
    let mut r = Repo::init(&work);
    r.commit(ANA, ANA, "Add notes", "notes.txt", 40);
    // `git mv notes.txt docs.txt` and one more line, as one commit.
    let workdir = r.repo.workdir().unwrap().to_path_buf();
    let mut body = std::fs::read_to_string(workdir.join("notes.txt")).unwrap();
    body.push_str("one more line\n");
    std::fs::remove_file(workdir.join("notes.txt")).unwrap();
    std::fs::write(workdir.join("docs.txt"), body).unwrap();
    let mut index = r.repo.index().unwrap();
    index.remove_path(Path::new("notes.txt")).unwrap();
    index.add_path(Path::new("docs.txt")).unwrap();
    index.write().unwrap();
    let tree = r.repo.find_tree(index.write_tree().unwrap()).unwrap();
    let sig = Signature::new(ANA.0, ANA.1, &Time::new(T0 + 3600, 0)).unwrap();
    let parent = r.repo.head().unwrap().peel_to_commit().unwrap();
    let moved = r
        .repo
        .commit(Some("HEAD"), &sig, &sig, "Move notes", &tree, &[&parent])
        .unwrap()
        .to_string();
    let store = Store::open(&dir.path().join("s.db")).unwrap();
    git::pass(&store, &[work], git::DEFAULT_MAX_COMMITS).unwrap();
    let commits = store
        .reader()
        .unwrap()
        .commits("github.com/acme/api")
        .unwrap();
    let row = &commits.iter().find(|c| c.row.sha == moved).unwrap().row;
    assert_eq!(
        (row.lines_added, row.lines_removed),
        (1, 0),
        "a rename is not 41 lines written and 40 deleted"
    );
}

#[test]
fn a_merge_commit_naming_a_ticket_is_not_one_of_its_commits() {
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().join("api");
    let mut r = Repo::init(&work);
    let base = r.commit(ANA, ANA, "init", "a.txt", 1);
    let main = r.repo.head().unwrap().shorthand().unwrap().to_string();
    r.checkout_new_branch("acme/PAY-7-fix");
    let work_commit = r.commit(
        ANA,
        ANA,
        "PAY-7 fix the total\n\nCo-Authored-By: Claude <noreply@anthropic.com>",
        "b.txt",
        3,
    );
    // GitHub's merge button: "Merge pull request #12 from acme/PAY-7-fix" on main.
    let find = |sha: &str| {
        r.repo
            .find_commit(git2::Oid::from_str(sha).unwrap())
            .unwrap()
    };
    let (base, head) = (find(&base), find(&work_commit));
    let sig = Signature::new(ANA.0, ANA.1, &Time::new(T0 + 7200, 0)).unwrap();
    r.repo
        .commit(
            Some(&format!("refs/heads/{main}")),
            &sig,
            &sig,
            "Merge pull request #12 from acme/PAY-7-fix",
            &head.tree().unwrap(),
            &[&base, &head],
        )
        .unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        format!("[git]\nrepos = [\"{}\"]\n", work.display()),
    )
    .unwrap();
    let db = dir.path().join("s.db");
    let none = dir.path().join("no-agent-files");
    std::fs::create_dir(&none).unwrap();
    let (db, config) = (db.to_str().unwrap(), config.to_str().unwrap());
    crate::common::run_ok(&[
        "--db",
        db,
        "--config",
        config,
        "ingest",
        "--claude-dir",
        none.to_str().unwrap(),
    ]);
    let out = crate::common::run_ok(&[
        "--db",
        db,
        "--config",
        config,
        "report",
        "ticket",
        "--since",
        "2026-01-01",
        "--csv",
        "--no-refresh",
    ]);
    let csv = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(
        csv.lines().nth(1),
        Some("PAY-7,1,1,0,0,0,0.000000,0"),
        "one commit of work, AI-attributed; the merge is not a second: {csv}"
    );
}

#[test]
fn reverting_a_merge_reverts_the_commits_it_brought_in() {
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().join("api");
    let mut r = Repo::init(&work);
    let base = r.commit(ANA, ANA, "init", "a.txt", 1);
    let main = r.repo.head().unwrap().shorthand().unwrap().to_string();
    r.checkout_new_branch("feature");
    let one = r.commit(
        ANA,
        ANA,
        "Add b\n\nCo-Authored-By: Claude <noreply@anthropic.com>",
        "b.txt",
        2,
    );
    let two = r.commit(ANA, ANA, "Add c", "c.txt", 2);
    let find = |sha: &str| {
        r.repo
            .find_commit(git2::Oid::from_str(sha).unwrap())
            .unwrap()
    };
    let sig = Signature::new(ANA.0, ANA.1, &Time::new(T0 + 7200, 0)).unwrap();
    let (base_c, two_c) = (find(&base), find(&two));
    let merge = r
        .repo
        .commit(
            Some(&format!("refs/heads/{main}")),
            &sig,
            &sig,
            "Merge branch 'feature'",
            &two_c.tree().unwrap(),
            &[&base_c, &two_c],
        )
        .unwrap()
        .to_string();
    // `git revert -m 1 <merge>`: back to the first parent's tree.
    let sig = Signature::new(ANA.0, ANA.1, &Time::new(T0 + 9000, 0)).unwrap();
    let merge_c = find(&merge);
    let revert = r
        .repo
        .commit(
            Some(&format!("refs/heads/{main}")),
            &sig,
            &sig,
            &format!(
                "Revert \"Merge branch 'feature'\"\n\nThis reverts commit {merge}, reversing\nchanges made to {base}."
            ),
            &base_c.tree().unwrap(),
            &[&merge_c],
        )
        .unwrap()
        .to_string();
    let store = Store::open(&dir.path().join("s.db")).unwrap();
    git::pass(&store, &[work], git::DEFAULT_MAX_COMMITS).unwrap();
    let commits = store
        .reader()
        .unwrap()
        .commits("github.com/acme/api")
        .unwrap();
    let reverted_by = |sha: &str| {
        commits
            .iter()
            .find(|c| c.row.sha == sha)
            .unwrap()
            .row
            .reverted_by
            .clone()
    };
    assert_eq!(reverted_by(&one), Some(revert.clone()));
    assert_eq!(reverted_by(&two), Some(revert.clone()));
    assert_eq!(reverted_by(&merge), Some(revert.clone()));
    assert_eq!(reverted_by(&base), None, "the first parent's history stays");
    let facts = store
        .reader()
        .unwrap()
        .quality_facts(0, i64::MAX / 2)
        .unwrap();
    assert_eq!(
        (facts.ai.reverted_commits, facts.ai.commits),
        (1, 1),
        "{facts:?}"
    );
    assert_eq!(
        (facts.human.reverted_commits, facts.human.commits),
        (1, 3),
        "Add c is reverted; init and the revert are not"
    );
}

#[test]
fn a_shallow_clones_oldest_commit_is_not_the_whole_tree_written() {
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().join("api");
    let mut r = Repo::init(&work);
    r.commit(ANA, ANA, "Add a", "a.txt", 500);
    let boundary = r.commit(ANA, ANA, "Add b", "b.txt", 3);
    let newest = r.commit(ANA, ANA, "Add c", "c.txt", 2);
    // What `git clone --depth 2` leaves: `.git/shallow` names the commit whose parents
    // were not fetched.
    std::fs::write(work.join(".git/shallow"), format!("{boundary}\n")).unwrap();
    let store = Store::open(&dir.path().join("s.db")).unwrap();
    let s = git::pass(&store, &[work], git::DEFAULT_MAX_COMMITS).unwrap();
    assert_eq!(s.commits, 2, "{s:?}");
    let commits = store
        .reader()
        .unwrap()
        .commits("github.com/acme/api")
        .unwrap();
    let lines = |sha: &str| {
        let c = &commits.iter().find(|c| c.row.sha == sha).unwrap().row;
        (c.lines_added, c.lines_removed)
    };
    assert_eq!(lines(&newest), (2, 0));
    assert_eq!(
        lines(&boundary),
        (0, 0),
        "its parent was not fetched: not 503 lines written"
    );
}

#[test]
fn an_amended_or_rebased_commit_replaces_the_one_it_rewrote() {
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().join("api");
    let mut r = Repo::init(&work);
    r.commit(ANA, ANA, "init", "a.txt", 1);
    let first = r.commit(ANA, ANA, "Add b", "b.txt", 2);
    r.checkout_new_branch("ana/side");
    let side = r.commit(ANA, ANA, "Side work", "s.txt", 1);
    let store = Store::open(&dir.path().join("s.db")).unwrap();
    let count = || {
        let c = store
            .reader()
            .unwrap()
            .commits("github.com/acme/api")
            .unwrap();
        let mut shas: Vec<String> = c.into_iter().map(|c| c.row.sha).collect();
        shas.sort();
        shas
    };
    git::pass(
        &store,
        std::slice::from_ref(&work),
        git::DEFAULT_MAX_COMMITS,
    )
    .unwrap();
    assert_eq!(count().len(), 3);

    // `git commit --amend` on the side branch: the amended commit replaces the old one.
    let old = r
        .repo
        .find_commit(git2::Oid::from_str(&side).unwrap())
        .unwrap();
    let amended = old
        .amend(
            Some("HEAD"),
            None,
            None,
            None,
            Some("Side work, reworded"),
            None,
        )
        .unwrap()
        .to_string();
    // The main branch is deleted locally: its commits stay (they may live on elsewhere).
    let main = r
        .repo
        .branches(Some(git2::BranchType::Local))
        .unwrap()
        .flatten()
        .map(|(b, _)| b.name().unwrap().unwrap().to_string())
        .find(|n| n != "ana/side")
        .unwrap();
    r.repo
        .find_branch(&main, git2::BranchType::Local)
        .unwrap()
        .delete()
        .unwrap();
    let s = git::pass(
        &store,
        std::slice::from_ref(&work),
        git::DEFAULT_MAX_COMMITS,
    )
    .unwrap();
    assert_eq!(s.commits, 1, "{s:?}");
    let shas = count();
    assert_eq!(shas.len(), 3, "{shas:?}");
    assert!(shas.contains(&amended) && !shas.contains(&side), "{shas:?}");
    assert!(shas.contains(&first));
}
