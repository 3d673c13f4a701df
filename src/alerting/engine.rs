//! One evaluation: every enabled rule measured over the store, each (rule, subject) moved
//! through the lifecycle (fire once per crossing, update while it holds, resolve when it
//! clears, stay quiet through the cooldown), written in one batch with the webhook
//! notifications it owes.

use super::config::PolicySection;
use crate::domain::alert_rules::{Finding, Observation, RuleSpec, evaluate};
use crate::domain::alerts::{AlertState, OpenAlert, Severity, Step, step};
use crate::store::ops::{AlertRow, Op};
use crate::store::queries::alert_inputs::InputClock;
use crate::store::queries::alerts_admin::StoredAlert;
use crate::store::{Store, StoreError, WriteBatch};
use chrono_tz::Tz;
use std::collections::HashMap;

/// Who resolves an alert whose condition cleared.
pub const ENGINE: &str = "agentdeck";

/// A webhook target as the engine needs it: its name and the least severity it wants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub name: String,
    pub min_severity: Severity,
}

/// What one evaluation did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Evaluation {
    /// Every finding, crossing now (new or already open).
    pub findings: Vec<Finding>,
    pub fired: Vec<(String, String)>,
    pub resolved: Vec<(String, String)>,
    pub cooling_down: Vec<(String, String)>,
    /// Rules that could not be measured, with the reason.
    pub problems: Vec<String>,
}

/// What one evaluation reads, from whichever store holds the team's data.
#[derive(Debug, Clone, Default)]
pub struct Inputs {
    /// Alerts not resolved (firing, acked, snoozed).
    pub open: Vec<StoredAlert>,
    /// The latest resolution per (rule, subject), for cooldowns.
    pub resolutions: HashMap<(String, String), i64>,
    /// Per enabled rule, in order: its observations, or why it could not be measured.
    pub observations: Vec<Result<Vec<Observation>, String>>,
}

#[derive(Debug, Clone)]
pub struct Engine {
    pub rules: Vec<RuleSpec>,
    pub policy: PolicySection,
    pub targets: Vec<Target>,
    pub tz: Tz,
}

impl Engine {
    /// The measurements' clock at `now_ms` (the zone's month edges, the `[policy]`).
    pub fn input_clock(&self, now_ms: i64) -> InputClock {
        InputClock {
            approved_agents: self.policy.approved_agents.clone(),
            approved_models: self.policy.approved_models.clone(),
            ..InputClock::at(now_ms, self.tz)
        }
    }

    /// Evaluates every rule at `now_ms` over the SQLite store; with `record`, stores the
    /// transitions (otherwise only reports what would happen).
    pub fn evaluate_once(
        &self,
        store: &Store,
        now_ms: i64,
        record: bool,
    ) -> Result<Evaluation, StoreError> {
        let reader = store.reader()?;
        let clock = self.input_clock(now_ms);
        let open = reader.alerts(&[AlertState::Firing, AlertState::Acked, AlertState::Snoozed])?;
        let inputs = Inputs {
            open,
            resolutions: reader.last_resolutions()?,
            observations: self
                .rules
                .iter()
                .filter(|r| r.enabled)
                .map(|r| reader.observations(r, &clock).map_err(|e| e.to_string()))
                .collect(),
        };
        let (ops, out) = self.plan(inputs, now_ms);
        if record {
            store.writer().apply_blocking(WriteBatch {
                ops,
                ..WriteBatch::default()
            })?;
        }
        Ok(out)
    }

    /// The one lifecycle decision, whatever the backend: from the open alerts, the last
    /// resolutions and each enabled rule's observations, the ops that move every (rule,
    /// subject) on, and a report of what they do. `inputs.observations` holds one entry per
    /// enabled rule, in order.
    pub fn plan(&self, inputs: Inputs, now_ms: i64) -> (Vec<Op>, Evaluation) {
        let mut open: HashMap<(String, String), &StoredAlert> = HashMap::new();
        for a in &inputs.open {
            if a.row.resolved_at.is_none() && a.row.state != AlertState::Resolved {
                open.entry((a.row.rule.clone(), a.row.subject.clone()))
                    .or_insert(a);
            }
        }
        let mut out = Evaluation::default();
        let mut ops = vec![Op::WakeSnoozed { now: now_ms }];
        let rules = self.rules.iter().filter(|r| r.enabled);
        for (rule, observations) in rules.zip(inputs.observations) {
            let observations = match observations {
                Ok(o) => o,
                Err(e) => {
                    out.problems.push(format!("{}: {e}", rule.name));
                    continue;
                }
            };
            let mut crossing: HashMap<String, Finding> = HashMap::new();
            for obs in &observations {
                if let Some(f) = evaluate(rule, obs) {
                    crossing.insert(f.subject.clone(), f);
                }
            }
            let mut subjects: Vec<String> = crossing.keys().cloned().collect();
            subjects.extend(
                open.keys()
                    .filter(|(r, s)| r == &rule.name && !crossing.contains_key(s))
                    .map(|(_, s)| s.clone()),
            );
            subjects.sort();
            for subject in subjects {
                let key = (rule.name.clone(), subject.clone());
                let finding = crossing.remove(&subject);
                let stored = open.get(&key).copied();
                let s = step(
                    finding.is_some(),
                    stored.map(|a| OpenAlert {
                        id: a.id,
                        state: a.row.state,
                    }),
                    inputs.resolutions.get(&key).copied(),
                    rule.cooldown_ms,
                    now_ms,
                );
                match (s, finding) {
                    (Step::Fire, Some(f)) => {
                        ops.push(Op::FireAlert(AlertRow::firing(&f, now_ms)));
                        ops.push(
                            self.notify(&f.rule, &f.subject, f.severity, now_ms, "fired", now_ms),
                        );
                        out.fired.push(key);
                        out.findings.push(f);
                    }
                    (Step::Update(id), Some(f)) => {
                        ops.push(Op::UpdateAlert {
                            id,
                            value: f.value,
                            threshold: f.threshold,
                            message: f.message.clone(),
                            at: now_ms,
                        });
                        out.findings.push(f);
                    }
                    (Step::Resolve(id), _) => {
                        ops.push(Op::ResolveAlert {
                            id,
                            at: now_ms,
                            by: Some(ENGINE.into()),
                            note: Some("condition cleared".into()),
                        });
                        if let Some(a) = stored {
                            ops.push(self.notify(
                                &a.row.rule,
                                &a.row.subject,
                                a.row.severity,
                                a.row.fired_at,
                                "resolved",
                                now_ms,
                            ));
                        }
                        out.resolved.push(key);
                    }
                    (Step::CoolingDown, Some(f)) => {
                        out.cooling_down.push(key);
                        out.findings.push(f);
                    }
                    _ => {}
                }
            }
        }
        ops.retain(|op| !matches!(op, Op::QueueDeliveries { targets, .. } if targets.is_empty()));
        (ops, out)
    }

    fn notify(
        &self,
        rule: &str,
        subject: &str,
        severity: Severity,
        fired_at: i64,
        event: &str,
        now: i64,
    ) -> Op {
        Op::QueueDeliveries {
            rule: rule.into(),
            subject: subject.into(),
            fired_at,
            event: event.into(),
            targets: self
                .targets
                .iter()
                .filter(|t| severity.rank() >= t.min_severity.rank())
                .map(|t| t.name.clone())
                .collect(),
            at: now,
        }
    }
}
