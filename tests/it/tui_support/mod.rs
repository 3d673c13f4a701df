//! A small, fixed organisation for console tests: written through the real store writer at
//! a fixed instant, so snapshots and scenarios are reproducible.
#![allow(dead_code)]

pub mod tmux;

use agentdeck::domain::alerts::{AlertState, Severity};
use agentdeck::domain::{
    Agent, Cost, DedupePolicy, EventKind, EventRecord, Money, ProjectRecord, RequestRecord,
    SessionRecord, TokenUsage,
};
use agentdeck::store::ops::{AlertRow, CommitRow, DailyUsageRow, IncidentRow, Op, PullRequestRow};
use agentdeck::store::{DeveloperRow, SourceHealthRow, Store, TeamRow, WriteBatch};
use chrono::{DateTime, TimeZone, Utc};

/// The fixed "now" of every console test: Thursday 2026-01-15 14:30 UTC.
pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 15, 14, 30, 0).unwrap()
}

pub fn now_ms() -> i64 {
    now().timestamp_millis()
}

const MIN: i64 = 60_000;
const HOUR: i64 = 60 * MIN;
const DAY: i64 = 24 * HOUR;

pub fn empty_store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("console.db")).unwrap();
    (dir, store)
}

pub fn seeded_store() -> (tempfile::TempDir, Store) {
    let (dir, store) = empty_store();
    seed(&store);
    (dir, store)
}

fn dev(id: &str, name: &str, team: &str) -> DeveloperRow {
    DeveloperRow {
        id: id.into(),
        email: Some(id.into()),
        handle: Some(id.split('@').next().unwrap().into()),
        display_name: Some(name.into()),
        team: team.into(),
        role: None,
        started_on: None,
    }
}

/// (developer, agent, project, branch, start offset from now in ms, requests, model)
const SESSIONS: [(&str, Agent, &str, &str, i64, i64, &str); 12] = [
    (
        "ana@acme.dev",
        Agent::ClaudeCode,
        "github.com/acme/api",
        "feat/retry",
        -40 * MIN,
        12,
        "claude-sonnet-4-5",
    ),
    (
        "ana@acme.dev",
        Agent::Codex,
        "github.com/acme/api",
        "feat/retry",
        -25 * MIN,
        6,
        "gpt-5-codex",
    ),
    (
        "bo@acme.dev",
        Agent::ClaudeCode,
        "github.com/acme/web",
        "main",
        -3 * HOUR,
        20,
        "claude-opus-4-5",
    ),
    (
        "cy@acme.dev",
        Agent::Gemini,
        "github.com/acme/web",
        "fix/css",
        -MIN,
        4,
        "gemini-2.5-pro",
    ),
    (
        "dee@acme.dev",
        Agent::Codex,
        "github.com/acme/infra",
        "main",
        -2 * DAY,
        8,
        "gpt-5-codex",
    ),
    (
        "eli@acme.dev",
        Agent::ClaudeCode,
        "github.com/acme/infra",
        "chore/tf",
        -5 * DAY,
        30,
        "claude-opus-4-5",
    ),
    (
        "ana@acme.dev",
        Agent::ClaudeCode,
        "github.com/acme/api",
        "main",
        -8 * DAY,
        10,
        "claude-sonnet-4-5",
    ),
    (
        "bo@acme.dev",
        Agent::Codex,
        "github.com/acme/web",
        "feat/cart",
        -DAY,
        5,
        "gpt-5-codex",
    ),
    (
        "fay@acme.dev",
        Agent::ClaudeCode,
        "github.com/acme/api",
        "feat/auth",
        -6 * HOUR,
        9,
        "claude-sonnet-4-5",
    ),
    (
        "cy@acme.dev",
        Agent::ClaudeCode,
        "github.com/acme/web",
        "fix/css",
        -12 * DAY,
        3,
        "claude-haiku-4-5",
    ),
    (
        "dee@acme.dev",
        Agent::Gemini,
        "github.com/acme/infra",
        "main",
        -20 * DAY,
        7,
        "mystery-model",
    ),
    (
        "eli@acme.dev",
        Agent::Codex,
        "github.com/acme/infra",
        "chore/tf",
        -3 * DAY,
        4,
        "gpt-5-codex",
    ),
];

pub fn seed(store: &Store) {
    seed_at(store, now_ms());
}

