//! Backend parity: the same dirty inputs through SQLite and PostgreSQL give identical rows and
//! rollups. Transcripts of every agent (sidechain replays, lines without ids, Gemini
//! rewinds) go through the write pipeline in split batches and again as a resend; OTLP of
//! every agent (a telemetry copy of a transcript request, duplicated Codex events, Gemini
//! tool tokens, cumulative and delta metrics) and pushes go over HTTP, twice.

use crate::server_support;

use crate::server_tenancy_writes::{pushed_request, pushed_session};
use agentdeck::collect::parse::{LineLoc, ParseEnv, ParsedRows};
use agentdeck::collect::project::FixedProjectResolver;
use agentdeck::collect::sources::{FileFormat, parse_document};
use agentdeck::pricing::PriceTable;
use agentdeck::server::backend::{Backend, Database};
use agentdeck::server::state::Limits;
use agentdeck::store::WriteBatch;
use serde_json::json;
use server_support::team::*;
use server_support::*;
use std::path::Path;

const FILES: &[(FileFormat, &str)] = &[
    (
        FileFormat::ClaudeJsonl,
        "claude/projects/-home-dev-api/3f0b5d2e-9a4c-4f57-8a7e-0d0f6c1e2b3a.jsonl",
    ),
    (
        FileFormat::ClaudeJsonl,
        "claude/projects/-home-dev-api/3f0b5d2e-9a4c-4f57-8a7e-0d0f6c1e2b3a/subagents/agent-7f3a9c.jsonl",
    ),
    (
        FileFormat::ClaudeJsonl,
        "claude/projects/-home-dev-api/agent-5e1d.jsonl",
    ),
    (
        FileFormat::ClaudeJsonl,
        "claude/projects/-home-dev-web/s-old.jsonl",
    ),
    (FileFormat::ClaudeJsonl, "claude/bad-lines.jsonl"),
    (
        FileFormat::CodexJsonl,
        "codex/sessions/2026/04/01/rollout-2026-04-01T14-00-00-019dc924-30bf-7182-a6a1-5b2f0c8e9d10.jsonl",
    ),
    (
        FileFormat::CodexJsonl,
        "codex/archived_sessions/rollout-2026-04-01T14-00-00-019dc924-30bf-7182-a6a1-5b2f0c8e9d10.jsonl",
    ),
    (
        FileFormat::GeminiJsonl,
        "gemini/tmp/e3b0c442/chats/session-2026-03-02T09-00-6f1c9a2b.jsonl",
    ),
    (
        FileFormat::GeminiJson,
        "gemini/tmp/9f86d081/chats/session-2025-11-21T10-00-deadbeef.json",
    ),
];

fn as_batch(rows: ParsedRows) -> WriteBatch {
    WriteBatch {
        projects: rows.projects,
        sessions: rows.sessions,
        requests: rows.requests,
        events: rows.events,
        ..WriteBatch::default()
    }
}

/// A fixture file as ana's transcript, in batches of `per_batch` lines.
fn transcript(format: FileFormat, rel: &str, per_batch: usize) -> Vec<WriteBatch> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rel);
    let bytes = std::fs::read(&path).unwrap();
    let prices = PriceTable::builtin();
    let projects = FixedProjectResolver::new()
        .with("/home/dev/api", "github.com/acme/api", "api")
        .with("/home/dev/web", "github.com/acme/web", "web");
    let env = ParseEnv {
        developer: ANA,
        prices: &prices,
        projects: &projects,
    };
    if format.is_document() {
        let mut rows = ParsedRows::default();
        parse_document(format, &bytes, &path, &env, &mut rows);
        return vec![as_batch(rows)];
    }
    let mut parser = format.new_parser(&path, None);
    let mut out = Vec::new();
    let mut rows = ParsedRows::default();
    let (mut start, mut line) = (0usize, 0u64);
    while let Some(pos) = bytes[start..].iter().position(|b| *b == b'\n') {
        line += 1;
        let loc = LineLoc {
            offset: start as u64,
            line,
        };
        parser.parse_line(&bytes[start..start + pos], loc, &env, &mut rows);
        start += pos + 1;
        if (line as usize).is_multiple_of(per_batch) {
            out.push(as_batch(std::mem::take(&mut rows)));
        }
    }
    out.push(as_batch(rows));
    out
}

