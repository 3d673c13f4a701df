//! The sync client against a real server on loopback: developers push, a manager's store
//! syncs and sees its team's rows only, a member sees only their own, a re-sync adds
//! nothing; a bad token, a dead server, a 429 (Retry-After) or a 5xx is a clear error
//! recorded in source_health; the console's poller picks up new rows within seconds; and
//! `agentdeck sync` (the binary) reads `[server]` and refuses a world-readable token file.

use crate::server_support;

use agentdeck::cli::commands::push::push_once;
use agentdeck::collect::sources::team_server::{SyncError, TeamServer};
use agentdeck::domain::{
    Agent, Cost, EventKind, EventRecord, Money, RequestKey, RequestRecord, SessionRecord,
    TokenUsage,
};
use agentdeck::server::auth::{generate_token, hash_token};
use agentdeck::store::queries::server_db::{NewToken, ServerDb};
use agentdeck::store::queries::usage::{UsageFilter, UsageGroup};
use agentdeck::store::{DeveloperRow, Store, WriteBatch};
use server_support::*;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

fn rows(developer: &str, session: &str, n: usize, first: usize) -> WriteBatch {
    let session = SessionRecord {
        agent: Agent::ClaudeCode,
        session_key: session.into(),
        source: "claude_code_files".into(),
        developer: developer.into(),
        project_id: Some("github.com/acme/api".into()),
        branch: Some("main".into()),
        started_at: 1_767_952_000_000,
        last_activity_at: 1_767_953_000_000,
        title: None,
    };
    let requests = (first..first + n)
        .map(|k| RequestRecord {
            dedupe_key: RequestKey::parse(&format!("cc:msg_{developer}_{k}:req_{developer}_{k}"))
                .unwrap(),
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
            message_id: Some(format!("msg_{developer}_{k}")),
            fast: false,
            ord: k as i64,
        })
        .collect();
    let events = vec![EventRecord {
        dedupe_key: format!("ev-{developer}-{first}"),
        agent: Agent::ClaudeCode,
        session_key: session.session_key.clone(),
        developer: developer.into(),
        ts: 1_767_952_000_000 + first as i64,
        kind: EventKind::ToolUse,
        tool_name: Some("Bash".into()),
        decision: None,
        status_code: None,
        duration_ms: Some(12),
        detail: None,
        ord: first as i64,
    }];
    WriteBatch {
        sessions: vec![session],
        requests,
        events,
        ..WriteBatch::default()
    }
}

fn token(t: &TestServer, role: &'static str, developer: &str, team: &str) -> String {
    let token = generate_token().unwrap();
    ServerDb::open(&t.db)
        .unwrap()
        .create_token(
            &NewToken {
                token_hash: hash_token(&token),
                role,
                developer: developer.to_string(),
                team: Some(team.to_string()),
                collector: false,
            },
            0,
        )
        .unwrap();
    token
}

/// A developer machine: writes `batch` locally and pushes it with `token`.
async fn developer_pushes(dir: &Path, name: &str, batch: WriteBatch, server: &str, token: &str) {
    let path = dir.join(format!("{name}.db"));
    let store = Store::open(&path).unwrap();
    store.writer().apply(batch).await.unwrap();
    let db = ServerDb::open(&path).unwrap();
    let developer = batch_developer(&path);
    push_once(&store, &db, server, Some(token), &developer)
        .await
        .unwrap();
}

/// The developer whose rows a local store holds (one per test machine).
fn batch_developer(path: &Path) -> String {
    rusqlite::Connection::open(path)
        .unwrap()
        .query_row("SELECT developer FROM requests LIMIT 1", [], |r| r.get(0))
        .unwrap()
}

fn local_i64(path: &Path, sql: &str) -> i64 {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.query_row(sql, [], |r| r.get(0)).unwrap()
}

fn local_store(dir: &Path, name: &str) -> (Store, PathBuf) {
    let path = dir.join(format!("{name}.db"));
    (Store::open(&path).unwrap(), path)
}