/// The same organisation, ending at `now` (tmux scenarios use the real clock).
pub fn seed_at(store: &Store, now: i64) {
    let mut b = WriteBatch {
        teams: vec![
            TeamRow {
                name: "platform".into(),
                budget_micro_usd_month: Some(50_000_000),
            },
            TeamRow {
                name: "web".into(),
                budget_micro_usd_month: Some(400_000_000),
            },
            TeamRow {
                name: "security".into(),
                budget_micro_usd_month: None,
            },
        ],
        developers: vec![
            dev("ana@acme.dev", "Ana Ruiz", "platform"),
            dev("dee@acme.dev", "Dee Park", "platform"),
            dev("eli@acme.dev", "Eli Stone", "platform"),
            dev("bo@acme.dev", "Bo Chen", "web"),
            dev("cy@acme.dev", "Cy Ode", "web"),
            dev("fay@acme.dev", "Fay Lund", "security"),
            dev("gus@acme.dev", "Gus Holm", "security"),
        ],
        projects: ["api", "web", "infra"]
            .iter()
            .map(|p| ProjectRecord {
                id: format!("github.com/acme/{p}"),
                display_name: (*p).into(),
            })
            .collect(),
        ..Default::default()
    };
    for (i, (developer, agent, project, branch, start, n, model)) in SESSIONS.iter().enumerate() {
        let key = format!("s{i:02}");
        let started = now + start;
        let step = 90_000;
        b.sessions.push(SessionRecord {
            agent: *agent,
            session_key: key.clone(),
            source: "fixture".into(),
            developer: (*developer).into(),
            project_id: Some((*project).into()),
            branch: Some((*branch).into()),
            started_at: started,
            last_activity_at: started + (n - 1) * step,
            title: None,
        });
        for r in 0..*n {
            let usage = TokenUsage {
                input: 1_000 + 100 * r,
                output: 400 + 10 * i as i64,
                cache_write_5m: 0,
                cache_write_1h: 0,
                cache_read: 20_000,
                reasoning: 0,
            };
            let cost = if *model == "mystery-model" {
                Cost::unpriced()
            } else {
                Cost::computed(Money::from_micro_usd(10_000 * (i as i64 + 1) + 1_000 * r))
            };
            b.requests.push(RequestRecord {
                dedupe_key: format!("fx:{key}:{r}"),
                policy: DedupePolicy::FirstWins,
                agent: *agent,
                session_key: key.clone(),
                ts: started + r * step,
                model: Some((*model).into()),
                usage,
                cost,
                developer: (*developer).into(),
                project_id: Some((*project).into()),
                sidechain: false,
                message_id: None,
                fast: false,
                ord: r,
            });
            let kind = [
                EventKind::Prompt,
                EventKind::ToolUse,
                EventKind::ToolDecision,
            ][r as usize % 3];
            b.events.push(EventRecord {
                dedupe_key: format!("fx:{key}:e{r}"),
                agent: *agent,
                session_key: key.clone(),
                ts: started + r * step + 30_000,
                kind,
                tool_name: (kind != EventKind::Prompt).then(|| "Bash".to_string()),
                decision: (kind == EventKind::ToolDecision).then(|| "accept".to_string()),
                status_code: None,
                duration_ms: (kind == EventKind::ToolUse).then_some(1_200),
                detail: None,
                ord: 1000 + r,
            });
        }
    }
    b.events.push(EventRecord {
        dedupe_key: "fx:s00:err".into(),
        agent: Agent::ClaudeCode,
        session_key: "s00".into(),
        ts: now - 35 * MIN,
        kind: EventKind::ApiError,
        tool_name: None,
        decision: None,
        status_code: Some(429),
        duration_ms: None,
        detail: Some("rate_limit".into()),
        ord: 2000,
    });
    let day = |offset: i64| {
        DateTime::<Utc>::from_timestamp_millis(now - offset * DAY)
            .unwrap()
            .format("%Y-%m-%d")
            .to_string()
    };
    for d in 0..7 {
        for (developer, sugg, acc) in [
            ("bo@acme.dev", 200, 70),
            ("cy@acme.dev", 150, 15),
            ("gus@acme.dev", 0, 0),
        ] {
            b.ops.push(Op::UpsertDailyUsage(DailyUsageRow {
                source: "copilot".into(),
                day: day(d),
                developer: developer.into(),
                team: String::new(),
                suggestions: sugg,
                acceptances: acc,
                lines_suggested: sugg * 3,
                lines_accepted: acc * 3,
                requests: sugg / 10,
                spend_micro_usd: 0,
            }));
        }
    }
    for i in 0..10i64 {
        let ai = i % 3 != 0;
        let author = ["ana@acme.dev", "bo@acme.dev", "eli@acme.dev"][i as usize % 3];
        b.ops.push(Op::UpsertCommit(CommitRow {
            repo: "github.com/acme/api".into(),
            sha: format!("c{i:03}"),
            author: author.into(),
            ts: now - i * 7 * HOUR,
            ai_agent: ai.then(|| "claude_code".to_string()),
            ai_detected_by: ai.then(|| "trailer".to_string()),
            lines_added: 40 + i,
            lines_removed: 5,
            reverted_by: (i == 4).then(|| "c999".to_string()),
            ticket_key: None,
            branch: None,
            is_merge: false,
        }));
        b.ops.push(Op::UpsertPullRequest(PullRequestRow {
            repo: "github.com/acme/api".into(),
            number: 100 + i,
            author: author.into(),
            opened_at: now - i * DAY - 5 * HOUR,
            merged_at: (i != 9).then_some(now - i * DAY),
            closed_at: None,
            ai_agent: ai.then(|| ["claude_code", "codex"][i as usize % 2].to_string()),
            ai_detected_by: ai.then(|| "trailer".to_string()),
            review_rounds: 1 + i % 2,
            first_review_at: Some(now - i * DAY - 3 * HOUR),
            reverted: i == 5,
            coverage_delta: ai.then_some(0.5),
            ticket_key: None,
        }));
    }
    for (id, sev, ai, offset) in [("INC-1", "sev2", true, 2), ("INC-2", "sev3", false, 9)] {
        b.ops.push(Op::UpsertIncident(IncidentRow {
            id: id.into(),
            repo: Some("github.com/acme/api".into()),
            opened_at: now - offset * DAY,
            resolved_at: Some(now - offset * DAY + 2 * HOUR),
            severity: sev.into(),
            caused_by_sha: None,
            ai_linked: ai,
            title: Some(format!("checkout errors {id}")),
        }));
    }
    let alert = |rule: &str, subject: &str, severity, state, fired: i64| AlertRow {
        rule: rule.into(),
        subject: subject.into(),
        severity,
        state,
        value: Some(1.5),
        threshold: Some(1.0),
        message: format!("{rule} on {subject}"),
        fired_at: now - fired,
        acked_at: (state == AlertState::Acked).then_some(now - fired + HOUR),
        acked_by: (state == AlertState::Acked).then(|| "ana@acme.dev".to_string()),
        note: (state == AlertState::Acked).then(|| "rolling back the batch job".to_string()),
        snoozed_until: (state == AlertState::Snoozed).then_some(now + 2 * HOUR),
        resolved_at: (state == AlertState::Resolved).then_some(now - fired + 3 * HOUR),
        ..Default::default()
    };
    b.ops.extend([
        Op::FireAlert(alert(
            "budget_forecast",
            "team:platform",
            Severity::Critical,
            AlertState::Firing,
            2 * HOUR,
        )),
        Op::FireAlert(alert(
            "rate_limit_storm",
            "developer:ana@acme.dev",
            Severity::Warning,
            AlertState::Acked,
            5 * HOUR,
        )),
        Op::FireAlert(alert(
            "low_acceptance",
            "developer:cy@acme.dev",
            Severity::Info,
            AlertState::Snoozed,
            DAY,
        )),
        Op::FireAlert(alert(
            "spend_spike",
            "developer:eli@acme.dev",
            Severity::Warning,
            AlertState::Resolved,
            4 * DAY,
        )),
    ]);
    b.source_health = vec![
        SourceHealthRow {
            source: "claude_code_files".into(),
            kind: "files".into(),
            success_at: Some(now - 4_000),
            error: None,
            rows_added: 120,
        },
        SourceHealthRow {
            source: "codex_files".into(),
            kind: "files".into(),
            success_at: Some(now - 2 * HOUR),
            error: None,
            rows_added: 40,
        },
        SourceHealthRow {
            source: "copilot".into(),
            kind: "api".into(),
            success_at: Some(now - 3 * HOUR),
            error: Some((now - 10 * MIN, "HTTP 429 rate limited".into())),
            rows_added: 21,
        },
    ];
    store.writer().apply_blocking(b).unwrap();
}

