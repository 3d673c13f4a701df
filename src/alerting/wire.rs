//! The alert wire shapes between a team server and the consoles that sync from it
//! (`GET /api/v1/alerts`, `POST /api/v1/alerts/{id}/{ack|snooze|resolve}`), shared by
//! both sides.

use crate::domain::alert_rules::Unit;
use crate::domain::alerts::{AlertState, Severity};
use crate::store::ops::AlertRow;
use crate::store::queries::alerts_admin::StoredAlert;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RemoteAlert {
    pub id: i64,
    pub rule: String,
    pub subject: String,
    pub severity: String,
    pub state: String,
    pub value: Option<f64>,
    pub threshold: Option<f64>,
    pub unit: Option<String>,
    pub message: String,
    pub fired_at: i64,
    pub acked_at: Option<i64>,
    pub acked_by: Option<String>,
    pub note: Option<String>,
    pub snoozed_until: Option<i64>,
    pub resolved_at: Option<i64>,
    pub resolved_by: Option<String>,
    pub resolve_note: Option<String>,
    pub updated_at: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AlertsPage {
    pub alerts: Vec<RemoteAlert>,
    /// Ask again with `since` = this.
    pub next_since: i64,
}

/// The body of an action.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AlertAction {
    #[serde(default)]
    pub note: Option<String>,
    /// Snooze: until when (unix ms).
    #[serde(default)]
    pub until_ms: Option<i64>,
}

impl RemoteAlert {
    pub fn of(a: &StoredAlert, updated_at: i64) -> RemoteAlert {
        let r = &a.row;
        RemoteAlert {
            id: a.id,
            rule: r.rule.clone(),
            subject: r.subject.clone(),
            severity: r.severity.as_str().into(),
            state: r.state.as_str().into(),
            value: r.value,
            threshold: r.threshold,
            unit: r.unit.map(|u| u.as_str().to_string()),
            message: r.message.clone(),
            fired_at: r.fired_at,
            acked_at: r.acked_at,
            acked_by: r.acked_by.clone(),
            note: r.note.clone(),
            snoozed_until: r.snoozed_until,
            resolved_at: r.resolved_at,
            resolved_by: r.resolved_by.clone(),
            resolve_note: r.resolve_note.clone(),
            updated_at,
        }
    }

    /// The stored row (unknown severities and states fall back to warning and firing).
    pub fn row(&self) -> AlertRow {
        AlertRow {
            rule: self.rule.clone(),
            subject: self.subject.clone(),
            severity: Severity::parse(&self.severity).unwrap_or_default(),
            state: AlertState::parse(&self.state).unwrap_or_default(),
            value: self.value,
            threshold: self.threshold,
            message: self.message.clone(),
            fired_at: self.fired_at,
            acked_at: self.acked_at,
            acked_by: self.acked_by.clone(),
            note: self.note.clone(),
            snoozed_until: self.snoozed_until,
            resolved_at: self.resolved_at,
            unit: self.unit.as_deref().and_then(Unit::parse),
            resolved_by: self.resolved_by.clone(),
            resolve_note: self.resolve_note.clone(),
        }
    }
}
