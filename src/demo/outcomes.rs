//! What the demo's work turned into: commits (AI-attributed by trailer, author or telemetry as
//! docs/outcomes.md describes, plus human commits), pull requests with review rounds and merges,
//! a few reverts and incidents tied to AI code, and deploys per repository.

use super::agents;
use super::history::{DAY_MS, TICKETS, WorkItem};
use super::org::{Habit, Org};
use super::rng::Rng;
use super::sink::Sink;
use crate::domain::{EventKind, EventRecord, UnixMillis};
use crate::store::ops::{CommitRow, DeployRow, IncidentRow, Op, PullRequestRow};
use std::collections::BTreeMap;

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct OutcomeStats {
    pub commits: u64,
    pub pull_requests: u64,
    pub deploys: u64,
    pub incidents: u64,
    pub reverts: u64,
}

/// Human commits: every developer writes code by hand too (the blocked team mostly does).
fn human_work(org: &Org, day0: UnixMillis, now: UnixMillis, rng: &mut Rng) -> Vec<WorkItem> {
    let mut out = Vec::new();
    let days = (now - day0).div_euclid(DAY_MS);
    for day in 0..=days {
        let start = day0 + day * DAY_MS;
        if (start.div_euclid(DAY_MS) + 3).rem_euclid(7) >= 5 {
            continue;
        }
        for (di, dev) in org.developers.iter().enumerate() {
            let p = if matches!(dev.habit, Habit::Low | Habit::Blocked) {
                0.55
            } else {
                0.3
            };
            if !rng.chance(p) {
                continue;
            }
            let ts = start + rng.range(9, 18) * 3_600_000 + rng.range(0, 3_599_999);
            if ts >= now {
                continue;
            }
            let ticket = format!("{}-{}", TICKETS[dev.team.min(4)], 100 + rng.range(0, 900));
            let shas = (0..rng.range(1, 3)).map(|_| rng.hex(40)).collect();
            out.push(WorkItem {
                dev: di,
                agent: None,
                project: org.project_for(dev, rng),
                ticket,
                ts,
                shas,
                session_key: None,
            });
        }
    }
    out
}

/// A merged change that was later reverted.
struct Revert {
    pr: PullRequestRow,
    merged_at: UnixMillis,
    at: UnixMillis,
    sha: String,
    caused_by: Option<String>,
}

const INCIDENT_TITLES: &[&str] = &[
    "Elevated 5xx on checkout",
    "Ledger reconciliation lag",
    "Login latency above SLO",
    "Pipeline backfill stuck",
    "Crash spike in app release",
    "Gateway timeouts on upload",
];