/// One priced Claude Code request of `cost_micro_usd` by `developer` on `project`, ten
/// minutes before the fixed "now" (a new session each call).
pub fn spend(store: &Store, developer: &str, project: &str, cost_micro_usd: i64) {
    spend_at(
        store,
        developer,
        project,
        cost_micro_usd,
        now_ms() - 10 * MIN,
    );
}

/// The same, as a session whose only activity is at `ts`.
pub fn spend_at(store: &Store, developer: &str, project: &str, cost_micro_usd: i64, ts: i64) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    let n = N.fetch_add(1, Ordering::SeqCst);
    let key = format!("extra{n}");
    let b = WriteBatch {
        sessions: vec![SessionRecord {
            agent: Agent::ClaudeCode,
            session_key: key.clone(),
            source: "fixture".into(),
            developer: developer.into(),
            project_id: Some(project.into()),
            branch: Some("main".into()),
            started_at: ts,
            last_activity_at: ts,
            title: None,
        }],
        requests: vec![RequestRecord {
            dedupe_key: format!("fx:{key}"),
            policy: DedupePolicy::FirstWins,
            agent: Agent::ClaudeCode,
            session_key: key,
            ts,
            model: Some("claude-opus-4-5".into()),
            usage: TokenUsage {
                input: 1_000,
                output: 100,
                ..TokenUsage::default()
            },
            cost: Cost::computed(Money::from_micro_usd(cost_micro_usd)),
            developer: developer.into(),
            project_id: Some(project.into()),
            sidechain: false,
            message_id: None,
            fast: false,
            ord: 0,
        }],
        ..Default::default()
    };
    store.writer().apply_blocking(b).unwrap();
}

