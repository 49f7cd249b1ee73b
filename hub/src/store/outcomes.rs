//! Recording attempt outcomes: append the attempt, move the delivery on, clear its lease; all
//! in one transaction, and only while the reporting worker still holds the lease. Also the
//! verification verdict that follows a delivery (confirmed or silent failure).

use chrono::{DateTime, Utc};

use super::{
    AttemptOutcome, AttemptRecord, DeliveryState, OutcomeReport, StaleRecord, Store, StoreError,
    Verification, on_backend,
};

const OPERATION: &str = "record outcomes";
const VERIFY: &str = "record verification";

impl Store {
    /// Applies `records` in one transaction. A record whose delivery is no longer `in_flight`
    /// under that worker's lease (a handler that ran twice, or a lease another worker has
    /// since taken) changes nothing and is reported in [`OutcomeReport::stale`]. A lease that
    /// has expired but not yet been swept still counts: nobody else holds the delivery. Worker
    /// ids must therefore be unique per running worker.
    pub async fn record_outcomes(&self, records: &[AttemptRecord]) -> Result<OutcomeReport, StoreError> {
        let now = Utc::now();
        on_backend!(self, |pool, Db, begin| {
            let mut tx = pool.begin_with(begin).await.map_err(StoreError::query(OPERATION))?;
            let mut report = OutcomeReport::default();
            for record in records {
                let next_attempt_at = match &record.outcome {
                    AttemptOutcome::Retry { next_attempt_at, .. } => Some(*next_attempt_at),
                    _ => None,
                };
                let downstream_id = match &record.outcome {
                    AttemptOutcome::Delivered { downstream_id } => downstream_id.as_deref(),
                    _ => None,
                };
                let number: Option<i64> = sqlx::query_scalar(
                    "UPDATE deliveries \
                     SET state = $1, attempts = attempts + 1, \
                         next_attempt_at = COALESCE($2, next_attempt_at), \
                         lease_owner = NULL, lease_until = NULL, last_reason = $3, \
                         downstream_id = COALESCE($4, downstream_id), updated_at = $5 \
                     WHERE id = $6 AND state = 'in_flight' AND lease_owner = $7 \
                     RETURNING attempts",
                )
                .bind(record.outcome.next_state().as_str())
                .bind(next_attempt_at)
                .bind(record.outcome.reason())
                .bind(downstream_id)
                .bind(now)
                .bind(&record.delivery_id)
                .bind(&record.worker_id)
                .fetch_optional(&mut *tx)
                .await
                .map_err(StoreError::query(OPERATION))?;

                let Some(number) = number else {
                    let found: Option<(String, Option<String>)> =
                        sqlx::query_as("SELECT state, lease_owner FROM deliveries WHERE id = $1")
                            .bind(&record.delivery_id)
                            .fetch_optional(&mut *tx)
                            .await
                            .map_err(StoreError::query(OPERATION))?;
                    let (found_state, found_lease_owner) = match found {
                        Some((state, owner)) => (DeliveryState::parse(&state), owner),
                        None => (None, None),
                    };
                    tracing::warn!(
                        delivery_id = %record.delivery_id,
                        worker_id = %record.worker_id,
                        found_state = found_state.map(DeliveryState::as_str),
                        "ignored an attempt record: the delivery is no longer leased to this worker"
                    );
                    report.stale.push(StaleRecord {
                        delivery_id: record.delivery_id.clone(),
                        worker_id: record.worker_id.clone(),
                        found_state,
                        found_lease_owner,
                    });
                    continue;
                };

                sqlx::query(
                    "INSERT INTO attempts (delivery_id, number, worker_id, started_at, \
                         finished_at, outcome, http_status, code, summary) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                )
                .bind(&record.delivery_id)
                .bind(number)
                .bind(&record.worker_id)
                .bind(record.started_at)
                .bind(record.finished_at)
                .bind(record.outcome.kind().as_str())
                .bind(record.http_status.map(i32::from))
                .bind(&record.code)
                .bind(&record.summary)
                .execute(&mut *tx)
                .await
                .map_err(StoreError::query(OPERATION))?;
                report.recorded += 1;
            }
            tx.commit().await.map_err(StoreError::query(OPERATION))?;
            Ok(report)
        })
    }

    /// Records what reading a `delivered` delivery back found. Returns false (and changes
    /// nothing) when the delivery is not `delivered`, e.g. a verification job that ran twice.
    pub async fn record_verification(
        &self,
        delivery_id: &str,
        verdict: &Verification,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let reason = match verdict {
            Verification::Confirmed => None,
            Verification::SilentFailure { reason } => Some(reason.as_str()),
        };
        on_backend!(self, |pool, Db, begin| {
            let updated = sqlx::query(
                "UPDATE deliveries SET state = $1, last_reason = COALESCE($2, last_reason), \
                     updated_at = $3 \
                 WHERE id = $4 AND state = 'delivered'",
            )
            .bind(verdict.next_state().as_str())
            .bind(reason)
            .bind(now)
            .bind(delivery_id)
            .execute(pool)
            .await
            .map_err(StoreError::query(VERIFY))?;
            Ok(updated.rows_affected() == 1)
        })
    }
}
