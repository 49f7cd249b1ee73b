//! The job queue: apalis on the ledger's own database (apalis-sqlite or apalis-postgres). Only
//! this module knows apalis.
//!
//! How the hub uses it, and why (see `shared/reference/apalis-1.0-notes.md`):
//!
//! - A job says "system S has work due" ([`DeliveryJob`]): ids only, never records. The
//!   handler claims up to one batch of S's due deliveries from the ledger under a lease, so a
//!   job that runs twice, or a job whose work another worker already took, claims nothing and
//!   does no harm. One job per batch, not per record, keeps the queue far below its limits.
//! - One queue per system (`<prefix>.deliveries.<system>`), each drained by its own apalis
//!   worker with the system's `concurrency`: a slow downstream never holds up another.
//! - The handler always returns `Ok`: apalis re-fetches a failed job immediately and strands
//!   SQLite jobs on `RetryAfterError`, so retries are never apalis's. The ledger records each
//!   attempt's outcome and a retry is a *new* job pushed for its time ([`ScheduledJob::at`]).
//! - The sweeper (in `delivery`) covers every job that was lost or fired early: it wakes a
//!   system whenever due deliveries are waiting, so a crash between commit and push loses
//!   nothing.
//! - Workers poll at `workers.poll_interval` (a fetch query per idle worker per interval) with
//!   a timer of our own ([`poll`]: apalis's interval strategy can miss its next tick); the
//!   queue names are always set explicitly, never apalis's default (the Rust type name).
//! - Finished jobs are deleted regularly ([`JobQueue::purge_finished`]) so the tables stay
//!   small, and [`setup`] applies the two query-plan workarounds after apalis's migrations.

mod job;
mod poll;
mod setup;
mod workers;

use std::time::Duration;

use apalis::prelude::{TaskBuilder, TaskSink};
use apalis_postgres::PostgresStorage;
use apalis_sqlite::SqliteStorage;
use chrono::{DateTime, Utc};
use futures_util::stream;
use sqlx::{PgPool, SqlitePool};

pub use job::{DeliveryJob, JobCause, ScheduledJob};
pub use workers::{JobHandler, QueueWorker};

use crate::store::Store;

