//! A property over both backends: whatever interleaving of OTLP exports and pushes several
//! owners send, with colliding session ids, request ids and keys, no owner's sync ever holds
//! another owner's row, and every row an owner sent is in their own sync.

use crate::server_support;

use crate::server_tenancy_writes::pushed_request;
use agentdeck::server::state::Limits;
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::json;
use server_support::team::*;
use server_support::*;
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicUsize, Ordering};

/// (token, developer): members send as themselves; the collector forwards carol.
const SENDERS: [(&str, &str); 3] = [("ana", ANA), ("bob", BOB), ("collector", CAROL)];

#[derive(Debug, Clone)]
enum Op {
    /// `claims`: whose email the record names (a member's rows stay the member's).
    Telemetry {
        sender: usize,
        claims: usize,
        session: u8,
        request: u8,
    },
    Push {
        sender: usize,
        session: u8,
        message: u8,
    },
    Prompt {
        sender: usize,
        session: u8,
    },
    Commit {
        sender: usize,
        session: Option<u8>,
    },
}

fn op() -> impl Strategy<Value = Op> {
    let sender = 0..SENDERS.len();
    prop_oneof![
        (sender.clone(), 0..2usize, 0..3u8, 0..3u8).prop_map(
            |(sender, claims, session, request)| Op::Telemetry {
                sender,
                claims,
                session,
                request
            }
        ),
        (sender.clone(), 0..3u8, 0..3u8).prop_map(|(sender, session, message)| Op::Push {
            sender,
            session,
            message
        }),
        (sender.clone(), 0..3u8).prop_map(|(sender, session)| Op::Prompt { sender, session }),
        (sender, proptest::option::of(0..3u8))
            .prop_map(|(sender, session)| Op::Commit { sender, session }),
    ]
}

static CASE: AtomicUsize = AtomicUsize::new(0);

/// Runs one interleaving; returns the request keys each sender sent.
async fn run(t: &Team, case: usize, ops: &[Op]) -> [BTreeSet<String>; 3] {
    let mut sent: [BTreeSet<String>; 3] = Default::default();
    for (n, op) in ops.iter().enumerate() {
        match op {
            Op::Telemetry {
                sender,
                claims,
                session,
                request,
            } => {
                let (token, own) = SENDERS[*sender];
                // Members may claim to be anyone; the collector names its team's carol.
                let email = if token == "collector" {
                    own
                } else {
                    SENDERS[*claims].1
                };
                let id = format!("c{case}-r{request}");
                let export = logs(
                    claude_resource(),
                    vec![claude_api_request(
                        &format!("S{session}"),
                        &id,
                        n as i64,
                        email,
                    )],
                );
                assert_eq!(t.logs(token, &export).await.0, 200);
                sent[*sender].insert(format!("ccreq:{id}"));
            }
            Op::Push {
                sender,
                session,
                message,
            } => {
                let (token, email) = SENDERS[*sender];
                if token == "collector" {
                    continue; // collectors forward telemetry; pushes are a member's own rows
                }
                let key = format!("gm:S{session}:c{case}-m{message}");
                let row = pushed_request(email, &key, "gemini", &format!("S{session}"), 7);
                assert_eq!(t.push(token, &json!({ "requests": [row] })).await.0, 200);
                sent[*sender].insert(key);
            }
            Op::Prompt { sender, session } => {
                let (token, email) = SENDERS[*sender];
                let prompt = record(
                    "claude_code.user_prompt",
                    T0_NANOS + n as u64,
                    vec![
                        s("session.id", &format!("S{session}")),
                        s("user.email", email),
                    ],
                );
                assert_eq!(
                    t.logs(token, &logs(claude_resource(), vec![prompt]))
                        .await
                        .0,
                    200
                );
            }
            Op::Commit { sender, session } => {
                let (token, email) = SENDERS[*sender];
                let mut attrs = vec![s("user.email", email)];
                if let Some(id) = session {
                    attrs.push(s("session.id", &format!("S{id}")));
                }
                let time = T0_NANOS + (case * 1_000 + n) as u64;
                let export = metrics(
                    claude_resource(),
                    vec![sum_metric(
                        "claude_code.commit.count",
                        1,
                        vec![(time - 1, time, 1, attrs)],
                    )],
                );
                assert_eq!(t.metrics(token, &export).await.0, 200);
            }
        }
    }
    sent
}

#[test]
fn no_interleaving_lets_an_owner_read_another_owners_row() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let teams: Vec<Team> = rt.block_on(async {
        let mut out = Vec::new();
        for b in each_backend().await {
            out.push(Team::start(b, Limits::default(), Default::default()).await);
        }
        out
    });
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(8);
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&vec(op(), 1..12), |ops| {
            let case = CASE.fetch_add(1, Ordering::Relaxed);
            rt.block_on(async {
                for t in &teams {
                    let sent = run(t, case, &ops).await;
                    for (i, (token, email)) in SENDERS.iter().enumerate() {
                        let reader = if *token == "collector" { "lead" } else { token };
                        let page = t.sync_paged(reader, 500).await;
                        let allowed: Vec<&str> = if reader == "lead" {
                            vec![ANA, CAROL, LEAD]
                        } else {
                            vec![email]
                        };
                        for owner in owners_in(&page) {
                            prop_assert!(
                                allowed.contains(&owner.as_str()),
                                "{}: {reader} read a row of {owner}",
                                t.label()
                            );
                        }
                        let mine: BTreeSet<String> = page
                            .requests
                            .iter()
                            .filter(|r| {
                                r.developer == *email && r.dedupe_key.contains(&format!("c{case}-"))
                            })
                            .map(|r| r.dedupe_key.to_string())
                            .collect();
                        prop_assert_eq!(&mine, &sent[i], "{}: {}'s own rows", t.label(), email);
                    }
                }
                Ok(())
            })
        })
        .unwrap();
    rt.block_on(async {
        for t in teams {
            t.stop().await;
        }
    });
}