pub fn generate(
    org: &Org,
    ai_work: &[WorkItem],
    day0: UnixMillis,
    now: UnixMillis,
    seed: u64,
    sink: &mut Sink,
) -> anyhow::Result<OutcomeStats> {
    let mut rng = Rng::new(seed).fork(3);
    let mut work: Vec<WorkItem> = ai_work.to_vec();
    work.extend(human_work(org, day0, now, &mut rng));
    work.sort_by(|a, b| (a.ts, &a.shas).cmp(&(b.ts, &b.shas)));
    let mut stats = OutcomeStats::default();
    let mut pr_numbers: BTreeMap<String, i64> = BTreeMap::new();
    // Merged commits per repo in time order, for deploys: (merged_at, sha).
    let mut merged: BTreeMap<String, Vec<(UnixMillis, String)>> = BTreeMap::new();
    let mut reverted: Vec<Revert> = Vec::new();

    for item in &work {
        let dev = &org.developers[item.dev];
        let label = item.agent.map(|a| {
            (
                a.as_str().to_string(),
                agents::attribution(a, &mut rng).to_string(),
            )
        });
        let mut commits = Vec::new();
        for (k, sha) in item.shas.iter().enumerate() {
            let big = if label.is_some() { 700 } else { 300 };
            commits.push(CommitRow {
                repo: item.project.clone(),
                sha: sha.clone(),
                author: dev.id.clone(),
                ts: item.ts - (item.shas.len() - k) as i64 * 45_000,
                ai_agent: label.as_ref().map(|l| l.0.clone()),
                ai_detected_by: label.as_ref().map(|l| l.1.clone()),
                lines_added: rng.skewed(3, big, 2),
                lines_removed: rng.skewed(0, big / 2, 3),
                reverted_by: None,
                ticket_key: Some(item.ticket.clone()),
                branch: None,
                is_merge: false,
            });
        }
        // Most work becomes a pull request; some lands directly (small fixes).
        let mut pr = if rng.chance(0.85) {
            let number = pr_numbers.entry(item.project.clone()).or_insert(1_000);
            *number += 1;
            let opened = item.ts + rng.range(5, 60) * 60_000;
            let first_review = opened + rng.skewed(15, 26 * 60, 2) * 60_000;
            // AI-assisted PRs need another review round a little more often.
            let extra = i64::from(label.is_some() && rng.chance(0.25));
            let rounds = rng.bell(0, 3) + extra;
            let merge_at =
                first_review + rounds * rng.range(1, 8) * 3_600_000 + rng.range(5, 90) * 60_000;
            let abandoned = rng.chance(0.07);
            let (merged_at, closed_at) = match (abandoned, merge_at < now) {
                (true, true) => (None, Some(merge_at)),
                (false, true) => (Some(merge_at), Some(merge_at)),
                _ => (None, None),
            };
            Some(PullRequestRow {
                repo: item.project.clone(),
                number: *number,
                author: dev.id.clone(),
                opened_at: opened.min(now - 60_000),
                merged_at,
                closed_at,
                ai_agent: label.as_ref().map(|l| l.0.clone()),
                ai_detected_by: label.as_ref().map(|l| {
                    if l.0 == "claude_code" {
                        "pr_body".to_string()
                    } else {
                        l.1.clone()
                    }
                }),
                review_rounds: if first_review < now { rounds } else { 0 },
                first_review_at: (first_review < now).then_some(first_review),
                reverted: false,
                coverage_delta: rng.chance(0.6).then(|| (rng.range(-40, 60) as f64) / 10.0),
                ticket_key: Some(item.ticket.clone()),
            })
        } else {
            None
        };
        let landed = pr.as_ref().map(|p| p.merged_at).unwrap_or(Some(item.ts));
        if let Some(at) = landed {
            let list = merged.entry(item.project.clone()).or_default();
            for c in &commits {
                list.push((at, c.sha.clone()));
            }
            let p_revert = if label.is_some() { 0.014 } else { 0.006 };
            let revert_at = at + rng.range(2, 40) * 3_600_000;
            if let Some(p) = pr
                .as_mut()
                .filter(|_| rng.chance(p_revert) && revert_at < now)
            {
                let revert_sha = rng.hex(40);
                p.reverted = true;
                for c in commits.iter_mut() {
                    c.reverted_by = Some(revert_sha.clone());
                }
                reverted.push(Revert {
                    pr: p.clone(),
                    merged_at: at,
                    at: revert_at,
                    sha: revert_sha,
                    caused_by: commits.first().map(|c| c.sha.clone()),
                });
            }
        }
        for c in commits {
            sink.op(Op::UpsertCommit(c));
            stats.commits += 1;
        }
        if let Some(p) = pr {
            // The session that did the work gets a `pr` event on its timeline.
            if let (Some(agent), Some(key)) = (item.agent, &item.session_key) {
                sink.event(EventRecord {
                    dedupe_key: format!("demo:pr:{}#{}", p.repo, p.number),
                    agent,
                    session_key: key.clone(),
                    developer: p.author.clone(),
                    ts: p.opened_at,
                    kind: EventKind::PullRequest,
                    tool_name: None,
                    decision: None,
                    status_code: None,
                    duration_ms: None,
                    detail: Some(format!(
                        "{}#{}",
                        p.repo.rsplit('/').next().unwrap_or(&p.repo),
                        p.number
                    )),
                    ord: 1_000_000 + p.number,
                });
            }
            sink.op(Op::UpsertPullRequest(p));
            stats.pull_requests += 1;
        }
        sink.maybe_flush()?;
    }

    // Reverts, and the incidents some of them answered.
    let mut incident_no = 0;
    for Revert {
        pr,
        merged_at,
        at: revert_at,
        sha: revert_sha,
        caused_by,
    } in reverted
    {
        sink.op(Op::UpsertCommit(CommitRow {
            repo: pr.repo.clone(),
            sha: revert_sha,
            author: pr.author.clone(),
            ts: revert_at,
            ai_agent: None,
            ai_detected_by: None,
            lines_added: rng.range(5, 200),
            lines_removed: rng.range(5, 400),
            reverted_by: None,
            ticket_key: pr.ticket_key.clone(),
            branch: None,
            is_merge: false,
        }));
        stats.commits += 1;
        stats.reverts += 1;
        if rng.chance(if pr.ai_agent.is_some() { 0.45 } else { 0.15 }) {
            incident_no += 1;
            let opened = merged_at + rng.range(30, 120) * 60_000;
            let resolved = revert_at + rng.range(10, 90) * 60_000;
            sink.op(Op::UpsertIncident(IncidentRow {
                id: format!("INC-{}", 2_000 + incident_no),
                repo: Some(pr.repo.clone()),
                opened_at: opened,
                resolved_at: (resolved < now - 3_600_000).then_some(resolved),
                severity: if rng.chance(0.3) { "sev2" } else { "sev3" }.to_string(),
                caused_by_sha: caused_by,
                ai_linked: pr.ai_agent.is_some(),
                title: rng.pick(INCIDENT_TITLES).map(|t| t.to_string()),
            }));
            stats.incidents += 1;
        }
    }
    // Incidents with other causes.
    for k in 0..2 {
        incident_no += 1;
        let opened = now - (k * 17 + 5) * DAY_MS + 11 * 3_600_000;
        sink.op(Op::UpsertIncident(IncidentRow {
            id: format!("INC-{}", 2_000 + incident_no),
            repo: org.projects.get(k as usize * 5).map(|p| p.0.clone()),
            opened_at: opened,
            resolved_at: Some(opened + rng.range(40, 300) * 60_000),
            severity: "sev3".into(),
            caused_by_sha: None,
            ai_linked: false,
            title: Some(
                if k == 0 {
                    "Upstream provider outage"
                } else {
                    "Certificate expiry on staging"
                }
                .into(),
            ),
        }));
        stats.incidents += 1;
    }

    // Deploys: weekdays, one to three per repository, shipping the latest merged commit.
    for (repo, list) in &merged {
        let mut days = (now - day0).div_euclid(DAY_MS);
        days = days.max(0);
        for day in 0..=days {
            let start = day0 + day * DAY_MS;
            if (start.div_euclid(DAY_MS) + 3).rem_euclid(7) >= 5 {
                continue;
            }
            for n in 0..rng.range(0, 3) {
                let ts = start + rng.range(11, 17) * 3_600_000 + rng.range(0, 3_599_999);
                if ts >= now {
                    continue;
                }
                let sha = list
                    .iter()
                    .rev()
                    .find(|(at, _)| *at <= ts)
                    .map(|(_, s)| s.clone());
                let status = match rng.weighted(&[0.93, 0.04, 0.03]) {
                    Some(0) => "success",
                    Some(1) => "failed",
                    _ => "rolled_back",
                };
                sink.op(Op::UpsertDeploy(DeployRow {
                    repo: repo.clone(),
                    id: format!("d-{day:02}{n}-{}", rng.hex(6)),
                    ts,
                    sha,
                    status: status.into(),
                }));
                stats.deploys += 1;
            }
        }
        sink.maybe_flush()?;
    }
    sink.flush()?;
    Ok(stats)
}