fn telemetry(seq: i64) -> Vec<opentelemetry_proto::tonic::logs::v1::LogRecord> {
    let codex = || {
        record(
            "codex.sse_event",
            T0_NANOS + 7_000_000,
            vec![
                s("event.kind", "response.completed"),
                s("conversation.id", "cx-otel"),
                s("event.timestamp", "2026-01-09T10:00:10.000Z"),
                s("model", "gpt-5-codex"),
                s("user.email", BOB),
                i("input_token_count", 5_000),
                i("cached_token_count", 4_000),
                i("output_token_count", 300),
                i("reasoning_token_count", 120),
            ],
        )
    };
    let gemini = record(
        "gemini_cli.api_response",
        T0_NANOS + 9_000_000,
        vec![
            s("session.id", "gm-otel"),
            s("model", "gemini-2.5-pro"),
            s("user.email", CAROL),
            s("prompt_id", "p-1"),
            i("input_token_count", 12_840),
            i("cached_content_token_count", 9_000),
            i("output_token_count", 210),
            i("thoughts_token_count", 512),
            i("tool_token_count", 7),
            i("status_code", 503),
        ],
    );
    let prompt = record(
        "claude_code.user_prompt",
        T0_NANOS + 1_000_000,
        vec![
            s("session.id", "3f0b5d2e-9a4c-4f57-8a7e-0d0f6c1e2b3a"),
            s("user.email", ANA),
            i("event.sequence", 900 + seq),
            i("prompt_length", 12),
        ],
    );
    vec![
        // The telemetry copy of a request ana's transcript holds (counts once).
        claude_api_request(
            "3f0b5d2e-9a4c-4f57-8a7e-0d0f6c1e2b3a",
            "req_011CAbCdEfGh",
            1,
            ANA,
        ),
        claude_api_request("cc-otel", "req_otel_only", 2, ANA),
        codex(),
        codex(),
        gemini,
        prompt,
    ]
}

fn meters() -> opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest {
    let who = |email: &str, kind: &str| vec![s("user.email", email), s("type", kind)];
    metrics(
        claude_resource(),
        vec![
            sum_metric(
                "claude_code.lines_of_code.count",
                2,
                vec![
                    (T0_NANOS - 1_000, T0_NANOS, 40, who(ANA, "added")),
                    (T0_NANOS - 1_000, T0_NANOS + 60, 55, who(ANA, "added")),
                ],
            ),
            sum_metric(
                "claude_code.commit.count",
                1,
                vec![(T0_NANOS - 60, T0_NANOS, 3, who(BOB, "-"))],
            ),
        ],
    )
}

/// Every table the pipeline writes, as text rows in one order, for comparison (the
/// request-id column included: both backends fill it for transcript rows only, a telemetry
/// row's id being in its key; docs/perf.md, "The SQLite write path, per record").
const TABLES: &[(&str, &str)] = &[
    (
        "requests",
        "SELECT s.developer, s.agent, s.session_key, q.developer, q.dedupe_key,
             q.request_id,
             q.agent, q.model, CAST(q.ts AS TEXT), CAST(q.input_tokens AS TEXT),
             CAST(q.output_tokens AS TEXT), CAST(q.cache_write_5m AS TEXT),
             CAST(q.cache_write_1h AS TEXT), CAST(q.cache_read AS TEXT),
             CAST(q.reasoning_tokens AS TEXT), CAST(q.cost_micro_usd AS TEXT), q.cost_source,
             CASE WHEN q.sidechain THEN '1' ELSE '0' END, CASE WHEN q.fast THEN '1' ELSE '0' END,
             q.message_id, CAST(q.ord AS TEXT), q.project_id
         FROM requests q JOIN sessions s ON s.id = q.session_id ORDER BY 4, 5",
    ),
    (
        "sessions",
        "SELECT developer, agent, session_key, source, project_id, branch,
             CAST(started_at AS TEXT), CAST(last_activity_at AS TEXT), title,
             CAST(requests AS TEXT), CAST(input_tokens AS TEXT), CAST(output_tokens AS TEXT),
             CAST(cache_write_5m AS TEXT), CAST(cache_write_1h AS TEXT), CAST(cache_read AS TEXT),
             CAST(reasoning_tokens AS TEXT), CAST(cost_micro_usd AS TEXT),
             CAST(unpriced_tokens AS TEXT)
         FROM sessions ORDER BY 1, 2, 3",
    ),
    (
        "events",
        "SELECT s.developer, s.agent, s.session_key, e.dedupe_key, CAST(e.ts AS TEXT), e.kind,
             e.tool_name, e.decision, CAST(e.status_code AS TEXT), CAST(e.duration_ms AS TEXT),
             e.detail, CAST(e.ord AS TEXT)
         FROM events e JOIN sessions s ON s.id = e.session_id ORDER BY 1, 2, 3, 4",
    ),
    (
        "telemetry_counters",
        "SELECT developer, dedupe_key, CAST(ts AS TEXT), agent, session_key, metric,
             CAST(value AS TEXT) FROM telemetry_counters ORDER BY 1, 2",
    ),
    (
        "rollups",
        "SELECT CAST(bucket_start AS TEXT), developer, project_id, agent, model,
             CAST(requests AS TEXT), CAST(input_tokens AS TEXT), CAST(output_tokens AS TEXT),
             CAST(cache_write_5m AS TEXT), CAST(cache_write_1h AS TEXT), CAST(cache_read AS TEXT),
             CAST(reasoning_tokens AS TEXT), CAST(cost_micro_usd AS TEXT),
             CAST(reported_micro_usd AS TEXT), CAST(unpriced_requests AS TEXT),
             CAST(unpriced_tokens AS TEXT)
         FROM rollups ORDER BY 1, 2, 3, 4, 5",
    ),
    ("developers", "SELECT id, team FROM developers ORDER BY 1"),
];