/// Records a failure of `source` with `error`, after its last success.
pub fn fail_source(store: &Store, source: &str, error: &str) {
    store
        .writer()
        .apply_blocking(WriteBatch {
            source_health: vec![SourceHealthRow {
                source: source.into(),
                kind: "api".into(),
                success_at: None,
                error: Some((now_ms() - MIN, error.into())),
                rows_added: 0,
            }],
            ..Default::default()
        })
        .unwrap();
}

/// A Cursor usage event as the Cursor poller stores it: one request of agent `cursor` in the
/// session of its conversation (no project, no branch), at `ts`.
pub fn cursor_event(b: &mut WriteBatch, developer: &str, conversation: &str, ts: i64) {
    b.sessions.push(SessionRecord {
        agent: Agent::Cursor,
        session_key: conversation.into(),
        source: "cursor".into(),
        developer: developer.into(),
        project_id: None,
        branch: None,
        started_at: ts,
        last_activity_at: ts,
        title: None,
    });
    b.requests.push(RequestRecord {
        dedupe_key: format!("cursor:{conversation}:{ts}"),
        policy: DedupePolicy::FirstWins,
        agent: Agent::Cursor,
        session_key: conversation.into(),
        ts,
        model: Some("claude-4.5-sonnet".into()),
        usage: TokenUsage {
            input: 5_000,
            output: 400,
            ..TokenUsage::default()
        },
        cost: Cost::reported(Money::from_micro_usd(120_000)),
        developer: developer.into(),
        project_id: None,
        sidechain: false,
        message_id: None,
        fast: false,
        ord: 0,
    });
}

/// A vendor's day row (`daily_usage`) for `developer` on the UTC day of `ts`.
pub fn vendor_day(
    b: &mut WriteBatch,
    source: &str,
    developer: &str,
    ts: i64,
    suggestions: i64,
    acceptances: i64,
) {
    b.ops.push(Op::UpsertDailyUsage(DailyUsageRow {
        source: source.into(),
        day: DateTime::<Utc>::from_timestamp_millis(ts)
            .unwrap()
            .format("%Y-%m-%d")
            .to_string(),
        developer: developer.into(),
        team: String::new(),
        suggestions,
        acceptances,
        lines_suggested: suggestions * 3,
        lines_accepted: acceptances * 3,
        requests: 1,
        spend_micro_usd: 0,
    }));
}
