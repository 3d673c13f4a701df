//! Deploys and incidents from CI/CD and paging tools: `agentdeck event …` into the local
//! store and through `POST /api/v1/events` on a real server (admin only, bad events refused
//! with the field named), incidents linked to the AI-attributed commit that caused them.

use crate::server_support::TestServer;
use agentdeck::server::auth::{generate_token, hash_token};
use agentdeck::store::ops::{CommitRow, Op};
use agentdeck::store::queries::server_db::{NewToken, ServerDb};
use agentdeck::store::{Store, WriteBatch};

const AI_SHA: &str = "1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d";

fn ai_commit() -> Op {
    Op::UpsertCommit(CommitRow {
        repo: "github.com/acme/api".into(),
        sha: AI_SHA.into(),
        author: "ana@x.dev".into(),
        ts: chrono::Utc::now().timestamp_millis() - 86_400_000,
        ai_agent: Some("claude_code".into()),
        ai_detected_by: Some("trailer".into()),
        ..CommitRow::default()
    })
}

#[test]
fn the_event_command_records_deploys_and_links_incidents_to_ai_commits() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    Store::open(&db)
        .unwrap()
        .writer()
        .apply_blocking(WriteBatch {
            ops: vec![ai_commit()],
            ..WriteBatch::default()
        })
        .unwrap();
    let db_arg = db.to_str().unwrap();
    crate::common::run_ok(&[
        "--db",
        db_arg,
        "event",
        "deploy",
        "--id",
        "d-1",
        "--repo",
        "github.com/acme/api",
        "--sha",
        &AI_SHA[..10],
        "--environment",
        "prod",
    ]);
    crate::common::run_ok(&[
        "--db",
        db_arg,
        "event",
        "incident",
        "--id",
        "INC-7",
        "--severity",
        "sev2",
        "--caused-by",
        &AI_SHA[..8],
        "--title",
        "checkout 5xx",
    ]);
    crate::common::run_ok(&["--db", db_arg, "event", "incident", "--id", "INC-8"]);
    let bad = crate::common::bin()
        .args([
            "--db",
            db_arg,
            "event",
            "incident",
            "--id",
            "INC-9",
            "--severity",
            "p1",
        ])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("severity `p1`"));
    let conn = rusqlite::Connection::open(&db).unwrap();
    let linked: Vec<(String, bool)> = conn
        .prepare("SELECT id, ai_linked FROM incidents ORDER BY id")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(
        linked,
        vec![("INC-7".to_string(), true), ("INC-8".to_string(), false)]
    );
    let (env, source): (String, String) = conn
        .query_row(
            "SELECT environment, source FROM deploys WHERE id = 'd-1'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((env.as_str(), source.as_str()), ("prod", "cli"));
    let quality = crate::common::json_of(&crate::common::run_ok(&[
        "--db",
        db_arg,
        "report",
        "quality",
        "--json",
        "--no-refresh",
    ]));
    let incidents = quality["quality"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["metric"] == "incidents_ai_linked")
        .unwrap()
        .clone();
    assert_eq!(
        (
            incidents["ai_assisted"]["numerator"].as_i64(),
            incidents["ai_assisted"]["denominator"].as_i64()
        ),
        (Some(1), Some(2))
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_events_endpoint_takes_admin_and_collector_tokens_and_checks_every_event() {
    let t = TestServer::start().await;
    let token = |role: &'static str, who: &str, team: Option<&str>, collector: bool| {
        let db = ServerDb::open(&t.db).unwrap();
        let token = generate_token().unwrap();
        db.create_token(
            &NewToken {
                token_hash: hash_token(&token),
                role,
                developer: who.into(),
                team: team.map(str::to_string),
                collector,
            },
            0,
        )
        .unwrap();
        token
    };
    let admin = token("admin", "ci@x.dev", None, false);
    let member = token("member", "ana@x.dev", Some("platform"), false);
    let manager = token("manager", "lead@x.dev", Some("platform"), false);
    let collector = token("manager", "otel@x.dev", Some("platform"), true);
    let client = reqwest::Client::new();
    let post = |bearer: Option<String>, body: serde_json::Value| {
        let mut r = client.post(t.url("/api/v1/events")).json(&body);
        if let Some(b) = bearer {
            r = r.bearer_auth(b);
        }
        r.send()
    };
    let deploy = serde_json::json!({"kind": "deploy", "id": "d-9", "repo": "github.com/acme/api", "sha": "abcdef12", "status": "rolled_back"});
    assert_eq!(post(None, deploy.clone()).await.unwrap().status(), 401);
    assert_eq!(
        post(Some(member), deploy.clone()).await.unwrap().status(),
        403
    );
    assert_eq!(
        post(Some(manager), deploy.clone()).await.unwrap().status(),
        403,
        "a manager token without the collector capability records no org-wide events"
    );
    let bad = post(
        Some(admin.clone()),
        serde_json::json!({"events": [deploy.clone(), {"kind": "incident", "id": "INC-1", "sha": "nothex!"}]}),
    )
    .await
    .unwrap();
    assert_eq!(bad.status(), 400);
    assert!(bad.text().await.unwrap().contains("event 1: sha"));
    assert_eq!(
        t.sql_i64("SELECT count(*) FROM deploys"),
        0,
        "nothing of a refused request is kept"
    );
    let ok = post(
        Some(admin),
        serde_json::json!({"events": [deploy, {"kind": "incident", "id": "INC-1", "severity": "sev1"}]}),
    )
    .await
    .unwrap();
    assert_eq!(ok.status(), 200);
    assert_eq!(ok.json::<serde_json::Value>().await.unwrap()["accepted"], 2);
    assert_eq!(
        t.sql_str("SELECT status || ' ' || source FROM deploys WHERE id = 'd-9'"),
        "rolled_back api:ci@x.dev"
    );
    assert_eq!(
        t.sql_str("SELECT severity FROM incidents WHERE id = 'INC-1'"),
        "sev1"
    );
    // A collector token (what a CI/CD or paging integration is given) records them too.
    let by_collector = post(
        Some(collector),
        serde_json::json!({"kind": "deploy", "id": "d-10", "repo": "github.com/acme/api", "sha": "abcdef13", "status": "success"}),
    )
    .await
    .unwrap();
    assert_eq!(by_collector.status(), 200);
    assert_eq!(
        t.sql_str("SELECT source FROM deploys WHERE id = 'd-10'"),
        "api:otel@x.dev"
    );
}

#[test]
fn a_repeat_that_resolves_an_incident_keeps_when_it_opened_and_its_severity() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    let db_arg = db.to_str().unwrap();
    let opened = chrono::Utc::now() - chrono::Duration::days(2);
    let resolved = opened + chrono::Duration::hours(3);
    crate::common::run_ok(&[
        "--db",
        db_arg,
        "event",
        "incident",
        "--id",
        "INC-1",
        "--severity",
        "sev1",
        "--at",
        &opened.to_rfc3339(),
    ]);
    // The paging tool reports the resolution: the id and when, nothing else.
    crate::common::run_ok(&[
        "--db",
        db_arg,
        "event",
        "incident",
        "--id",
        "INC-1",
        "--resolved-at",
        &resolved.to_rfc3339(),
    ]);
    let conn = rusqlite::Connection::open(&db).unwrap();
    let row: (i64, Option<i64>, String) = conn
        .query_row(
            "SELECT opened_at, resolved_at, severity FROM incidents WHERE id = 'INC-1'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!(
        row,
        (
            opened.timestamp_millis(),
            Some(resolved.timestamp_millis()),
            "sev1".to_string()
        )
    );
    // A repeat that says when it opened and how bad it was does update them.
    crate::common::run_ok(&[
        "--db",
        db_arg,
        "event",
        "incident",
        "--id",
        "INC-1",
        "--severity",
        "sev2",
        "--at",
        &resolved.to_rfc3339(),
    ]);
    let row: (i64, String) = conn
        .query_row(
            "SELECT opened_at, severity FROM incidents WHERE id = 'INC-1'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(row, (resolved.timestamp_millis(), "sev2".to_string()));
}

#[test]
fn an_incident_reported_before_its_commit_was_read_is_ai_linked_once_it_is() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    let db_arg = db.to_str().unwrap();
    crate::common::run_ok(&[
        "--db",
        db_arg,
        "event",
        "incident",
        "--id",
        "INC-3",
        "--caused-by",
        &AI_SHA[..8],
    ]);
    // The next git pass reads the AI-attributed commit the incident names.
    Store::open(&db)
        .unwrap()
        .writer()
        .apply_blocking(WriteBatch {
            ops: vec![ai_commit()],
            ..WriteBatch::default()
        })
        .unwrap();
    let conn = rusqlite::Connection::open(&db).unwrap();
    let linked: bool = conn
        .query_row(
            "SELECT ai_linked FROM incidents WHERE id = 'INC-3'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(linked, "the incident names an AI-attributed commit");
}

/// An incident that names its repository (`--repo`) is linked only by an AI-attributed
/// commit of that repository, whether the commit was read before or after it; one without
/// `--repo` by such a commit in any repository.
#[test]
fn an_incident_is_linked_only_by_a_commit_of_the_repository_it_names() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    let db_arg = db.to_str().unwrap();
    let incident = |id: &str, repo: Option<&str>| {
        let mut args = vec!["--db", db_arg, "event", "incident", "--id", id];
        args.extend(["--caused-by", &AI_SHA[..8]]);
        if let Some(r) = repo {
            args.extend(["--repo", r]);
        }
        crate::common::run_ok(&args);
    };
    // Reported before the git pass reads the commit…
    incident("INC-WEB-EARLY", Some("github.com/acme/web"));
    incident("INC-API-EARLY", Some("github.com/acme/api"));
    Store::open(&db)
        .unwrap()
        .writer()
        .apply_blocking(WriteBatch {
            ops: vec![ai_commit()],
            ..WriteBatch::default()
        })
        .unwrap();
    // …and after.
    incident("INC-WEB", Some("github.com/acme/web"));
    incident("INC-API", Some("github.com/acme/api"));
    incident("INC-ANY", None);
    let conn = rusqlite::Connection::open(&db).unwrap();
    let linked: Vec<(String, bool)> = conn
        .prepare("SELECT id, ai_linked FROM incidents ORDER BY id")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let expected = [
        ("INC-ANY", true),
        ("INC-API", true),
        ("INC-API-EARLY", true),
        ("INC-WEB", false),
        ("INC-WEB-EARLY", false),
    ];
    assert_eq!(
        linked,
        expected.map(|(id, l)| (id.to_string(), l)).to_vec(),
        "the AI commit is in github.com/acme/api"
    );
}
