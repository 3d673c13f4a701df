//! Writing alerts: firing, the lifecycle actions (ack, snooze, resolve), copies of a team
//! server's alerts, the outbox of actions to send it, and webhook deliveries. An action on
//! a missing or resolved alert is refused with an [`OpError`](super::OpError).
//! One function per [`Op`](super::Op) variant; the variant says what it does.

use super::{AlertRow, OpError, refuse};
use crate::domain::UnixMillis;
use crate::domain::alert_rules::Unit;
use rusqlite::{OptionalExtension, Transaction, params};

pub(super) fn fire_alert(tx: &Transaction<'_>, a: &AlertRow) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "INSERT INTO alerts (rule, subject, severity, state, value, threshold, message, fired_at,
             acked_at, acked_by, note, snoozed_until, resolved_at, unit, resolved_by,
             resolve_note, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?8)
         ON CONFLICT (rule, subject, fired_at) DO NOTHING",
    )?
    .execute(params![
        a.rule,
        a.subject,
        a.severity.as_str(),
        a.state.as_str(),
        a.value,
        a.threshold,
        a.message,
        a.fired_at,
        a.acked_at,
        a.acked_by,
        a.note,
        a.snoozed_until,
        a.resolved_at,
        a.unit.map(Unit::as_str),
        a.resolved_by,
        a.resolve_note
    ])?;
    Ok(())
}

pub(super) fn ack_alert(
    tx: &Transaction<'_>,
    id: &i64,
    by: &str,
    note: &str,
    at: &UnixMillis,
) -> rusqlite::Result<()> {
    open_alert(tx, *id, "acknowledged")?;
    tx.prepare_cached(
        "UPDATE alerts SET state = 'acked', acked_at = ?2, acked_by = ?3, note = ?4,
             snoozed_until = NULL, updated_at = max(updated_at + 1, ?2) WHERE id = ?1",
    )?
    .execute(params![id, at, by, (!note.is_empty()).then_some(note)])?;
    outbox(tx, *id, "ack", Some(note), None, *at)?;
    Ok(())
}

pub(super) fn snooze_alert(
    tx: &Transaction<'_>,
    id: &i64,
    until: &UnixMillis,
    by: &str,
) -> rusqlite::Result<()> {
    open_alert(tx, *id, "snoozed")?;
    tx.prepare_cached(
        "UPDATE alerts SET state = 'snoozed', snoozed_until = ?2, acked_by = ?3,
             updated_at = max(updated_at + 1, ?4) WHERE id = ?1",
    )?
    .execute(params![
        id,
        until,
        by,
        chrono::Utc::now().timestamp_millis()
    ])?;
    outbox(
        tx,
        *id,
        "snooze",
        None,
        Some(*until),
        chrono::Utc::now().timestamp_millis(),
    )?;
    Ok(())
}

pub(super) fn resolve_alert(
    tx: &Transaction<'_>,
    id: &i64,
    at: &UnixMillis,
    by: &Option<String>,
    note: &Option<String>,
) -> rusqlite::Result<()> {
    state_of(tx, *id)?.ok_or_else(|| refuse(OpError::UnknownAlert(*id)))?;
    tx.prepare_cached(
        "UPDATE alerts SET state = 'resolved', resolved_at = coalesce(resolved_at, ?2),
             resolved_by = coalesce(resolved_by, ?3), resolve_note = coalesce(resolve_note, ?4),
             snoozed_until = NULL, updated_at = max(updated_at + 1, ?2) WHERE id = ?1",
    )?
    .execute(params![id, at, by, note])?;
    outbox(tx, *id, "resolve", note.as_deref(), None, *at)?;
    Ok(())
}

pub(super) fn upsert_remote_alert(
    tx: &Transaction<'_>,
    origin: &str,
    remote_id: &i64,
    a: &AlertRow,
    updated_at: &UnixMillis,
) -> rusqlite::Result<()> {
    // One parameter list for both statements: the server's copy replaces ours, or is added.
    let (severity, state, unit) = (
        a.severity.as_str(),
        a.state.as_str(),
        a.unit.map(Unit::as_str),
    );
    let row = params![
        origin,
        remote_id,
        a.rule,
        a.subject,
        severity,
        state,
        a.value,
        a.threshold,
        a.message,
        a.fired_at,
        a.acked_at,
        a.acked_by,
        a.note,
        a.snoozed_until,
        a.resolved_at,
        unit,
        a.resolved_by,
        a.resolve_note,
        updated_at
    ];
    let changed = tx
        .prepare_cached(
            "UPDATE alerts SET rule = ?3, subject = ?4, severity = ?5, state = ?6, value = ?7,
                 threshold = ?8, message = ?9, fired_at = ?10, acked_at = ?11, acked_by = ?12,
                 note = ?13, snoozed_until = ?14, resolved_at = ?15, unit = ?16,
                 resolved_by = ?17, resolve_note = ?18, updated_at = ?19
             WHERE origin = ?1 AND remote_id = ?2",
        )?
        .execute(row)?;
    if changed == 0 {
        tx.prepare_cached(
            "INSERT OR IGNORE INTO alerts (origin, remote_id, rule, subject, severity, state, value,
                 threshold, message, fired_at, acked_at, acked_by, note, snoozed_until, resolved_at,
                 unit, resolved_by, resolve_note, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)",
        )?
        .execute(row)?;
    }
    Ok(())
}

