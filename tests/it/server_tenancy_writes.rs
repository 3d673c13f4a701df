//! Hostile members, managers and collectors against a real server on both backends (SQLite,
//! and PostgreSQL when AGENTDECK_TEST_POSTGRES_URL is set): no write can claim, attach to,
//! replace, delete or reveal another developer's rows, and no record's attributes move a
//! developer into a team. Each test is an attack that worked before the server decided
//! ownership itself.

use crate::server_support;

use agentdeck::server::state::Limits;
use serde_json::{Value, json};
use server_support::team::*;
use server_support::*;

/// 2026-01-09, inside the accepted time window.
pub const T0_MS: i64 = 1_767_952_803_120;

pub fn pushed_session(developer: &str, key: &str, project: &str, branch: &str) -> Value {
    json!({
        "agent": "claude_code", "session_key": key, "source": "claude_code_files",
        "developer": developer, "project_id": project, "branch": branch,
        "started_at": T0_MS, "last_activity_at": T0_MS, "title": null
    })
}

pub fn pushed_request(
    developer: &str,
    key: &str,
    agent: &str,
    session: &str,
    output: i64,
) -> Value {
    json!({
        "dedupe_key": key, "agent": agent, "session_key": session, "ts": T0_MS,
        "model": "claude-sonnet-4-5-20250929",
        "usage": {"input": 1, "output": output, "cache_write_5m": 0, "cache_write_1h": 0,
                  "cache_read": 0, "reasoning": 0},
        "cost": {"amount": output, "source": "computed"},
        "developer": developer, "project_id": null, "sidechain": false, "message_id": null,
        "fast": false, "ord": 0
    })
}

fn prompt_event(session: &str, email: &str) -> opentelemetry_proto::tonic::logs::v1::LogRecord {
    record(
        "claude_code.user_prompt",
        T0_NANOS + 5_000_000,
        vec![
            s("session.id", session),
            s("user.email", email),
            i("prompt_length", 7),
        ],
    )
}

async fn team() -> Vec<Team> {
    let mut out = Vec::new();
    for b in each_backend().await {
        out.push(Team::start(b, Limits::default(), Default::default()).await);
    }
    out
}

#[tokio::test]
async fn a_claimed_session_id_reveals_and_attaches_nothing() {
    for t in team().await {
        let secret = "github.com/acme/secret";
        let push = json!({
            "sessions": [pushed_session(ANA, "S-ana", secret, "feat/secret")],
            "requests": [pushed_request(ANA, "cc:msg_a:req_a", "claude_code", "S-ana", 10)]
        });
        assert_eq!(t.push("ana", &push).await.0, 200, "{}", t.label());
        // Bob's agent names ana's session id, and claims to be ana.
        let attack = logs(
            claude_resource(),
            vec![
                claude_api_request("S-ana", "req_b", 1, ANA),
                prompt_event("S-ana", ANA),
            ],
        );
        assert_eq!(t.logs("bob", &attack).await.0, 200);

        let bobs = t.sync("bob").await;
        assert_eq!(owners_in(&bobs), vec![BOB], "{}", t.label());
        let shown = serde_json::to_string(&bobs).unwrap();
        assert!(!shown.contains("secret"), "{}: {shown}", t.label());
        let anas = t.sync("ana").await;
        assert_eq!(owners_in(&anas), vec![ANA], "{}", t.label());
        assert_eq!(anas.requests.len(), 1);
        assert!(
            anas.events.is_empty(),
            "bob's event is not on ana's timeline"
        );
        assert_eq!(
            t.scalar(
                "SELECT count(*) FROM sessions WHERE session_key = 'S-ana' AND developer = 'ana@x.io'
                 AND project_id = 'github.com/acme/secret' AND branch = 'feat/secret'"
            )
            .await,
            1,
            "{}: ana's session row is unchanged",
            t.label()
        );
        assert_eq!(
            t.scalar(
                "SELECT count(*) FROM requests q JOIN sessions s ON s.id = q.session_id
                 WHERE s.developer = 'ana@x.io'"
            )
            .await,
            1,
            "nothing was attached to ana's session"
        );
        t.stop().await;
    }
}

