//! Verification by read-back in the ledger: `delivered` deliveries with a `verify_at` are due
//! for a check; a checker claims them by pushing `verify_at` past its own deadline (a lease
//! without an owner: a checker that dies leaves them due again), reads back, and records a
//! verdict, a later check, or why it gave up.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::QueryBuilder;

use super::{Store, StoreError, Verification, on_backend};

const CLAIM: &str = "claim due verifications";
const APPLY: &str = "record verification steps";
const HAS_DUE: &str = "look for due verifications";

/// PostgreSQL: lock the due rows, skipping rows another checker holds, then push them back.
const CLAIM_POSTGRES: &str = "\
    WITH due AS ( \
        SELECT id FROM deliveries \
        WHERE system = $1 AND verify_at <= $2 AND state = 'delivered' \
        ORDER BY verify_at LIMIT $3 \
        FOR UPDATE SKIP LOCKED) \
    UPDATE deliveries d SET verify_at = $4 FROM due WHERE d.id = due.id RETURNING d.id";

/// SQLite: one statement under the single writer lock.
const CLAIM_SQLITE: &str = "\
    UPDATE deliveries SET verify_at = $4 \
    WHERE id IN ( \
        SELECT id FROM deliveries \
        WHERE system = $1 AND verify_at <= $2 AND state = 'delivered' \
        ORDER BY verify_at LIMIT $3) \
    RETURNING id";

/// A delivered delivery whose expectations are to be read back now.
#[derive(Clone, sqlx::FromRow)]
pub struct DueVerification {
    pub delivery_id: String,
    pub mapping: String,
    pub event_id: String,
    /// The event's data (personal data: never log it), what expectations are computed from.
    pub data: Value,
    /// From then on, an expectation that does not hold is a silent failure.
    pub deadline: DateTime<Utc>,
}

impl std::fmt::Debug for DueVerification {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DueVerification")
            .field("delivery_id", &self.delivery_id)
            .field("mapping", &self.mapping)
            .field("deadline", &self.deadline)
            .finish_non_exhaustive()
    }
}

/// What one check of a delivery came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VerificationStep {
    /// A verdict: the delivery becomes `confirmed` or `silent_failure`.
    Verdict(Verification),
    /// Not settled yet: check again then.
    CheckAgainAt(DateTime<Utc>),
    /// Verification cannot run (e.g. the downstream refuses the read-back query): the
    /// delivery stays `delivered`, with the reason.
    GiveUp { reason: String },
}

impl Store {
    /// Takes up to `limit` of `system`'s verifications due at `now`, holding them for `hold`
    /// (another checker sees them again after that), with their events' data.
    pub async fn claim_verifications(
        &self,
        system: &str,
        limit: u32,
        hold: Duration,
        now: DateTime<Utc>,
    ) -> Result<Vec<DueVerification>, StoreError> {
        let hold = chrono::Duration::from_std(hold).unwrap_or(chrono::Duration::MAX);
        let held_until = now.checked_add_signed(hold).unwrap_or(DateTime::<Utc>::MAX_UTC);
        let claim_sql = match self.backend() {
            super::Backend::Sqlite => CLAIM_SQLITE,
            super::Backend::Postgres => CLAIM_POSTGRES,
        };
        on_backend!(self, |pool, Db, begin| {
            let mut tx = pool.begin_with(begin).await.map_err(StoreError::query(CLAIM))?;
            let ids: Vec<String> = sqlx::query_scalar(claim_sql)
                .bind(system)
                .bind(now)
                .bind(i64::from(limit))
                .bind(held_until)
                .fetch_all(&mut *tx)
                .await
                .map_err(StoreError::query(CLAIM))?;
            let mut due = Vec::with_capacity(ids.len());
            for chunk in ids.chunks(500) {
                let mut select = QueryBuilder::<Db>::new(
                    "SELECT d.id AS delivery_id, d.mapping, e.event_id, e.data, \
                         COALESCE(d.verify_deadline, d.updated_at) AS deadline \
                     FROM deliveries d JOIN events e ON e.id = d.event_row WHERE d.id IN (",
                );
                let mut list = select.separated(", ");
                for id in chunk {
                    list.push_bind(id.clone());
                }
                select.push(")");
                let rows: Vec<DueVerification> =
                    select.build_query_as().fetch_all(&mut *tx).await.map_err(StoreError::query(CLAIM))?;
                due.extend(rows);
            }
            tx.commit().await.map_err(StoreError::query(CLAIM))?;
            due.sort_by(|a, b| a.delivery_id.cmp(&b.delivery_id));
            Ok(due)
        })
    }

    /// Applies each delivery's verification step in one transaction; only deliveries still
    /// `delivered` change (a verdict recorded twice, or a redriven delivery, is left alone).
    /// Returns how many applied.
    pub async fn apply_verification_steps(
        &self,
        steps: &[(String, VerificationStep)],
        now: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        if steps.is_empty() {
            return Ok(0);
        }
        on_backend!(self, |pool, Db, begin| {
            let mut tx = pool.begin_with(begin).await.map_err(StoreError::query(APPLY))?;
            let mut applied = 0;
            for (delivery_id, step) in steps {
                let query = match step {
                    VerificationStep::Verdict(verdict) => {
                        let reason = match verdict {
                            Verification::Confirmed => None,
                            Verification::SilentFailure { reason } => Some(reason.clone()),
                        };
                        sqlx::query(
                            "UPDATE deliveries SET state = $1, last_reason = COALESCE($2, last_reason), \
                                 verify_at = NULL, verify_deadline = NULL, updated_at = $3 \
                             WHERE id = $4 AND state = 'delivered'",
                        )
                        .bind(verdict.next_state().as_str())
                        .bind(reason)
                    }
                    VerificationStep::CheckAgainAt(at) => sqlx::query(
                        "UPDATE deliveries SET verify_at = $1, updated_at = $2 \
                         WHERE id = $3 AND state = 'delivered' AND verify_at IS NOT NULL",
                    )
                    .bind(*at),
                    VerificationStep::GiveUp { reason } => sqlx::query(
                        "UPDATE deliveries SET verify_at = NULL, verify_deadline = NULL, last_reason = $1, \
                             updated_at = $2 \
                         WHERE id = $3 AND state = 'delivered'",
                    )
                    .bind(format!("not verified: {reason}")),
                };
                let updated = query
                    .bind(now)
                    .bind(delivery_id)
                    .execute(&mut *tx)
                    .await
                    .map_err(StoreError::query(APPLY))?;
                applied += updated.rows_affected();
            }
            tx.commit().await.map_err(StoreError::query(APPLY))?;
            Ok(applied)
        })
    }

    /// Whether `system` has a verification due at `now` (one seek on a partial index).
    pub async fn has_verification_due(&self, system: &str, now: DateTime<Utc>) -> Result<bool, StoreError> {
        on_backend!(self, |pool, Db, begin| {
            let found: Option<i32> = sqlx::query_scalar(
                "SELECT 1 FROM deliveries \
                 WHERE system = $1 AND verify_at <= $2 AND verify_at IS NOT NULL AND state = 'delivered' \
                 LIMIT 1",
            )
            .bind(system)
            .bind(now)
            .fetch_optional(pool)
            .await
            .map_err(StoreError::query(HAS_DUE))?;
            Ok(found.is_some())
        })
    }
}
