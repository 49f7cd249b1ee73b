//! Recording attempt outcomes: append the attempt, move the delivery on, clear its lease; all
//! in one transaction, and only while the reporting worker still holds the lease. Also the
//! verification verdict that follows a delivery (confirmed or silent failure).

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use sqlx::QueryBuilder;

use super::{
    AttemptOutcome, AttemptRecord, DeliveryState, OutcomeReport, Pool, StaleRecord, Store, StoreError,
    Verification, on_backend, on_writer,
};

const OPERATION: &str = "record outcomes";
/// Records per statement: 5 binds each in the attempts' insert (9 on PostgreSQL), 7 in the
/// update, well under SQLite's and PostgreSQL's bind limits.
const RECORDS_PER_STATEMENT: usize = 500;
const VERIFY: &str = "record verification";

/// Appends to `$update` (a `QueryBuilder<$db>`) the statement that moves `$chunk`'s deliveries
/// on, where still leased to `$owner` (every record of a chunk has the same worker), returning
/// the id and attempt count of each delivery it moved. A macro so that one text serves both
/// backends' builders.
macro_rules! push_delivery_update {
    ($update:expr, $chunk:expr, $owner:expr, $now:expr) => {{
        let update = $update;
        // The worker is bound once, not once a row: on SQLite every bound text is a copy the
        // writer's thread frees (see `BatchRun`).
        update.push("WITH c (owner) AS (VALUES (");
        update.push_bind($owner.to_owned());
        update.push(")), v (id, state, next_at, reason, downstream_id, verify_at, verify_deadline) AS (");
        update.push_values($chunk, |mut row, record: &AttemptRecord| {
            let next_attempt_at = match &record.outcome {
                AttemptOutcome::Retry { next_attempt_at, .. } => Some(*next_attempt_at),
                _ => None,
            };
            let downstream_id = match &record.outcome {
                AttemptOutcome::Delivered { downstream_id } => downstream_id.clone(),
                _ => None,
            };
            row.push_bind(record.delivery_id.clone())
                .push_bind(record.outcome.next_state().as_str())
                .push_bind(next_attempt_at)
                .push_bind(record.outcome.reason().map(str::to_owned))
                .push_bind(downstream_id)
                .push_bind(record.verify.map(|window| window.first_check_at))
                .push_bind(record.verify.map(|window| window.deadline));
        });
        update.push(
            // A paused or aborted wave's delivery to be retried is held instead.
            ") UPDATE deliveries SET state = CASE WHEN v.state = 'pending' AND deliveries.wave IS NOT NULL \
             AND deliveries.wave NOT IN (SELECT name FROM waves WHERE state = 'running') THEN 'held' \
             ELSE v.state END, attempts = deliveries.attempts + 1, \
             next_attempt_at = COALESCE(v.next_at, deliveries.next_attempt_at), \
             lease_owner = NULL, lease_until = NULL, last_reason = v.reason, \
             downstream_id = COALESCE(v.downstream_id, deliveries.downstream_id), \
             ticket = NULL, verify_at = v.verify_at, verify_deadline = v.verify_deadline, \
             updated_at = ",
        );
        update.push_bind($now);
        update.push(
            " FROM v CROSS JOIN c WHERE deliveries.id = v.id AND deliveries.state = 'in_flight' \
             AND deliveries.lease_owner = c.owner RETURNING deliveries.id, deliveries.attempts",
        );
    }};
}

/// The attempt rows' columns.
const ATTEMPT_COLUMNS: &str =
    "delivery_id, number, worker_id, started_at, finished_at, outcome, http_status, code, summary";

/// Pushes onto `$row` one record's values for the attempt columns that differ between the
/// records of a [`BatchRun`]: `outcome`, `http_status`, `code` and `summary`.
macro_rules! push_attempt_values {
    ($row:expr, $record:expr) => {{
        let record: &AttemptRecord = $record;
        $row.push_bind(record.outcome.kind().as_str())
            .push_bind(record.http_status.map(i32::from))
            .push_bind(record.code.clone())
            .push_bind(record.summary.clone());
    }};
}

/// Consecutive records of one worker's step, which share its worker id and its times: those are
/// bound once per statement, not once per row. A delivery step's records are one run.
///
/// Why: on SQLite each bound text is an allocation made on the task's thread and freed on the
/// writer connection's thread. A whole-system profile of a 50,000-user migration put a quarter
/// of the writer thread's CPU in `mi_free`, half of it the atomic hand-back of blocks another
/// thread owns; the writer's thread is the ledger's bottleneck.
struct BatchRun<'a> {
    owner: &'a str,
    started_at: DateTime<Utc>,
    finished_at: DateTime<Utc>,
    records: &'a [AttemptRecord],
}

/// `records` split into [`BatchRun`]s of at most [`RECORDS_PER_STATEMENT`] records.
fn batch_runs(records: &[AttemptRecord]) -> Vec<BatchRun<'_>> {
    let same_run = |a: &AttemptRecord, b: &AttemptRecord| {
        a.worker_id == b.worker_id && a.started_at == b.started_at && a.finished_at == b.finished_at
    };
    records
        .chunk_by(same_run)
        .flat_map(|run| run.chunks(RECORDS_PER_STATEMENT))
        .map(|records| BatchRun {
            owner: &records[0].worker_id,
            started_at: records[0].started_at,
            finished_at: records[0].finished_at,
            records,
        })
        .collect()
}