#[tokio::test]
async fn a_manager_syncs_the_team_a_member_only_themselves_and_resync_adds_nothing() {
    let t = TestServer::start().await;
    let server = format!("http://{}", t.server.addr);
    let ana = token(&t, "member", "ana@x.io", "api");
    let bo = token(&t, "member", "bo@x.io", "web");
    let lead = token(&t, "manager", "lead@x.io", "api");
    let dirs = tempfile::tempdir().unwrap();
    developer_pushes(
        dirs.path(),
        "ana",
        rows("ana@x.io", "s-ana", 3, 0),
        &server,
        &ana,
    )
    .await;
    developer_pushes(
        dirs.path(),
        "bo",
        rows("bo@x.io", "s-bo", 2, 0),
        &server,
        &bo,
    )
    .await;

    // The manager's console store receives the team's rows, nothing of another team.
    let (store, path) = local_store(dirs.path(), "manager");
    let sync = TeamServer::new(&server, Some(lead.clone())).unwrap();
    let got = sync.sync_once(&store).await.unwrap();
    assert_eq!((got.requests, got.events), (3, 1), "{got:?}");
    assert_eq!(got.requests_added, 3);
    assert_eq!(
        local_i64(
            &path,
            "SELECT count(*) FROM requests WHERE developer = 'ana@x.io'"
        ),
        3
    );
    assert_eq!(
        local_i64(
            &path,
            "SELECT count(*) FROM requests WHERE developer <> 'ana@x.io'"
        ),
        0
    );
    assert_eq!(
        local_i64(
            &path,
            "SELECT count(*) FROM sessions WHERE session_key = 's-ana'"
        ),
        1
    );
    assert_eq!(
        local_i64(&path, "SELECT sum(cost_micro_usd) FROM rollups"),
        900
    );
    // Each synced developer comes with the server's team, so Costs and `report team` group
    // by it.
    let teams = store
        .reader()
        .unwrap()
        .usage_by(&UsageFilter::default(), UsageGroup::Team, chrono_tz::UTC)
        .unwrap();
    let teams: Vec<(&str, i64)> = teams.iter().map(|r| (r.key.as_str(), r.requests)).collect();
    assert_eq!(teams, vec![("api", 3)]);
    assert_eq!(
        local_i64(
            &path,
            "SELECT count(*) FROM cursors WHERE source = 'team_server' AND offset > 0"
        ),
        1,
        "the cursor is kept in the local store"
    );

    // A team set locally (config) is kept over the server's, even when the rows come again.
    store
        .writer()
        .apply(WriteBatch {
            developers: vec![DeveloperRow {
                id: "ana@x.io".into(),
                email: None,
                handle: None,
                display_name: None,
                team: "mobile".into(),
                role: None,
                started_on: None,
            }],
            ..WriteBatch::default()
        })
        .await
        .unwrap();

    // Again: nothing new; forgetting the cursor re-reads everything and still counts once.
    let again = sync.sync_once(&store).await.unwrap();
    assert_eq!((again.requests, again.requests_added), (0, 0));
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute("DELETE FROM cursors WHERE source = 'team_server'", [])
        .unwrap();
    let reread = sync.sync_once(&store).await.unwrap();
    assert_eq!((reread.requests, reread.requests_added), (3, 0));
    assert_eq!(local_i64(&path, "SELECT count(*) FROM requests"), 3);
    assert_eq!(local_i64(&path, "SELECT count(*) FROM events"), 1);
    assert_eq!(local_i64(&path, "SELECT sum(requests) FROM rollups"), 3);
    assert_eq!(
        local_i64(
            &path,
            "SELECT count(*) FROM developers WHERE id = 'ana@x.io' AND team = 'mobile'"
        ),
        1
    );

    // A member receives their own rows only.
    let (member_store, member_path) = local_store(dirs.path(), "bo-console");
    let got = TeamServer::new(&server, Some(bo))
        .unwrap()
        .sync_once(&member_store)
        .await
        .unwrap();
    assert_eq!(got.requests, 2);
    assert_eq!(
        local_i64(
            &member_path,
            "SELECT count(*) FROM requests WHERE developer <> 'bo@x.io'"
        ),
        0
    );
    assert_eq!(
        local_i64(
            &member_path,
            "SELECT count(*) FROM source_health WHERE source = 'team_server' AND last_success IS NOT NULL"
        ),
        1
    );
    t.server.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_bad_token_or_a_dead_server_is_a_clear_error_recorded_in_health() {
    let t = TestServer::start().await;
    let server = format!("http://{}", t.server.addr);
    token(&t, "admin", "root@x.io", "ops");
    let dirs = tempfile::tempdir().unwrap();
    let (store, path) = local_store(dirs.path(), "console");

    let err = TeamServer::new(&server, Some("adk_wrong".into()))
        .unwrap()
        .sync_once(&store)
        .await
        .unwrap_err();
    assert!(matches!(err, SyncError::Unauthorized { .. }), "{err:?}");
    let text = err.to_string();
    assert!(text.contains("401") && text.contains("token"), "{text}");
    assert!(
        !text.contains("adk_wrong"),
        "the token is never shown: {text}"
    );
    assert_eq!(
        local_i64(
            &path,
            "SELECT count(*) FROM source_health WHERE source = 'team_server' AND last_error LIKE '%401%'"
        ),
        1
    );

    t.server.shutdown().await.unwrap();
    let err = TeamServer::new(&server, None)
        .unwrap()
        .sync_once(&store)
        .await
        .unwrap_err();
    assert!(matches!(err, SyncError::Unreachable { .. }), "{err:?}");
    assert!(err.to_string().contains("cannot be reached"), "{err}");
}

#[tokio::test]
async fn the_console_poller_shows_another_machines_rows_within_seconds() {
    let t = TestServer::start().await;
    let server = format!("http://{}", t.server.addr);
    let dirs = tempfile::tempdir().unwrap();
    let admin = token(&t, "admin", "root@x.io", "ops");
    let (store, path) = local_store(dirs.path(), "console");
    let poller = tokio::spawn(
        TeamServer::new(&server, Some(admin.clone()))
            .unwrap()
            .poll(store.clone(), Duration::from_millis(200)),
    );
    // The poller has made its first pass when it has recorded its health.
    let start = Instant::now();
    while local_i64(
        &path,
        "SELECT count(*) FROM source_health WHERE last_success IS NOT NULL",
    ) < 1
    {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "the poller never ran"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    developer_pushes(
        dirs.path(),
        "remote",
        rows("cy@x.io", "s-live", 4, 0),
        &server,
        &admin,
    )
    .await;
    let start = Instant::now();
    while local_i64(&path, "SELECT count(*) FROM requests") < 4 {
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "the poller did not bring the rows"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    poller.abort();
    t.server.shutdown().await.unwrap();
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sync_command_reads_server_config_and_refuses_a_world_readable_token_file() {
    use std::os::unix::fs::PermissionsExt;
    let t = TestServer::start().await;
    let server = format!("http://{}", t.server.addr);
    let admin = token(&t, "admin", "root@x.io", "ops");
    let dirs = tempfile::tempdir().unwrap();
    developer_pushes(
        dirs.path(),
        "dev",
        rows("dy@x.io", "s-dy", 2, 0),
        &server,
        &admin,
    )
    .await;
    let home = dirs.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    let token_file = home.join("token");
    std::fs::write(&token_file, format!("{admin}\n")).unwrap();
    std::fs::set_permissions(&token_file, std::fs::Permissions::from_mode(0o644)).unwrap();
    let config = home.join("config.toml");
    std::fs::write(
        &config,
        format!("[server]\nurl = \"{server}\"\ntoken_file = \"token\"\n"),
    )
    .unwrap();
    let run = || {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_agentdeck"));
        cmd.env("HOME", &home)
            .env("XDG_STATE_HOME", home.join("state"))
            .env_remove("AGENTDECK_TOKEN")
            .env_remove("AGENTDECK_SERVER")
            .arg("--db")
            .arg(home.join("local.db"))
            .arg("--config")
            .arg(&config)
            .arg("sync");
        cmd
    };
    let out = run().output().unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("chmod 600"), "{stderr}");

    std::fs::set_permissions(&token_file, std::fs::Permissions::from_mode(0o600)).unwrap();
    let out = run().output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stdout.contains("received 1 sessions, 2 requests"),
        "{stdout}"
    );
    assert!(!stdout.contains(&admin) && !stderr.contains(&admin));
    t.server.shutdown().await.unwrap();
}

/// A stand-in server answering every request with `status` (and a Retry-After).
async fn answering(status: u16) -> String {
    use axum::http::{HeaderValue, StatusCode, header};
    use axum::response::IntoResponse;
    let app = axum::Router::new().fallback(move || async move {
        let mut r = (
            StatusCode::from_u16(status).unwrap(),
            axum::Json(serde_json::json!({ "error": "the store is unavailable" })),
        )
            .into_response();
        r.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("7"));
        r
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}")
}

#[tokio::test]
async fn throttling_and_server_errors_are_told_apart() {
    let dirs = tempfile::tempdir().unwrap();
    let (store, path) = local_store(dirs.path(), "console");
    let err = TeamServer::new(&answering(429).await, None)
        .unwrap()
        .sync_once(&store)
        .await
        .unwrap_err();
    assert_eq!(err.retry_after(), Some(Duration::from_secs(7)), "{err:?}");
    let err = TeamServer::new(&answering(503).await, None)
        .unwrap()
        .sync_once(&store)
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(
        matches!(err, SyncError::Server { .. })
            && text.contains("503")
            && text.contains("the store is unavailable"),
        "{text}"
    );
    assert_eq!(
        local_i64(&path, "SELECT count(*) FROM requests"),
        0,
        "nothing is written from an error"
    );
}
