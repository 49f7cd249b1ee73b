//! `[workers]`: the delivery workers of this process, their leases, the sweeper and the queue.

use std::time::Duration;

use serde::Deserialize;

use super::duration::HumanDuration;

/// `[workers]`: how this process drains the ledger.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WorkersConfig {
    /// Run delivery workers (and the sweeper) in this process. Default true; `false` makes an
    /// ingest-only hub whose deliveries are drained by other hubs on the same database.
    pub enabled: bool,
    /// How long a claimed batch is held before another worker may take it over (a worker that
    /// died or hung). Longer than any adapter call can take. Default `"60s"`.
    pub lease: HumanDuration,
    /// How often the sweeper releases expired leases and wakes systems whose due deliveries
    /// have no job (a crash between commit and enqueue, a retry job that fired early).
    /// Default `"5s"`.
    pub sweep_interval: HumanDuration,
    /// How often an idle worker looks for new jobs, on SQLite and PostgreSQL alike.
    /// Default `"100ms"`.
    pub poll_interval: HumanDuration,
    /// How long a stopping hub waits for batches in flight; what is still leased then is
    /// handed back to `pending` without spending an attempt. Default `"30s"`.
    pub shutdown_timeout: HumanDuration,
    /// Prefix of the queue names (`<prefix>.deliveries.<system>`). Hubs that share one
    /// database and split the work use the same prefix. Default `"switchyard"`.
    pub queue_prefix: String,
    /// Finished queue jobs are deleted after this long, so the queue tables stay small.
    /// Default `"10m"`.
    pub keep_finished_jobs: HumanDuration,
}

impl Default for WorkersConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            lease: HumanDuration::from_secs(60),
            sweep_interval: HumanDuration::from_secs(5),
            poll_interval: HumanDuration::from_millis(100),
            shutdown_timeout: HumanDuration::from_secs(30),
            queue_prefix: "switchyard".to_owned(),
            keep_finished_jobs: HumanDuration::from_secs(600),
        }
    }
}

/// Longest lease, sweep or poll interval: anything longer hides a dead worker for hours.
const MAX_INTERVAL: Duration = Duration::from_secs(3600);
/// Longest shutdown wait or job retention.
const MAX_KEEP: Duration = Duration::from_secs(30 * 24 * 3600);

impl WorkersConfig {
    /// Every problem with these settings, as (key, rule).
    pub(super) fn problems(&self) -> Vec<(&'static str, &'static str)> {
        let mut problems = Vec::new();
        for (key, value) in [
            ("workers.lease", self.lease),
            ("workers.sweep_interval", self.sweep_interval),
            ("workers.poll_interval", self.poll_interval),
        ] {
            if value.get().is_zero() {
                problems.push((key, "must be greater than zero"));
            } else if value.get() > MAX_INTERVAL {
                problems.push((key, "must be at most 1h"));
            }
        }
        for (key, value) in [
            ("workers.shutdown_timeout", self.shutdown_timeout),
            ("workers.keep_finished_jobs", self.keep_finished_jobs),
        ] {
            if value.get() > MAX_KEEP {
                problems.push((key, "must be at most 30d"));
            }
        }
        let prefix_ok = !self.queue_prefix.is_empty()
            && self.queue_prefix.len() <= 64
            && self.queue_prefix.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
        if !prefix_ok {
            problems.push(("workers.queue_prefix", "must be 1 to 64 of a-z, A-Z, 0-9, '-', '_', '.'"));
        }
        problems
    }
}
