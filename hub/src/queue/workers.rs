//! Running the apalis workers: one per system queue, with the system's concurrency, under a
//! `Monitor` that restarts a worker whose backend failed, until a shutdown signal.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use apalis::prelude::{BackendExt, BoxDynError, Data, Monitor, WorkerBuilder, WorkerBuilderExt};

use super::poll::Ticks;
use apalis_postgres::PostgresStorage;
use apalis_sqlite::SqliteStorage;

use super::{DeliveryJob, JobQueue, QueueError, QueuePool};
use crate::ingest::BoxFuture;

/// What runs a job. Implementations record every outcome in the ledger and push their own
/// follow-up jobs; they never fail the job (apalis would re-run it at once).
pub trait JobHandler: Send + Sync + 'static {
    fn handle(&self, job: DeliveryJob) -> BoxFuture<'_, ()>;
}

/// One system queue to drain, with how many of its jobs may run at once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueWorker {
    pub system: String,
    pub concurrency: usize,
    /// Jobs fetched (and locked to this worker) per poll. apalis fetches at most this many per
    /// `poll_interval`, so it caps the worker at `fetch_batch / poll_interval` jobs a second;
    /// more than `concurrency` only holds jobs another hub could run.
    pub fetch_batch: usize,
    /// Unique per process and system: apalis registers workers by name.
    pub name: String,
}

async fn run_job(job: DeliveryJob, handler: Data<Arc<dyn JobHandler>>) -> Result<(), BoxDynError> {
    handler.handle(job).await;
    Ok(())
}

impl JobQueue {
    /// Runs a worker per entry of `workers` until `shutdown` resolves, then waits up to
    /// `shutdown_timeout` for running jobs to finish.
    pub async fn run_workers(
        &self,
        workers: Vec<QueueWorker>,
        handler: Arc<dyn JobHandler>,
        shutdown: impl Future<Output = ()> + Send + 'static,
        shutdown_timeout: Duration,
    ) -> Result<(), QueueError> {
        if workers.is_empty() {
            shutdown.await;
            return Ok(());
        }
        let mut monitor = Monitor::new()
            .should_restart(|worker, error| {
                tracing::warn!(worker = worker.name(), error = %error, "queue worker failed; restarting it");
                true
            })
            .shutdown_timeout(shutdown_timeout);
        for worker in workers {
            let queue = self.queue_name(&worker.system);
            let handler = Arc::clone(&handler);
            let poll = self.poll_interval;
            let concurrency = worker.concurrency.max(1);
            let name = worker.name.clone();
            monitor = match &self.pool {
                QueuePool::Sqlite(pool) => {
                    let storage: SqliteStorage<DeliveryJob> =
                        self.sqlite_storage(pool, &queue, worker.fetch_batch);
                    monitor.register(move |restarts| {
                        WorkerBuilder::new(format!("{name}-r{restarts}"))
                            .backend(storage.clone().poll_with_strategy(Ticks::new(poll)))
                            .concurrency(concurrency)
                            .data(Arc::clone(&handler))
                            .build(run_job)
                    })
                }
                QueuePool::Postgres(pool) => {
                    let storage: PostgresStorage<DeliveryJob> =
                        self.postgres_storage(pool, &queue, worker.fetch_batch);
                    monitor.register(move |restarts| {
                        WorkerBuilder::new(format!("{name}-r{restarts}"))
                            .backend(storage.clone().poll_with_strategy(Ticks::new(poll)))
                            .concurrency(concurrency)
                            .data(Arc::clone(&handler))
                            .build(run_job)
                    })
                }
            };
        }
        monitor
            .run_with_signal(async move {
                shutdown.await;
                Ok(())
            })
            .await
            .map_err(|err| QueueError::Workers(err.to_string()))
    }
}
