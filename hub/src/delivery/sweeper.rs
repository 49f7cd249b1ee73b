//! The sweeper: on every tick, hands back leases that expired (a worker died or hung), wakes
//! every system whose due deliveries (or due verifications) have no job (a crash between commit and push, a retry
//! job that fired early, a redrive), deletes finished queue jobs and updates the queue gauge.
//! It is what makes a lost job harmless: the ledger, not the queue, is the source of truth.

use std::panic::AssertUnwindSafe;
use std::time::Duration;

use chrono::Utc;
use futures_util::FutureExt;
use tokio::sync::watch;

use super::wake::top_up;
use crate::metrics::HubMetrics;
use crate::queue::{JobCause, JobQueue};
use crate::store::Store;

/// One system the sweeper watches, with how many jobs it may run at once.
#[derive(Debug, Clone)]
pub struct SweptSystem {
    pub system: String,
    pub concurrency: usize,
}

/// What the sweeper does and how often.
#[derive(Debug, Clone)]
pub struct Sweeper {
    pub store: Store,
    pub queue: JobQueue,
    pub systems: Vec<SweptSystem>,
    pub interval: Duration,
    pub keep_finished_jobs: Duration,
    pub metrics: HubMetrics,
}

/// What one sweep did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SweepReport {
    pub leases_released: u64,
    pub jobs_pushed: usize,
    pub jobs_purged: u64,
}

impl Sweeper {
    /// One sweep now. Errors are logged and the rest of the sweep goes on.
    pub async fn sweep(&self) -> SweepReport {
        self.sweep_at(Utc::now()).await
    }

    /// One sweep as of `now` (tests pass a clock ahead of the wall clock).
    pub async fn sweep_at(&self, now: chrono::DateTime<Utc>) -> SweepReport {
        let mut report = SweepReport::default();
        match self.store.release_expired_leases(now).await {
            Ok(released) => {
                if released > 0 {
                    tracing::info!(released, "released expired leases");
                }
                report.leases_released = released;
            }
            Err(err) => tracing::warn!(error = %err, "sweeper could not release expired leases"),
        }
        for swept in &self.systems {
            let system = swept.system.as_str();
            let due = match self.store.has_due(system, now).await {
                Ok(false) => self.store.has_verification_due(system, now).await,
                other => other,
            };
            match due {
                Ok(true) => match top_up(&self.queue, system, swept.concurrency, JobCause::Sweep).await {
                    Ok(pushed) => report.jobs_pushed += pushed,
                    Err(err) => tracing::warn!(%system, error = %err, "sweeper could not wake the system"),
                },
                Ok(false) => {}
                Err(err) => {
                    tracing::warn!(%system, error = %err, "sweeper could not look for due deliveries")
                }
            }
        }
        match self.queue.purge_finished(self.keep_finished_jobs).await {
            Ok(purged) => report.jobs_purged = purged,
            Err(err) => tracing::warn!(error = %err, "sweeper could not delete finished jobs"),
        }
        match self.queue.pending_jobs().await {
            Ok(pending) => self.metrics.queue_jobs(pending),
            Err(err) => tracing::warn!(error = %err, "sweeper could not count queue jobs"),
        }
        report
    }

    /// Sweeps at once and then every `interval` until `stop` turns true.
    pub async fn run(self, mut stop: watch::Receiver<bool>) {
        let mut ticks = tokio::time::interval(self.interval);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = ticks.tick() => {
                    // The sweeper is the safety net for every lost job: a bug in one sweep must
                    // not end it.
                    if AssertUnwindSafe(self.sweep()).catch_unwind().await.is_err() {
                        tracing::error!("a sweep failed unexpectedly; sweeping again at the next tick");
                    }
                }
                changed = stop.changed() => {
                    if changed.is_err() || *stop.borrow() {
                        return;
                    }
                }
            }
        }
    }
}
