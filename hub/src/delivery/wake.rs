//! Waking systems: after ingest commits (coalesced over the system's linger), on the sweeper's
//! tick, after a redrive. A wake tops a system's queue up to `concurrency` live jobs, so there
//! are enough workers on a backlog and never a pile of redundant jobs.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use super::lane::SystemLane;
use crate::queue::{JobCause, JobQueue, QueueError, ScheduledJob};

/// Pushes jobs so that `system` has `concurrency` live jobs. Returns how many were pushed.
pub async fn top_up(
    queue: &JobQueue,
    system: &str,
    concurrency: usize,
    cause: JobCause,
) -> Result<usize, QueueError> {
    let live = usize::try_from(queue.live_jobs(system).await?).unwrap_or(usize::MAX);
    let missing = concurrency.saturating_sub(live);
    if missing > 0 {
        queue.push((0..missing).map(|_| ScheduledJob::now(system, cause)).collect()).await?;
    }
    Ok(missing)
}

/// Wakes systems after ingest. Each system lingers `delivery.linger_ms` after the first commit
/// before its jobs are pushed, so the deliveries of many small requests share one batch.
#[derive(Debug, Clone)]
pub struct Waker {
    queue: JobQueue,
    systems: Arc<BTreeMap<String, WakeSettings>>,
}

#[derive(Debug)]
struct WakeSettings {
    linger: Duration,
    concurrency: usize,
    /// A wake is already scheduled: later commits ride on it.
    armed: AtomicBool,
}

impl Waker {
    pub fn new<'a>(queue: JobQueue, lanes: impl IntoIterator<Item = &'a SystemLane>) -> Self {
        let systems = lanes
            .into_iter()
            .map(|lane| {
                let settings = WakeSettings {
                    linger: lane.delivery.linger(),
                    concurrency: lane.delivery.concurrency,
                    armed: AtomicBool::new(false),
                };
                (lane.system.clone(), settings)
            })
            .collect();
        Self { queue, systems: Arc::new(systems) }
    }

    /// New deliveries to `system` were committed. Systems without a lane are ignored (their
    /// deliveries wait in the ledger). Must be called inside the tokio runtime.
    pub fn committed(&self, system: &str) {
        let Some(settings) = self.systems.get(system) else { return };
        if settings.armed.swap(true, Ordering::AcqRel) {
            return;
        }
        let waker = self.clone();
        let system = system.to_owned();
        tokio::spawn(async move {
            let Some(settings) = waker.systems.get(&system) else { return };
            // Linger: the one deliberate wait, so that concurrent requests fill one batch.
            tokio::time::sleep(settings.linger).await;
            settings.armed.store(false, Ordering::Release);
            if let Err(err) = top_up(&waker.queue, &system, settings.concurrency, JobCause::Ingest).await {
                // The sweeper finds the due deliveries on its next tick.
                tracing::warn!(%system, error = %err, "could not wake the system after ingest");
            }
        });
    }
}
