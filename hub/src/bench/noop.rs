//! The baseline: raw apalis throughput of no-op jobs on the hub's own queue set-up (same
//! store, same apalis configuration and workarounds), pushed in bulk and drained by one worker.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde::Serialize;
use tokio::sync::Notify;
use ulid::Ulid;

use crate::ingest::BoxFuture;
use crate::queue::{DeliveryJob, JobCause, JobHandler, JobQueue, QueueError, QueueWorker, ScheduledJob};
use crate::store::Store;

/// How often the idle worker polls (the hub's benchmark configuration uses the same).
const POLL: Duration = Duration::from_millis(10);

/// Jobs pushed per bulk push.
const PUSH_CHUNK: usize = 1_000;

/// What the baseline measured.
#[derive(Debug, Clone, Serialize)]
pub struct NoopFigures {
    pub jobs: usize,
    pub concurrency: usize,
    pub fetch_batch: usize,
    pub poll_interval_ms: u64,
    pub push_per_second: f64,
    pub drain_seconds: f64,
    pub drain_per_second: f64,
}

/// Counts jobs and says when the last one ran.
#[derive(Debug)]
struct NoopHandler {
    done: AtomicUsize,
    target: usize,
    finished: Notify,
}

impl JobHandler for NoopHandler {
    fn handle(&self, _job: DeliveryJob) -> BoxFuture<'_, ()> {
        Box::pin(async move {
            if self.done.fetch_add(1, Ordering::AcqRel) + 1 == self.target {
                self.finished.notify_one();
            }
        })
    }
}

/// Pushes `jobs` no-op jobs, then drains them with `concurrency` and times both.
pub async fn measure(
    store: &Store,
    jobs: usize,
    concurrency: usize,
    fetch_batch: usize,
) -> Result<NoopFigures, QueueError> {
    let prefix = format!("bench{}", Ulid::generate().to_string().to_lowercase());
    let queue = JobQueue::open(store, &prefix, POLL).await?;
    let pushing = Instant::now();
    let mut left = jobs;
    while left > 0 {
        let chunk = left.min(PUSH_CHUNK);
        queue.push((0..chunk).map(|_| ScheduledJob::now("noop", JobCause::Ingest)).collect()).await?;
        left -= chunk;
    }
    let push_seconds = pushing.elapsed().as_secs_f64();

    let handler = Arc::new(NoopHandler { done: AtomicUsize::new(0), target: jobs, finished: Notify::new() });
    let worker =
        QueueWorker { system: "noop".into(), concurrency, fetch_batch, name: format!("{prefix}-noop") };
    let draining = Instant::now();
    let finished = {
        let handler = Arc::clone(&handler);
        async move { handler.finished.notified().await }
    };
    let dyn_handler: Arc<dyn JobHandler> = handler.clone();
    queue.run_workers(vec![worker], dyn_handler, finished, Duration::from_secs(10)).await?;
    let drain_seconds = draining.elapsed().as_secs_f64();
    let _ = queue.purge_finished(Duration::ZERO).await;
    queue.close().await;
    Ok(NoopFigures {
        jobs,
        concurrency,
        fetch_batch,
        poll_interval_ms: POLL.as_millis() as u64,
        push_per_second: jobs as f64 / push_seconds,
        drain_seconds,
        drain_per_second: jobs as f64 / drain_seconds,
    })
}