pub(super) fn clear_outbox(tx: &Transaction<'_>, id: &i64) -> rusqlite::Result<()> {
    tx.prepare_cached("DELETE FROM alert_outbox WHERE id = ?1")?
        .execute([id])?;
    Ok(())
}

pub(super) fn update_alert(
    tx: &Transaction<'_>,
    id: &i64,
    value: &f64,
    threshold: &f64,
    message: &str,
    at: &UnixMillis,
) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "UPDATE alerts SET value = ?2, threshold = ?3, message = ?4, updated_at = ?5
         WHERE id = ?1 AND state <> 'resolved'",
    )?
    .execute(params![id, value, threshold, message, at])?;
    Ok(())
}

pub(super) fn queue_deliveries(
    tx: &Transaction<'_>,
    rule: &str,
    subject: &str,
    fired_at: &UnixMillis,
    event: &str,
    targets: &[String],
    at: &UnixMillis,
) -> rusqlite::Result<()> {
    for target in targets {
        tx.prepare_cached(
            "INSERT INTO alert_deliveries (alert_id, target, event, state, created_at, updated_at)
             SELECT id, ?4, ?5, 'pending', ?6, ?6 FROM alerts
             WHERE rule = ?1 AND subject = ?2 AND fired_at = ?3
             ON CONFLICT (alert_id, target, event) DO NOTHING",
        )?
        .execute(params![rule, subject, fired_at, target, event, at])?;
    }
    Ok(())
}

pub(super) fn record_delivery(
    tx: &Transaction<'_>,
    id: &i64,
    state: &str,
    attempts: &i64,
    error: &Option<String>,
    at: &UnixMillis,
) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "UPDATE alert_deliveries SET state = ?2, attempts = ?3, last_error = ?4, updated_at = ?5
         WHERE id = ?1",
    )?
    .execute(params![id, state, attempts, error, at])?;
    Ok(())
}

pub(super) fn wake_snoozed(tx: &Transaction<'_>, now: &UnixMillis) -> rusqlite::Result<()> {
    // Consoles syncing a team server pull alerts by `updated_at`: waking moves it.
    tx.prepare_cached(
        "UPDATE alerts SET state = 'firing', snoozed_until = NULL,
             updated_at = max(updated_at + 1, ?1)
         WHERE state = 'snoozed' AND snoozed_until IS NOT NULL AND snoozed_until <= ?1",
    )?
    .execute([now])?;
    Ok(())
}

/// Queues an action taken here on an alert owned by a team server, to be sent to it.
fn outbox(
    tx: &Transaction<'_>,
    id: i64,
    action: &str,
    note: Option<&str>,
    until: Option<UnixMillis>,
    at: UnixMillis,
) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "INSERT INTO alert_outbox (origin, remote_id, action, note, until_ms, created_at)
         SELECT origin, remote_id, ?2, ?3, ?4, ?5 FROM alerts WHERE id = ?1 AND remote_id IS NOT NULL",
    )?
    .execute(params![id, action, note.filter(|n| !n.is_empty()), until, at])?;
    Ok(())
}

fn state_of(tx: &Transaction<'_>, id: i64) -> rusqlite::Result<Option<String>> {
    tx.prepare_cached("SELECT state FROM alerts WHERE id = ?1")?
        .query_row([id], |r| r.get(0))
        .optional()
}

/// The alert exists and is not resolved.
fn open_alert(tx: &Transaction<'_>, id: i64, verb: &'static str) -> rusqlite::Result<()> {
    match state_of(tx, id)?.as_deref() {
        None => Err(refuse(OpError::UnknownAlert(id))),
        Some("resolved") => Err(refuse(OpError::AlertResolved(id, verb))),
        Some(_) => Ok(()),
    }
}