#[tokio::test]
async fn a_predicted_metric_session_key_reaches_nothing() {
    for t in team().await {
        let commit = |session: Option<&str>, email: &str, value: i64| {
            let mut attrs = vec![s("user.email", email)];
            if let Some(id) = session {
                attrs.push(s("session.id", id));
            }
            metrics(
                claude_resource(),
                vec![sum_metric(
                    "claude_code.commit.count",
                    1,
                    vec![(T0_NANOS - 60, T0_NANOS + value as u64, value, attrs)],
                )],
            )
        };
        assert_eq!(t.metrics("ana", &commit(None, ANA, 2)).await.0, 200);
        for key in ["otel-metrics", "otel-metrics:ana@x.io"] {
            assert_eq!(t.metrics("bob", &commit(Some(key), ANA, 5)).await.0, 200);
        }
        let anas = t.sync("ana").await;
        assert_eq!(owners_in(&anas), vec![ANA], "{}", t.label());
        assert_eq!(anas.counters.iter().map(|c| c.value).sum::<i64>(), 2);
        assert_eq!(anas.events.len(), 1, "one commit mark, ana's");
        let bobs = t.sync("bob").await;
        assert_eq!(owners_in(&bobs), vec![BOB]);
        assert_eq!(bobs.counters.iter().map(|c| c.value).sum::<i64>(), 10);
        t.stop().await;
    }
}

#[tokio::test]
async fn pre_claiming_a_session_id_steals_no_future_rows() {
    for t in team().await {
        let first = logs(claude_resource(), vec![prompt_event("S-next", BOB)]);
        assert_eq!(t.logs("bob", &first).await.0, 200);
        let later = logs(
            claude_resource(),
            vec![
                claude_api_request("S-next", "req_next", 2, ANA),
                prompt_event("S-next", ANA),
            ],
        );
        assert_eq!(t.logs("ana", &later).await.0, 200);
        let anas = t.sync("ana").await;
        assert_eq!(owners_in(&anas), vec![ANA], "{}", t.label());
        assert_eq!((anas.requests.len(), anas.events.len()), (1, 1));
        let bobs = t.sync("bob").await;
        assert_eq!(owners_in(&bobs), vec![BOB]);
        assert_eq!((bobs.requests.len(), bobs.events.len()), (0, 1));
        t.stop().await;
    }
}

#[tokio::test]
async fn foreign_keys_and_client_policies_replace_nothing() {
    for t in team().await {
        let mine = json!({"requests": [pushed_request(ANA, "gm:S-g:m1", "gemini", "S-g", 100)]});
        assert_eq!(t.push("ana", &mine).await.0, 200);
        // Naming ana as the owner is refused outright, naming the key.
        let as_ana = json!({"requests": [pushed_request(ANA, "gm:S-g:m1", "gemini", "S-g", 5)]});
        let (status, body) = t.push("bob", &as_ana).await;
        assert_eq!(status, 403, "{}", t.label());
        assert!(
            body["error"].as_str().unwrap().contains("gm:S-g:m1"),
            "{body}"
        );
        // Under his own name, with the most aggressive policy a client could ask for.
        let mut own = pushed_request(BOB, "gm:S-g:m1", "gemini", "S-g", 5);
        own["policy"] = json!("LastWins");
        assert_eq!(t.push("bob", &json!({ "requests": [own] })).await.0, 200);
        assert_eq!(
            t.scalar("SELECT output_tokens FROM requests WHERE developer = 'ana@x.io' AND dedupe_key = 'gm:S-g:m1'")
                .await,
            100,
            "{}: ana's row is unchanged",
            t.label()
        );
        // A client policy cannot override the key's kind either (Claude keeps the largest).
        let big = pushed_request(ANA, "cc:msg_p:req_p", "claude_code", "S-p", 100);
        let mut small = pushed_request(ANA, "cc:msg_p:req_p", "claude_code", "S-p", 1);
        small["policy"] = json!("LastWins");
        assert_eq!(t.push("ana", &json!({ "requests": [big] })).await.0, 200);
        assert_eq!(t.push("ana", &json!({ "requests": [small] })).await.0, 200);
        assert_eq!(
            t.scalar("SELECT output_tokens FROM requests WHERE dedupe_key = 'cc:msg_p:req_p'")
                .await,
            100
        );
        t.stop().await;
    }
}

