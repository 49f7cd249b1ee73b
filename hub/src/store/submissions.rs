//! Deliveries handed to the downstream for asynchronous processing (a Bulk API job): they
//! leave the worker's lease as `submitted`, with the adapter's ticket, and come due again
//! when the result is to be collected. No attempt is spent until the result is in.

use chrono::Utc;

use super::{Store, StoreError, Submission, on_writer};

const SUBMIT: &str = "record submitted deliveries";

impl Store {
    /// Moves each submission's delivery from `in_flight` (under that worker's lease) to
    /// `submitted` with its ticket, due at `check_at`. Returns how many applied; like
    /// [`Store::record_outcomes`], a delivery whose lease was lost meanwhile is left alone.
    pub async fn submit(&self, submissions: &[Submission]) -> Result<u64, StoreError> {
        if submissions.is_empty() {
            return Ok(0);
        }
        let now = Utc::now();
        on_writer!(self, |pool, Db, begin| {
            let mut tx = pool.begin_with(begin).await.map_err(StoreError::query(SUBMIT))?;
            let mut applied = 0;
            for submission in submissions {
                let updated = sqlx::query(
                    "UPDATE deliveries \
                     SET state = 'submitted', ticket = $1, next_attempt_at = $2, lease_owner = NULL, \
                         lease_until = NULL, updated_at = $3 \
                     WHERE id = $4 AND state = 'in_flight' AND lease_owner = $5",
                )
                .bind(&submission.ticket)
                .bind(submission.check_at)
                .bind(now)
                .bind(&submission.delivery_id)
                .bind(&submission.worker_id)
                .execute(&mut *tx)
                .await
                .map_err(StoreError::query(SUBMIT))?;
                applied += updated.rows_affected();
            }
            tx.commit().await.map_err(StoreError::query(SUBMIT))?;
            Ok(applied)
        })
    }
}