impl Store {
    /// Applies `records` in one transaction. A record whose delivery is no longer `in_flight`
    /// under that worker's lease (a handler that ran twice, or a lease another worker has
    /// since taken) changes nothing and is reported in [`OutcomeReport::stale`]. A lease that
    /// has expired but not yet been swept still counts: nobody else holds the delivery. Worker
    /// ids must therefore be unique per running worker.
    ///
    /// A batch's records take one multi-row `UPDATE … FROM (VALUES …)` and one multi-row
    /// `INSERT` per [`RECORDS_PER_STATEMENT`], not two statements per record: recording is on
    /// every batch's path, and per-row statements made it the slowest step on SQLite. On
    /// SQLite the whole transaction is one command to the writer (see `writer.rs`).
    pub async fn record_outcomes(&self, records: &[AttemptRecord]) -> Result<OutcomeReport, StoreError> {
        let now = Utc::now();
        let applied = match &self.pool {
            Pool::Sqlite { write, .. } => {
                let mut transaction = QueryBuilder::<sqlx::Sqlite>::new("BEGIN IMMEDIATE; ");
                for run in batch_runs(records) {
                    // The attempts first, numbered from the delivery as it is before the
                    // update, under the same lease condition the update checks.
                    transaction.push("WITH c (owner, started_at, finished_at) AS (VALUES (");
                    transaction
                        .separated(", ")
                        .push_bind(run.owner.to_owned())
                        .push_bind(run.started_at)
                        .push_bind(run.finished_at);
                    transaction.push(")), v (id, outcome, http_status, code, summary) AS (");
                    transaction.push_values(run.records, |mut row, record| {
                        row.push_bind(record.delivery_id.clone());
                        push_attempt_values!(row, record);
                    });
                    transaction.push(format!(
                        ") INSERT INTO attempts ({ATTEMPT_COLUMNS}) \
                         SELECT v.id, d.attempts + 1, c.owner, c.started_at, c.finished_at, v.outcome, \
                             v.http_status, v.code, v.summary \
                         FROM v CROSS JOIN c JOIN deliveries d ON d.id = v.id \
                         WHERE d.state = 'in_flight' AND d.lease_owner = c.owner; "
                    ));
                    push_delivery_update!(&mut transaction, run.records, run.owner, now);
                    transaction.push("; ");
                }
                transaction.push("COMMIT");
                let moved: Vec<(String, i64)> = write
                    .lock()
                    .await
                    .fetch_all_as_one_command(transaction.build_query_as())
                    .await
                    .map_err(StoreError::query(OPERATION))?;
                moved.into_iter().map(|(id, _)| id).collect::<HashSet<String>>()
            }
            Pool::Postgres(pool) => {
                let mut connection =
                    pool.acquire().await.map_err(StoreError::query("acquire a connection"))?;
                let mut tx =
                    sqlx::Connection::begin(&mut *connection).await.map_err(StoreError::query(OPERATION))?;
                let mut applied = HashSet::new();
                for run in batch_runs(records) {
                    let mut update = QueryBuilder::<sqlx::Postgres>::new("");
                    push_delivery_update!(&mut update, run.records, run.owner, now);
                    let moved: Vec<(String, i64)> = update
                        .build_query_as()
                        .fetch_all(&mut *tx)
                        .await
                        .map_err(StoreError::query(OPERATION))?;
                    let numbers: HashMap<&str, i64> =
                        moved.iter().map(|(id, attempts)| (id.as_str(), *attempts)).collect();
                    let recorded: Vec<(&AttemptRecord, i64)> = run
                        .records
                        .iter()
                        .filter_map(|record| {
                            numbers.get(record.delivery_id.as_str()).map(|number| (record, *number))
                        })
                        .collect();
                    if !recorded.is_empty() {
                        let mut insert = QueryBuilder::<sqlx::Postgres>::new(format!(
                            "INSERT INTO attempts ({ATTEMPT_COLUMNS}) "
                        ));
                        insert.push_values(&recorded, |mut row, (record, number)| {
                            row.push_bind(record.delivery_id.clone())
                                .push_bind(*number)
                                .push_bind(record.worker_id.clone())
                                .push_bind(record.started_at)
                                .push_bind(record.finished_at);
                            push_attempt_values!(row, record);
                        });
                        insert.build().execute(&mut *tx).await.map_err(StoreError::query(OPERATION))?;
                    }
                    applied.extend(moved.into_iter().map(|(id, _)| id));
                }
                tx.commit().await.map_err(StoreError::query(OPERATION))?;
                applied
            }
        };

        let mut report = OutcomeReport { recorded: 0, stale: Vec::new() };
        for record in records {
            if applied.contains(&record.delivery_id) {
                report.recorded += 1;
                continue;
            }
            // Rare (a step that outlived its lease): looked up after the transaction, from the
            // readers, only to say what the ledger had moved on to.
            let found: Option<(String, Option<String>)> = on_backend!(self, |pool, Db, begin| {
                sqlx::query_as("SELECT state, lease_owner FROM deliveries WHERE id = $1")
                    .bind(&record.delivery_id)
                    .fetch_optional(pool)
                    .await
                    .map_err(StoreError::query(OPERATION))
            })?;
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
        }
        Ok(report)
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
        on_writer!(self, |pool, Db, begin| {
            let updated = sqlx::query(
                "UPDATE deliveries SET state = $1, last_reason = COALESCE($2, last_reason), \
                     verify_at = NULL, verify_deadline = NULL, updated_at = $3 \
                 WHERE id = $4 AND state = 'delivered'",
            )
            .bind(verdict.next_state().as_str())
            .bind(reason)
            .bind(now)
            .bind(delivery_id)
            .execute(&mut *pool)
            .await
            .map_err(StoreError::query(VERIFY))?;
            Ok(updated.rows_affected() == 1)
        })
    }
}
