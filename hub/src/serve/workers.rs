//! The delivery side of `serve`: the apalis workers (one per configured system) and the
//! sweeper, started with the server and stopped with it, handing back what they still hold.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use ulid::Ulid;

use super::stopped;
use crate::config::HubConfig;
use crate::delivery::{Deliverer, InFlight, Sweeper, SweptSystem, SystemLane};
use crate::metrics::HubMetrics;
use crate::queue::{JobQueue, QueueWorker};
use crate::store::Store;

/// The running workers and sweeper of this process.
#[derive(Debug)]
pub(super) struct DeliveryWorkers {
    store: Store,
    process_id: String,
    tasks: Vec<JoinHandle<()>>,
    in_flight: InFlight,
    shutdown_timeout: Duration,
}

impl DeliveryWorkers {
    /// Starts them, unless `workers.enabled` is false (an ingest-only hub), in which case
    /// nothing runs here and other hubs on the same database drain the deliveries.
    pub(super) fn start(
        config: &HubConfig,
        store: Store,
        queue: JobQueue,
        lanes: Vec<SystemLane>,
        metrics: HubMetrics,
        stopping: watch::Receiver<bool>,
    ) -> Self {
        // Unique per process start: leases and apalis worker names carry it.
        let process_id = format!("hub-{}-{}", std::process::id(), Ulid::generate());
        let shutdown_timeout = config.workers.shutdown_timeout.get();
        let mut running = Self {
            store: store.clone(),
            process_id: process_id.clone(),
            tasks: Vec::new(),
            in_flight: InFlight::default(),
            shutdown_timeout,
        };
        if !config.workers.enabled {
            if config.uses_postgres() {
                tracing::info!(
                    "workers.enabled = false: this hub only ingests; other hubs on the database deliver"
                );
            } else {
                // Nobody else can reach this SQLite file: nothing will deliver until a hub
                // with workers runs on it.
                tracing::warn!(
                    "workers.enabled = false on SQLite: deliveries wait until a hub with workers runs"
                );
            }
            return running;
        }
        for lane in &lanes {
            tracing::info!(system = %lane.system, concurrency = lane.delivery.concurrency,
                batch_size = lane.delivery.batch_size, "delivering");
        }
        let sweeper = Sweeper {
            store: store.clone(),
            queue: queue.clone(),
            systems: lanes
                .iter()
                .map(|lane| SweptSystem {
                    system: lane.system.clone(),
                    concurrency: lane.delivery.concurrency,
                })
                .collect(),
            interval: config.workers.sweep_interval.get(),
            keep_finished_jobs: config.workers.keep_finished_jobs.get(),
            metrics: metrics.clone(),
        };
        running.tasks.push(tokio::spawn(sweeper.run(stopping.clone())));

        let workers: Vec<QueueWorker> = lanes
            .iter()
            .map(|lane| QueueWorker {
                system: lane.system.clone(),
                concurrency: lane.delivery.concurrency,
                fetch_batch: lane.delivery.concurrency,
                name: format!("{process_id}-{}", lane.system),
            })
            .collect();
        let deliverer = Deliverer::new(store, lanes, process_id, config.workers.lease.get(), metrics)
            .with_queue(queue.clone());
        running.in_flight = deliverer.in_flight().clone();
        running.tasks.push(tokio::spawn(async move {
            if let Err(err) =
                queue.run_workers(workers, Arc::new(deliverer), stopped(stopping), shutdown_timeout).await
            {
                tracing::error!(error = %err, "delivery workers stopped");
            }
        }));
        running
    }

    /// Waits for the workers and the sweeper to stop (the stop signal was sent) and for the
    /// batches in flight to be recorded (up to `workers.shutdown_timeout`), then hands back
    /// every delivery this process still holds, due at once and with no attempt spent.
    pub(super) async fn stop(self) {
        for task in self.tasks {
            let _ = task.await;
        }
        let unfinished = self.in_flight.wait_idle(self.shutdown_timeout).await;
        if unfinished > 0 {
            tracing::warn!(
                unfinished,
                "stopping with batches still in flight; their deliveries are handed back"
            );
        }
        match self.store.release_leases_held_by(&self.process_id, Utc::now()).await {
            Ok(0) => {}
            Ok(released) => tracing::info!(released, "handed back deliveries still in flight"),
            Err(err) => {
                tracing::warn!(error = %err, "could not hand back in-flight deliveries; their leases expire")
            }
        }
    }
}
