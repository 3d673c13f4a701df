//! `agentdeck push` against a real server: local rows arrive once, a second push sends
//! nothing new, a re-sent batch counts once, and a member cannot push someone else's rows.

use crate::server_support;

use agentdeck::cli::commands::push::push_once;
use agentdeck::domain::{
    Agent, Cost, EventKind, EventRecord, Money, RequestKey, RequestRecord, SessionRecord,
    TokenUsage,
};
use agentdeck::server::auth::{generate_token, hash_token};
use agentdeck::store::queries::server_db::{NewToken, ServerDb};
use agentdeck::store::{Store, WriteBatch};
use server_support::*;

fn local_rows(developer: &str, n: usize) -> WriteBatch {
    let session = SessionRecord {
        agent: Agent::ClaudeCode,
        session_key: format!("local-{developer}"),
        source: "claude_code_files".into(),
        developer: developer.into(),
        project_id: Some("github.com/acme/api".into()),
        branch: Some("main".into()),
        started_at: 1_767_952_000_000,
        last_activity_at: 1_767_953_000_000,
        title: Some("SECRET summary of the conversation".into()),
    };
    let requests = (0..n)
        .map(|k| RequestRecord {
            dedupe_key: RequestKey::parse(&format!("cc:msg_{k}:req_{developer}_{k}")).unwrap(),
            agent: Agent::ClaudeCode,
            session_key: session.session_key.clone(),
            ts: 1_767_952_000_000 + k as i64 * 1000,
            model: Some("claude-sonnet-4-5-20250929".into()),
            usage: TokenUsage {
                input: 10,
                output: 20,
                ..TokenUsage::default()
            },
            cost: Cost::computed(Money::from_micro_usd(300)),
            developer: developer.into(),
            project_id: session.project_id.clone(),
            sidechain: false,
            message_id: Some(format!("msg_{k}")),
            fast: false,
            ord: k as i64,
        })
        .collect();
    let events = vec![EventRecord {
        dedupe_key: format!("ev-{developer}"),
        agent: Agent::ClaudeCode,
        session_key: session.session_key.clone(),
        developer: developer.into(),
        ts: 1_767_952_000_000,
        kind: EventKind::ToolUse,
        tool_name: Some("Bash".into()),
        decision: None,
        status_code: None,
        duration_ms: Some(12),
        detail: None,
        ord: 0,
    }];
    WriteBatch {
        sessions: vec![session],
        requests,
        events,
        ..WriteBatch::default()
    }
}

#[tokio::test]
async fn push_sends_local_rows_once_and_member_tokens_are_confined() {
    let t = TestServer::start().await;
    let member = generate_token().unwrap();
    ServerDb::open(&t.db)
        .unwrap()
        .create_token(
            &NewToken {
                token_hash: hash_token(&member),
                role: "member",
                developer: "me@x.io".to_string(),
                team: Some("api".to_string()),
                collector: false,
            },
            0,
        )
        .unwrap();

    let local_dir = tempfile::tempdir().unwrap();
    let local_db = local_dir.path().join("local.db");
    let store = Store::open(&local_db).unwrap();
    store
        .writer()
        .apply(local_rows("me@x.io", 2_500))
        .await
        .unwrap();
    let db = ServerDb::open(&local_db).unwrap();
    let server = format!("http://{}", t.server.addr);

    assert!(
        push_once(&store, &db, &server, None, "me@x.io")
            .await
            .is_err(),
        "tokens exist: anonymous push is refused"
    );
    let sent = push_once(&store, &db, &server, Some(&member), "me@x.io")
        .await
        .unwrap();
    assert_eq!((sent.requests, sent.events), (2_500, 1));
    assert_eq!(t.sql_i64("SELECT count(*) FROM requests"), 2_500);
    assert_eq!(
        t.sql_i64("SELECT sum(cost_micro_usd) FROM rollups"),
        2_500 * 300
    );
    assert_eq!(
        t.sql_i64("SELECT count(*) FROM events WHERE tool_name = 'Bash'"),
        1
    );
    assert_eq!(
        t.sql_str("SELECT team FROM developers WHERE id = 'me@x.io'"),
        "api"
    );
    assert_eq!(
        t.sql_i64("SELECT count(*) FROM sessions WHERE title IS NOT NULL"),
        0,
        "session titles are not taken from pushes"
    );

    let again = push_once(&store, &db, &server, Some(&member), "me@x.io")
        .await
        .unwrap();
    assert_eq!(again.requests, 0, "the cursor remembers what was sent");

    // Forget the cursor: everything is re-sent and still counted once.
    let fresh_dir = tempfile::tempdir().unwrap();
    let fresh = Store::open(&fresh_dir.path().join("l.db")).unwrap();
    fresh
        .writer()
        .apply(local_rows("me@x.io", 2_500))
        .await
        .unwrap();
    let fresh_db = ServerDb::open(&fresh_dir.path().join("l.db")).unwrap();
    push_once(&fresh, &fresh_db, &server, Some(&member), "me@x.io")
        .await
        .unwrap();
    assert_eq!(t.sql_i64("SELECT count(*) FROM requests"), 2_500);
    assert_eq!(t.sql_i64("SELECT sum(requests) FROM rollups"), 2_500);

    // Someone else's rows with a member token: 403, nothing stored.
    let other_dir = tempfile::tempdir().unwrap();
    let other = Store::open(&other_dir.path().join("o.db")).unwrap();
    other
        .writer()
        .apply(local_rows("them@x.io", 3))
        .await
        .unwrap();
    let other_db = ServerDb::open(&other_dir.path().join("o.db")).unwrap();
    let err = push_once(&other, &other_db, &server, Some(&member), "them@x.io")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("403"), "{err}");
    assert_eq!(
        t.sql_i64("SELECT count(*) FROM requests WHERE developer = 'them@x.io'"),
        0
    );
    t.server.shutdown().await.unwrap();
}
