//! Permission-skipping sessions seen through telemetry: Claude Code's
//! `permission_mode_changed` to `bypassPermissions` and Codex's `conversation_starts` with
//! `approval_policy` never and a `danger-full-access` sandbox each become the session's one
//! `permission_skip` event, keyed as the transcript parsers key it; other modes do not.

use crate::server_support::*;
use opentelemetry_proto::tonic::logs::v1::LogRecord;
use prost::Message;

fn codex_start(conversation: &str, seq: u64, approval: &str, sandbox: &str) -> LogRecord {
    record(
        "codex.conversation_starts",
        T0_NANOS + seq * 1_000_000,
        vec![
            s("event.name", "codex.conversation_starts"),
            s("conversation.id", conversation),
            s("user.email", "ana@x.dev"),
            s("model", "gpt-5.2-codex"),
            s("approval_policy", approval),
            s("sandbox_policy", sandbox),
        ],
    )
}

fn claude_mode(session: &str, seq: u64, to_mode: &str) -> LogRecord {
    record(
        "claude_code.permission_mode_changed",
        T0_NANOS + seq * 1_000_000,
        vec![
            s("event.name", "permission_mode_changed"),
            i("event.sequence", seq as i64),
            s("session.id", session),
            s("user.email", "ana@x.dev"),
            s("from_mode", "default"),
            s("to_mode", to_mode),
            s("trigger", "shift_tab"),
        ],
    )
}

#[tokio::test]
async fn telemetry_of_a_permission_skipping_session_becomes_one_event() {
    let t = TestServer::start().await;
    let export = logs(
        claude_resource(),
        vec![
            claude_mode("cc-yolo", 1, "bypassPermissions"),
            claude_mode("cc-yolo", 2, "bypassPermissions"),
            claude_mode("cc-plan", 3, "plan"),
            codex_start("cx-yolo", 4, "never", "danger-full-access"),
            codex_start("cx-ro", 5, "never", "read-only"),
            codex_start("cx-asks", 6, "on-request", "danger-full-access"),
        ],
    );
    let r = reqwest::Client::new()
        .post(t.url("/v1/logs"))
        .header("content-type", "application/x-protobuf")
        .body(export.encode_to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        t.sql_str(
            "SELECT group_concat(s.session_key || ' ' || e.dedupe_key || ' ' || e.detail, '; ')
             FROM (SELECT * FROM events ORDER BY dedupe_key) e
             JOIN sessions s ON s.id = e.session_id WHERE e.kind = 'permission_skip'"
        ),
        "cc-yolo cc:permission_skip:cc-yolo bypassPermissions; \
         cx-yolo codex:permission_skip:cx-yolo approval_policy=never, sandbox=danger-full-access"
    );
}