#[tokio::test]
async fn a_transcript_shaped_key_deletes_no_foreign_telemetry() {
    for t in team().await {
        let telemetry = logs(
            claude_resource(),
            vec![claude_api_request("S-t", "req_T", 1, ANA)],
        );
        assert_eq!(t.logs("ana", &telemetry).await.0, 200);
        let crafted =
            json!({"requests": [pushed_request(BOB, "cc:msg_x:req_T", "claude_code", "S-t", 1)]});
        assert_eq!(t.push("bob", &crafted).await.0, 200);
        assert_eq!(
            t.scalar("SELECT count(*) FROM requests WHERE developer = 'ana@x.io' AND dedupe_key = 'ccreq:req_T'")
                .await,
            1,
            "{}: ana's telemetry row survives",
            t.label()
        );
        assert_eq!(t.sync("ana").await.requests.len(), 1);
        t.stop().await;
    }
}

#[tokio::test]
async fn no_record_moves_a_developer_into_a_team() {
    for t in team().await {
        let mut resource = claude_resource();
        resource.push(s("team", "a"));
        resource.push(s("department", "a"));
        let newbie = |session: &str, id: &str| {
            logs(
                resource.clone(),
                vec![claude_api_request(session, id, 1, "newbie@x.io")],
            )
        };
        // A manager's own telemetry is the manager's, whatever it names.
        assert_eq!(t.logs("lead", &newbie("S-1", "req_n1")).await.0, 200);
        assert_eq!(
            t.scalar("SELECT count(*) FROM requests WHERE developer = 'newbie@x.io'")
                .await,
            0,
            "{}",
            t.label()
        );
        assert_eq!(
            t.scalar("SELECT count(*) FROM requests WHERE developer = 'lead@x.io'")
                .await,
            1
        );
        // A manager pushing a team member's rows is refused: only collectors forward.
        let rows =
            json!({"requests": [pushed_request(ANA, "ccreq:req_l", "claude_code", "S-l", 1)]});
        assert_eq!(t.push("lead", &rows).await.0, 403);
        // A collector manager forwards its team (per the directory) and no one else.
        let (status, answer) = t.logs("collector", &newbie("S-2", "req_n2")).await;
        assert_eq!(status, 200);
        let partial = answer.partial_success.expect("the record is refused");
        assert_eq!(partial.rejected_log_records, 1);
        assert!(
            partial.error_message.contains("newbie@x.io"),
            "{}",
            partial.error_message
        );
        let ana = logs(
            claude_resource(),
            vec![claude_api_request("S-3", "req_c", 1, ANA)],
        );
        let (status, answer) = t.logs("collector", &ana).await;
        assert_eq!((status, answer.partial_success), (200, None));
        // An admin forwards anyone; the attributes still set no team.
        assert_eq!(t.logs("admin", &newbie("S-4", "req_n4")).await.0, 200);
        assert_eq!(
            t.scalar(
                "SELECT count(*) FROM developers WHERE id = 'newbie@x.io' AND team = 'unassigned'"
            )
            .await,
            1,
            "{}",
            t.label()
        );
        let leads = t.sync("lead").await;
        assert!(!owners_in(&leads).contains(&"newbie@x.io".to_string()));
        assert!(owners_in(&leads).contains(&ANA.to_string()));
        t.stop().await;
    }
}
