//! Permission-skipping sessions: a Claude Code transcript whose lines say
//! `"permissionMode":"bypassPermissions"` (what `--dangerously-skip-permissions` writes)
//! becomes one `permission_skip` event for the session, and the built-in rule of that name
//! fires for its developer; a session in the default mode does not.

use crate::common::claude_project;
use agentdeck::alerting::Engine;
use agentdeck::collect::ingest::{NoProgress, ingest};
use agentdeck::collect::parse::ParseEnv;
use agentdeck::collect::project::FixedProjectResolver;
use agentdeck::collect::sources::Roots;
use agentdeck::domain::alerts::{default_rules, names};
use agentdeck::pricing::PriceTable;
use agentdeck::store::Store;

fn user_line(session: &str, uuid: &str, ts: &str, mode: &str) -> String {
    format!(
        r#"{{"type":"user","sessionId":"{session}","uuid":"{uuid}","timestamp":"{ts}","cwd":"/home/dev/api","permissionMode":"{mode}","message":{{"role":"user","content":"go"}}}}"#
    )
}

#[test]
fn a_bypass_permissions_session_records_one_event_and_the_rule_fires() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("claude");
    let proj = claude_project(&root, "-home-dev-api");
    let now = chrono::Utc::now();
    let ts = |mins: i64| {
        (now - chrono::Duration::minutes(mins))
            .format("%Y-%m-%dT%H:%M:%S%.3fZ")
            .to_string()
    };
    std::fs::write(
        proj.join("yolo.jsonl"),
        [
            user_line("yolo", "u1", &ts(30), "bypassPermissions"),
            r#"{"type":"permission-mode","permissionMode":"bypassPermissions","sessionId":"yolo"}"#
                .to_string(),
            user_line("yolo", "u2", &ts(20), "bypassPermissions"),
        ]
        .join("\n")
            + "\n",
    )
    .unwrap();
    std::fs::write(
        proj.join("careful.jsonl"),
        user_line("careful", "u3", &ts(25), "default") + "\n",
    )
    .unwrap();
    let store = Store::open(&dir.path().join("s.db")).unwrap();
    let prices = PriceTable::builtin();
    let projects = FixedProjectResolver::new();
    let env = ParseEnv {
        developer: "ana@x.dev",
        prices: &prices,
        projects: &projects,
    };
    let roots = Roots {
        claude: vec![root],
        ..Roots::default()
    };
    let summary = ingest(&store, &roots, &env, &NoProgress).unwrap();
    assert!(summary.problems.is_empty(), "{:?}", summary.problems);
    let conn = rusqlite::Connection::open(dir.path().join("s.db")).unwrap();
    let skips: Vec<(String, String)> = conn
        .prepare(
            "SELECT s.session_key, e.detail FROM events e JOIN sessions s ON s.id = e.session_id
             WHERE e.kind = 'permission_skip'",
        )
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(
        skips,
        vec![("yolo".to_string(), "bypassPermissions".to_string())]
    );

    assert_the_rule_fires_for_ana(&store, now);
}

fn codex_rollout(dir: &std::path::Path, id: &str, ts: &[String], approval: &str, sandbox: &str) {
    let day = dir.join("sessions/2026/04/01");
    std::fs::create_dir_all(&day).unwrap();
    let lines = [
        format!(
            r#"{{"timestamp":"{}","type":"session_meta","payload":{{"id":"{id}","cwd":"/home/dev/api","originator":"codex_cli_rs"}}}}"#,
            ts[0]
        ),
        format!(
            r#"{{"timestamp":"{}","type":"turn_context","payload":{{"cwd":"/home/dev/api","approval_policy":"{approval}","sandbox_policy":{sandbox},"model":"gpt-5.2-codex"}}}}"#,
            ts[1]
        ),
        format!(
            r#"{{"timestamp":"{}","type":"turn_context","payload":{{"cwd":"/home/dev/api","approval_policy":"{approval}","sandbox_policy":{sandbox},"model":"gpt-5.2-codex"}}}}"#,
            ts[2]
        ),
    ];
    std::fs::write(
        day.join(format!("rollout-2026-04-01T14-00-00-{id}.jsonl")),
        lines.join("\n") + "\n",
    )
    .unwrap();
}

/// Codex started with `--dangerously-bypass-approvals-and-sandbox` writes `approval_policy`
/// `never` with a `danger-full-access` sandbox in each turn context: one event per session
/// (the object and the bare-string spelling both count), none for a sandboxed or an asking
/// session, and the rule fires for the developer.
#[test]
fn a_codex_session_without_approvals_or_sandbox_records_one_event() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("codex");
    let now = chrono::Utc::now();
    let ts = |mins: i64| {
        (now - chrono::Duration::minutes(mins))
            .format("%Y-%m-%dT%H:%M:%S%.3fZ")
            .to_string()
    };
    let times = |start: i64| vec![ts(start), ts(start - 1), ts(start - 2)];
    let bypass = r#"{"mode":"danger-full-access"}"#;
    codex_rollout(&root, "cx-yolo", &times(30), "never", bypass);
    codex_rollout(
        &root,
        "cx-bare",
        &times(40),
        "never",
        r#""danger-full-access""#,
    );
    // Never asks but sandboxed; asks but unsandboxed: neither skips permissions.
    codex_rollout(
        &root,
        "cx-sandboxed",
        &times(50),
        "never",
        r#"{"mode":"read-only"}"#,
    );
    codex_rollout(&root, "cx-asks", &times(60), "on-request", bypass);
    let store = Store::open(&dir.path().join("s.db")).unwrap();
    let prices = PriceTable::builtin();
    let projects = FixedProjectResolver::new();
    let env = ParseEnv {
        developer: "ana@x.dev",
        prices: &prices,
        projects: &projects,
    };
    let roots = Roots {
        codex: vec![root],
        ..Roots::default()
    };
    let summary = ingest(&store, &roots, &env, &NoProgress).unwrap();
    assert!(summary.problems.is_empty(), "{:?}", summary.problems);
    let conn = rusqlite::Connection::open(dir.path().join("s.db")).unwrap();
    let skips: Vec<(String, String, String)> = conn
        .prepare(
            "SELECT s.session_key, s.developer, e.detail FROM events e
             JOIN sessions s ON s.id = e.session_id
             WHERE e.kind = 'permission_skip' ORDER BY 1",
        )
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let detail = "approval_policy=never, sandbox=danger-full-access".to_string();
    assert_eq!(
        skips,
        vec![
            ("cx-bare".into(), "ana@x.dev".into(), detail.clone()),
            ("cx-yolo".into(), "ana@x.dev".into(), detail),
        ]
    );

    assert_the_rule_fires_for_ana(&store, now);
}

/// The built-in `permission_skip` rule, evaluated alone, fires for ana's sessions only.
fn assert_the_rule_fires_for_ana(store: &Store, now: chrono::DateTime<chrono::Utc>) {
    let engine = Engine {
        rules: default_rules()
            .into_iter()
            .filter(|r| r.name == names::PERMISSION_SKIP)
            .collect(),
        policy: Default::default(),
        targets: Vec::new(),
        tz: chrono_tz::UTC,
    };
    let e = engine
        .evaluate_once(store, now.timestamp_millis(), true)
        .unwrap();
    assert_eq!(
        e.fired,
        vec![(
            names::PERMISSION_SKIP.to_string(),
            "developer:ana@x.dev".to_string()
        )],
        "{:?}",
        e.problems
    );
}
