//! The webhook queue of a team server on PostgreSQL: each pending notification is claimed
//! with `FOR UPDATE SKIP LOCKED` on a connection of its own and held while it is sent, so
//! several `serve` instances on one database never send the same one twice; sending,
//! payloads and retries are `alerting::webhook`'s, as on SQLite.

use super::alerts::{COLUMNS, stored};
use super::{PgError, PgStore, connect_one};
use crate::alerting::webhook::{DeliveryReport, RetryPolicy, Webhook, send};
use crate::store::queries::alerts_admin::Delivery;

impl PgStore {
    /// Is any notification waiting (a cheap look before a connection is opened to send)?
    async fn any_pending(&self) -> Result<bool, PgError> {
        let row = self
            .reader()
            .await?
            .query_one(
                "SELECT EXISTS (SELECT 1 FROM alert_deliveries WHERE state = 'pending')",
                &[],
            )
            .await?;
        Ok(row.try_get(0)?)
    }

    /// Sends every pending notification, one claimed row at a time. The claim is a row
    /// lock held until the outcome is committed: a `serve` that dies while sending
    /// releases it with its connection, and another instance sends the notification.
    pub async fn deliver_pending(
        &self,
        hooks: &[Webhook],
        client: &reqwest::Client,
        policy: RetryPolicy,
    ) -> Result<DeliveryReport, PgError> {
        let mut report = DeliveryReport::default();
        if !self.any_pending().await? {
            return Ok(report);
        }
        // A connection of its own: the claim stays open while webhooks answer (seconds
        // with retries), which must not hold one of the write connections.
        let mut conn = connect_one(&self.url).await?;
        loop {
            let tx = conn.transaction().await?;
            let Some(claim) = tx
                .query_opt(
                    "SELECT id, alert_id, target, event, state, attempts, last_error
                     FROM alert_deliveries WHERE state = 'pending'
                     ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED",
                    &[],
                )
                .await?
            else {
                break;
            };
            let alert_id: i64 = claim.try_get(1)?;
            let alert = tx
                .query_one(
                    &format!("SELECT {COLUMNS} FROM alerts WHERE id = $1"),
                    &[&alert_id],
                )
                .await?;
            let d = Delivery {
                id: claim.try_get(0)?,
                target: claim.try_get(2)?,
                event: claim.try_get(3)?,
                state: claim.try_get(4)?,
                attempts: claim.try_get(5)?,
                last_error: claim.try_get(6)?,
                alert: stored(&alert)?,
            };
            let outcome = send(&d, hooks, client, policy).await;
            let at = chrono::Utc::now().timestamp_millis();
            tx.execute(
                "UPDATE alert_deliveries SET state = $2, attempts = $3, last_error = $4,
                     updated_at = $5 WHERE id = $1",
                &[
                    &d.id,
                    &outcome.state(),
                    &outcome.attempts,
                    &outcome.error,
                    &at,
                ],
            )
            .await?;
            tx.commit().await?;
            report.count(&outcome);
        }
        Ok(report)
    }
}