/// Why the queue failed; each names what was being done.
#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    #[error("setting up the queue failed at: {step}")]
    Setup { step: &'static str, source: Box<dyn std::error::Error + Send + Sync> },
    #[error("pushing {count} job(s) to queue {queue} failed")]
    Push { queue: String, count: usize, source: Box<dyn std::error::Error + Send + Sync> },
    #[error("the queue could not {operation}")]
    Query { operation: &'static str, source: sqlx::Error },
    #[error("the delivery workers stopped with an error: {0}")]
    Workers(String),
}

/// `duration` before now; the earliest representable time if that is further back.
fn ago(duration: Duration) -> DateTime<Utc> {
    chrono::Duration::from_std(duration)
        .ok()
        .and_then(|duration| Utc::now().checked_sub_signed(duration))
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// Default of [`JobQueue::with_stale_after`]: twice the default lease.
const DEFAULT_STALE_AFTER: Duration = Duration::from_secs(120);

/// The queue, on the same database as the ledger. Cheap to clone.
#[derive(Debug, Clone)]
pub struct JobQueue {
    pool: QueuePool,
    prefix: String,
    poll_interval: Duration,
    /// A job fetched but not started for longer than this is taken for a dead worker's.
    stale_after: Duration,
}

#[derive(Debug, Clone)]
enum QueuePool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

impl JobQueue {
    /// Sets apalis up in the ledger's database (its migrations and our workarounds) and returns
    /// the queue. `prefix` namespaces the queue names; `poll_interval` is how often an idle
    /// worker looks for jobs.
    pub async fn open(store: &Store, prefix: &str, poll_interval: Duration) -> Result<Self, QueueError> {
        let pool = if let Some(pool) = store.sqlite_pool() {
            setup::sqlite(pool).await?;
            QueuePool::Sqlite(pool.clone())
        } else if let Some(pool) = store.postgres_pool() {
            QueuePool::Postgres(setup::postgres(pool).await?)
        } else {
            unreachable!("a store holds either a SQLite or a PostgreSQL pool")
        };
        Ok(Self { pool, prefix: prefix.to_owned(), poll_interval, stale_after: DEFAULT_STALE_AFTER })
    }

    /// How long a fetched job may wait for its worker before it is taken for a dead worker's:
    /// the hub passes twice its lease (no job of a live worker waits longer for a permit).
    pub fn with_stale_after(mut self, stale_after: Duration) -> Self {
        self.stale_after = stale_after;
        self
    }

    /// What every queue name of this hub starts with. Compared with `substr`, not `LIKE`:
    /// a `_` in the prefix must not match another hub's queues.
    fn own_queues(&self) -> String {
        format!("{}.deliveries.", self.prefix)
    }

    /// The queue that carries `system`'s jobs.
    pub fn queue_name(&self, system: &str) -> String {
        format!("{}{system}", self.own_queues())
    }

    /// Pushes `jobs` (grouped per system queue, one bulk push each).
    pub async fn push(&self, jobs: Vec<ScheduledJob>) -> Result<(), QueueError> {
        let mut by_queue: std::collections::BTreeMap<String, Vec<ScheduledJob>> = Default::default();
        for job in jobs {
            by_queue.entry(self.queue_name(&job.job.system)).or_default().push(job);
        }
        for (queue, jobs) in by_queue {
            let count = jobs.len();
            let tasks: Vec<_> = jobs
                .into_iter()
                .map(|scheduled| {
                    let at = scheduled.run_at_unix();
                    let builder = TaskBuilder::new(scheduled.job);
                    match at {
                        Some(at) => builder.run_at_timestamp(at).build(),
                        None => builder.build(),
                    }
                })
                .collect();
            let failed = |source: Box<dyn std::error::Error + Send + Sync>| QueueError::Push {
                queue: queue.clone(),
                count,
                source,
            };
            match &self.pool {
                QueuePool::Sqlite(pool) => {
                    let mut storage = self.sqlite_storage(pool, &queue, 1);
                    storage
                        .push_all(stream::iter(tasks))
                        .await
                        .map_err(|err| failed(err.to_string().into()))?;
                }
                QueuePool::Postgres(pool) => {
                    let mut storage = self.postgres_storage(pool, &queue, 1);
                    storage
                        .push_all(stream::iter(tasks))
                        .await
                        .map_err(|err| failed(err.to_string().into()))?;
                }
            }
        }
        Ok(())
    }

    /// Closes the queue's own connections (PostgreSQL; on SQLite it shares the ledger's pool).
    pub async fn close(&self) {
        if let QueuePool::Postgres(pool) = &self.pool {
            pool.close().await;
        }
    }

    /// Jobs of this hub's queues not yet finished (waiting, scheduled or running).
    pub async fn pending_jobs(&self) -> Result<u64, QueueError> {
        let own = self.own_queues();
        let count: i64 = match &self.pool {
            QueuePool::Sqlite(pool) => {
                sqlx::query_scalar(
                    "SELECT COUNT(*) FROM Jobs \
                 WHERE substr(job_type, 1, length(?1)) = ?1 AND status IN ('Pending', 'Queued', 'Running')",
                )
                .bind(own.clone())
                .fetch_one(pool)
                .await
            }
            QueuePool::Postgres(pool) => {
                sqlx::query_scalar(
                    "SELECT COUNT(*) FROM apalis.jobs \
                 WHERE substr(job_type, 1, length($1)) = $1 AND status IN ('Pending', 'Queued', 'Running')",
                )
                .bind(own.clone())
                .fetch_one(pool)
                .await
            }
        }
        .map_err(|source| QueueError::Query { operation: "count pending jobs", source })?;
        Ok(u64::try_from(count).unwrap_or(0))
    }

    /// Jobs of `system`'s queue that will claim from the ledger soon: due and not yet fetched,
    /// or fetched by a worker within `stale_after` and not yet started. Running jobs have
    /// claimed already, and scheduled future retries are not due. A job fetched longer ago is
    /// not counted: its worker most likely died (a killed hub leaves its fetched jobs behind),
    /// and counting it would keep top-ups from ever waking the system. Top-ups count these so
    /// they never pile jobs up.
    pub async fn live_jobs(&self, system: &str) -> Result<u64, QueueError> {
        let queue = self.queue_name(system);
        let fetched_since = ago(self.stale_after);
        let count: i64 = match &self.pool {
            QueuePool::Sqlite(pool) => {
                sqlx::query_scalar(
                    "SELECT COUNT(*) FROM Jobs WHERE job_type = ?1 \
                     AND ((status = 'Pending' AND run_at <= ?2) OR (status = 'Queued' AND lock_at >= ?3))",
                )
                .bind(queue)
                .bind(Utc::now().timestamp())
                .bind(fetched_since.timestamp())
                .fetch_one(pool)
                .await
            }
            QueuePool::Postgres(pool) => {
                sqlx::query_scalar(
                    "SELECT COUNT(*) FROM apalis.jobs WHERE job_type = $1 \
                     AND ((status = 'Pending' AND run_at <= now()) OR (status = 'Queued' AND lock_at >= $2))",
                )
                .bind(queue)
                .bind(fetched_since)
                .fetch_one(pool)
                .await
            }
        }
        .map_err(|source| QueueError::Query { operation: "count live jobs", source })?;
        Ok(u64::try_from(count).unwrap_or(0))
    }

    /// Deletes this hub's jobs that finished more than `older_than` ago, and jobs a dead
    /// worker left fetched or running (untouched for ten times `stale_after`). Returns how
    /// many. Every job's effect is in the ledger, so such a job holds nothing worth keeping;
    /// the sweeper has long since woken its system again.
    pub async fn purge_finished(&self, older_than: Duration) -> Result<u64, QueueError> {
        let own = self.own_queues();
        let (finished_before, abandoned_before) = (ago(older_than), ago(self.stale_after.saturating_mul(10)));
        let purge = "(((status IN ('Done', 'Killed') OR (status = 'Failed' AND attempts >= max_attempts)) \
                     AND done_at < {finished}) \
                     OR (status IN ('Queued', 'Running') AND lock_at < {abandoned}))";
        let deleted = match &self.pool {
            QueuePool::Sqlite(pool) => {
                let purge = purge.replace("{finished}", "?2").replace("{abandoned}", "?3");
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "DELETE FROM Jobs WHERE substr(job_type, 1, length(?1)) = ?1 AND {purge}"
                )))
                .bind(own.clone())
                .bind(finished_before.timestamp())
                .bind(abandoned_before.timestamp())
                .execute(pool)
                .await
                .map(|done| done.rows_affected())
            }
            QueuePool::Postgres(pool) => {
                let purge = purge.replace("{finished}", "$2").replace("{abandoned}", "$3");
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "DELETE FROM apalis.jobs WHERE substr(job_type, 1, length($1)) = $1 AND {purge}"
                )))
                .bind(own.clone())
                .bind(finished_before)
                .bind(abandoned_before)
                .execute(pool)
                .await
                .map(|done| done.rows_affected())
            }
        }
        .map_err(|source| QueueError::Query { operation: "delete finished jobs", source })?;
        Ok(deleted)
    }

    fn sqlite_storage(
        &self,
        pool: &SqlitePool,
        queue: &str,
        fetch_batch: usize,
    ) -> SqliteStorage<DeliveryJob> {
        let config = apalis_sqlite::Config::default().queue(queue).batch_size(fetch_batch.max(1));
        SqliteStorage::new(pool).with_config(config)
    }

    fn postgres_storage(
        &self,
        pool: &PgPool,
        queue: &str,
        fetch_batch: usize,
    ) -> PostgresStorage<DeliveryJob> {
        let config = apalis_postgres::Config::default().queue(queue).batch_size(fetch_batch.max(1));
        PostgresStorage::new(pool).with_config(config)
    }
}