type Rows = Vec<Vec<Option<String>>>;

async fn dump(database: &Database, sql: &str) -> Rows {
    match database {
        Database::Sqlite(path) => {
            let conn = rusqlite::Connection::open(path).unwrap();
            let mut stmt = conn.prepare(sql).unwrap();
            let n = stmt.column_count();
            stmt.query_map([], |r| (0..n).map(|i| r.get(i)).collect())
                .unwrap()
                .collect::<rusqlite::Result<_>>()
                .unwrap()
        }
        Database::Postgres(url) => {
            let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls)
                .await
                .unwrap();
            tokio::spawn(conn);
            client
                .query(sql, &[])
                .await
                .unwrap()
                .iter()
                .map(|r| (0..r.len()).map(|i| r.get(i)).collect())
                .collect()
        }
    }
}

async fn feed(t: &Team) {
    let backend = Backend::open(&t.database).await.unwrap();
    for (round, per_batch) in [(0, 3), (1, 1_000_000)] {
        for (format, rel) in FILES {
            for batch in transcript(*format, rel, per_batch) {
                backend.commit(batch).await.unwrap();
            }
        }
        let (status, answer) = t
            .logs("admin", &logs(claude_resource(), telemetry(round)))
            .await;
        assert_eq!(
            (status, answer.partial_success),
            (200, None),
            "{}",
            t.label()
        );
        assert_eq!(t.metrics("admin", &meters()).await.0, 200);
        let push = json!({
            "sessions": [pushed_session(BOB, "gm-push", "github.com/acme/web", "main")],
            "requests": [
                pushed_request(BOB, "gm:gm-push:m1", "gemini", "gm-push", 10 + round),
                pushed_request(BOB, "cx:cx-push:1767952803120:1", "codex", "gm-push", 4),
            ]
        });
        assert_eq!(t.push("bob", &push).await.0, 200);
    }
}

#[tokio::test]
async fn sqlite_and_postgres_store_the_same_rows_and_rollups() {
    let backends = each_backend().await;
    if backends.len() < 2 {
        return; // needs AGENTDECK_TEST_POSTGRES_URL (bash .ci/test sets it)
    }
    let mut dumps = Vec::new();
    for b in backends {
        let t = Team::start(b, Limits::default(), Default::default()).await;
        feed(&t).await;
        let mut tables = Vec::new();
        for (name, sql) in TABLES {
            tables.push((*name, dump(&t.database, sql).await));
        }
        t.stop().await;
        dumps.push(tables);
    }
    let (sqlite, postgres) = (&dumps[0], &dumps[1]);
    for ((name, a), (_, b)) in sqlite.iter().zip(postgres) {
        assert!(
            !a.is_empty(),
            "{name} is empty: the inputs did not reach it"
        );
        assert_eq!(a.len(), b.len(), "{name}: row counts differ");
        for (x, y) in a.iter().zip(b) {
            assert_eq!(x, y, "{name}: SQLite vs PostgreSQL");
        }
    }
    // The inputs really are dirty: replays, rewinds and cross-source copies were resolved.
    let requests = &sqlite[0].1;
    let keys: Vec<&str> = requests.iter().filter_map(|r| r[4].as_deref()).collect();
    assert!(keys.contains(&"cc:msg_01XyZ:req_011CAbCdEfGh"));
    assert!(
        !keys.contains(&"ccreq:req_011CAbCdEfGh"),
        "the telemetry copy lost"
    );
    assert!(
        !keys.contains(&"cc:msg_01XyZ:req_02Replay"),
        "the sidechain replay lost to its parent (on PostgreSQL too)"
    );
    assert!(keys.contains(&"ccreq:req_otel_only"));
    assert_eq!(
        keys.iter().filter(|k| k.starts_with("cxotel:")).count(),
        1,
        "Codex's doubled event counts once"
    );
}
