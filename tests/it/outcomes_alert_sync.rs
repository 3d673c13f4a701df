//! Server-owned alert state with two consoles' stores syncing one real server: an
//! acknowledgement made in one shows in the other, attributed to the token's identity;
//! roles limit who sees and changes which alert; state survives a server restart.

use crate::server_support::TestServer;
use agentdeck::alerting::sync::sync_once;
use agentdeck::collect::sources::team_server::TeamServer;
use agentdeck::domain::alerts::{AlertState, Severity};
use agentdeck::server::auth::{generate_token, hash_token};
use agentdeck::store::ops::{AlertRow, Op};
use agentdeck::store::queries::server_db::{NewToken, ServerDb};
use agentdeck::store::{DeveloperRow, Store, WriteBatch};

fn dev(id: &str) -> DeveloperRow {
    DeveloperRow {
        id: id.into(),
        email: Some(id.into()),
        handle: None,
        display_name: None,
        team: "platform".into(),
        role: None,
        started_on: None,
    }
}

fn alert(rule: &str, subject: &str, fired_at: i64) -> Op {
    Op::FireAlert(AlertRow {
        rule: rule.into(),
        subject: subject.into(),
        severity: Severity::Warning,
        message: format!("{rule} on {subject}"),
        fired_at,
        value: Some(60.0),
        threshold: Some(20.0),
        unit: Some(agentdeck::domain::alert_rules::Unit::Usd),
        ..AlertRow::default()
    })
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::task::spawn_blocking(f).await.unwrap()
}

fn local_alert(
    store: &Store,
    subject: &str,
) -> Option<agentdeck::store::queries::alerts_admin::StoredAlert> {
    store
        .reader()
        .unwrap()
        .alerts(&[])
        .unwrap()
        .into_iter()
        .find(|a| a.row.subject == subject)
}

#[tokio::test(flavor = "multi_thread")]
async fn acks_made_in_one_console_show_in_the_other_with_the_tokens_identity() {
    let t = TestServer::start().await;
    let now = chrono::Utc::now().timestamp_millis();
    let token = |role: &'static str, who: &str, team: Option<&str>| {
        let db = ServerDb::open(&t.db).unwrap();
        let token = generate_token().unwrap();
        db.create_token(
            &NewToken {
                token_hash: hash_token(&token),
                role,
                developer: who.into(),
                team: team.map(str::to_string),
                collector: false,
            },
            0,
        )
        .unwrap();
        token
    };
    let ana = token("member", "ana@x.dev", Some("platform"));
    let lead = token("manager", "lead@x.dev", Some("platform"));
    let db = t.db.clone();
    blocking(move || {
        let server_store = Store::open(&db).unwrap();
        server_store
            .writer()
            .apply_blocking(WriteBatch {
                developers: vec![dev("ana@x.dev"), dev("lead@x.dev")],
                ops: vec![
                    alert("spend_spike_developer", "developer:ana@x.dev", now - 60_000),
                    alert("budget_forecast", "team:platform", now - 50_000),
                    alert(
                        "spend_spike_developer",
                        "developer:zed@elsewhere.dev",
                        now - 40_000,
                    ),
                ],
                ..WriteBatch::default()
            })
            .unwrap();
    })
    .await;
    let base = t.url("");
    let dir = tempfile::tempdir().unwrap();
    let (pa, pb) = (dir.path().join("a.db"), dir.path().join("b.db"));
    let (a, b) = blocking(move || (Store::open(&pa).unwrap(), Store::open(&pb).unwrap())).await;
    let console_a = TeamServer::new(&base, Some(ana.clone())).unwrap();
    let console_b = TeamServer::new(&base, Some(lead.clone())).unwrap();

    // Each sees what its role allows.
    assert_eq!(sync_once(&console_a, &a).await.unwrap().received, 1);
    assert_eq!(sync_once(&console_b, &b).await.unwrap().received, 2);
    let (a2, b2) = (a.clone(), b.clone());
    let mine = blocking(move || local_alert(&a2, "developer:ana@x.dev").unwrap()).await;
    assert!(
        blocking(move || local_alert(&b2, "developer:zed@elsewhere.dev"))
            .await
            .is_none()
    );

    // Console A acknowledges (as whatever its config says); the server records the token.
    let a2 = a.clone();
    blocking(move || {
        a2.writer()
            .apply_blocking(WriteBatch {
                ops: vec![Op::AckAlert {
                    id: mine.id,
                    by: "typed-in-console-a".into(),
                    note: "on it".into(),
                    at: now,
                }],
                ..WriteBatch::default()
            })
            .unwrap()
    })
    .await;
    let sent = sync_once(&console_a, &a).await.unwrap();
    assert_eq!((sent.sent, sent.refused.len()), (1, 0));
    sync_once(&console_b, &b).await.unwrap();
    let b2 = b.clone();
    let seen = blocking(move || local_alert(&b2, "developer:ana@x.dev").unwrap()).await;
    assert_eq!(seen.row.state, AlertState::Acked);
    assert_eq!(
        seen.row.acked_by.as_deref(),
        Some("ana@x.dev"),
        "the token's identity, not the console's"
    );
    assert_eq!(seen.row.note.as_deref(), Some("on it"));
    let a2 = a.clone();
    let own = blocking(move || local_alert(&a2, "developer:ana@x.dev").unwrap()).await;
    assert_eq!(
        own.row.acked_by.as_deref(),
        Some("ana@x.dev"),
        "the server's record replaces the local one"
    );

    // The manager snoozes the team's alert; a member may not touch it.
    let client = reqwest::Client::new();
    let team_alert_id = t.sql_i64("SELECT id FROM alerts WHERE subject = 'team:platform'");
    let refused = client
        .post(t.url(&format!("/api/v1/alerts/{team_alert_id}/resolve")))
        .bearer_auth(&ana)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);
    let b2 = b.clone();
    blocking(move || {
        let local = local_alert(&b2, "team:platform").unwrap();
        b2.writer()
            .apply_blocking(WriteBatch {
                ops: vec![Op::SnoozeAlert {
                    id: local.id,
                    until: now + 3_600_000,
                    by: "x".into(),
                }],
                ..WriteBatch::default()
            })
            .unwrap()
    })
    .await;
    assert_eq!(sync_once(&console_b, &b).await.unwrap().sent, 1);
    assert_eq!(
        t.sql_str("SELECT state || ' ' || acked_by FROM alerts WHERE subject = 'team:platform'"),
        "snoozed lead@x.dev"
    );

    // A restarted server keeps it all; a fresh console sees the acknowledgement.
    let TestServer {
        server,
        dir: server_dir,
        db,
    } = t;
    server.shutdown().await.unwrap();
    let t2 = TestServer::on(server_dir, db, Default::default()).await;
    let pc = dir.path().join("c.db");
    let c = blocking(move || Store::open(&pc).unwrap()).await;
    let console_c = TeamServer::new(&t2.url(""), Some(lead)).unwrap();
    sync_once(&console_c, &c).await.unwrap();
    let seen = blocking(move || local_alert(&c, "developer:ana@x.dev").unwrap()).await;
    assert_eq!(
        (seen.row.state, seen.row.acked_by.as_deref()),
        (AlertState::Acked, Some("ana@x.dev"))
    );
}
