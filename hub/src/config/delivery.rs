//! `[delivery]` and `[circuit]`: batching, retry and circuit defaults, and the per-system
//! overrides of `[systems.<id>.delivery]` / `[systems.<id>.circuit]`.

use std::time::Duration;

use serde::Deserialize;

use super::duration::HumanDuration;
use crate::policy::{CircuitRules, CircuitRulesError, RetrySchedule, RetryScheduleError};

/// `[delivery]`: how deliveries to a system are batched and retried.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DeliveryConfig {
    /// Most deliveries in one adapter call. Default 200 (one Salesforce sObject Collections call).
    pub batch_size: usize,
    /// How long a batch waits to fill before it is sent, in milliseconds. Default 50.
    pub linger_ms: u64,
    /// Wait before each retry, first retry first. Default
    /// `["0s", "5s", "5m", "30m", "2h", "5h", "10h", "10h"]`; each gets ±20% jitter.
    pub retry_schedule: Vec<HumanDuration>,
    /// Attempts before a delivery is dead-lettered. Default: `retry_schedule` length + 1
    /// (9 with the default schedule); more than that repeats the last delay.
    pub max_attempts: Option<u32>,
    /// A downstream's `Retry-After` replaces the scheduled delay, clamped to
    /// `[retry_after_min, retry_after_max]`. Defaults `"1s"` and `"10h"`.
    pub retry_after_min: HumanDuration,
    pub retry_after_max: HumanDuration,
    /// Batches in flight at once per system. Default 4.
    pub concurrency: usize,
}

impl Default for DeliveryConfig {
    fn default() -> Self {
        Self {
            batch_size: 200,
            linger_ms: 50,
            retry_schedule: RetrySchedule::default_delays()
                .into_iter()
                .map(|delay| HumanDuration::from_millis(delay.as_millis() as u64))
                .collect(),
            max_attempts: None,
            retry_after_min: HumanDuration::from_secs(RetrySchedule::DEFAULT_RETRY_AFTER_MIN.as_secs()),
            retry_after_max: HumanDuration::from_secs(RetrySchedule::DEFAULT_RETRY_AFTER_MAX.as_secs()),
            concurrency: 4,
        }
    }
}

impl DeliveryConfig {
    pub fn linger(&self) -> Duration {
        Duration::from_millis(self.linger_ms)
    }

    /// `max_attempts`, or the schedule length + 1 when unset.
    pub fn effective_max_attempts(&self) -> u32 {
        self.max_attempts.unwrap_or(self.retry_schedule.len() as u32 + 1)
    }

    pub fn retry_schedule(&self) -> Result<RetrySchedule, RetryScheduleError> {
        RetrySchedule::new(
            self.retry_schedule.iter().map(|delay| delay.get()).collect(),
            self.effective_max_attempts(),
            self.retry_after_min.get(),
            self.retry_after_max.get(),
        )
    }
}

/// `[systems.<id>.delivery]`: any `[delivery]` key, for one system.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DeliveryOverrides {
    pub batch_size: Option<usize>,
    pub linger_ms: Option<u64>,
    pub retry_schedule: Option<Vec<HumanDuration>>,
    pub max_attempts: Option<u32>,
    pub retry_after_min: Option<HumanDuration>,
    pub retry_after_max: Option<HumanDuration>,
    pub concurrency: Option<usize>,
}

impl DeliveryOverrides {
    /// These overrides over `base`. A system that overrides `retry_schedule` but not
    /// `max_attempts` gets its own schedule length + 1 unless `base` sets `max_attempts`.
    pub fn apply(&self, base: &DeliveryConfig) -> DeliveryConfig {
        DeliveryConfig {
            batch_size: self.batch_size.unwrap_or(base.batch_size),
            linger_ms: self.linger_ms.unwrap_or(base.linger_ms),
            retry_schedule: self.retry_schedule.clone().unwrap_or_else(|| base.retry_schedule.clone()),
            max_attempts: self.max_attempts.or(base.max_attempts),
            retry_after_min: self.retry_after_min.unwrap_or(base.retry_after_min),
            retry_after_max: self.retry_after_max.unwrap_or(base.retry_after_max),
            concurrency: self.concurrency.unwrap_or(base.concurrency),
        }
    }
}

/// `[circuit]`: when a system's circuit opens and for how long.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CircuitConfig {
    /// How many recent batch outcomes the failure rate is computed over. Default 20.
    pub window: usize,
    /// The circuit opens when the failure rate over the window reaches this (0 < r <= 1).
    /// Default 0.5.
    pub failure_rate: f64,
    /// ... with at least this many outcomes in the window (1..=window). Default 10.
    pub min_requests: usize,
    /// How long it stays open before one probe batch is let through; also the probe
    /// interval. Default `"30s"`.
    pub open_for: HumanDuration,
}

impl Default for CircuitConfig {
    fn default() -> Self {
        Self {
            window: CircuitRules::DEFAULT_WINDOW,
            failure_rate: CircuitRules::DEFAULT_FAILURE_RATE,
            min_requests: CircuitRules::DEFAULT_MIN_REQUESTS,
            open_for: HumanDuration::from_secs(CircuitRules::DEFAULT_OPEN_FOR.as_secs()),
        }
    }
}

impl CircuitConfig {
    pub fn rules(&self) -> Result<CircuitRules, CircuitRulesError> {
        CircuitRules::new(self.window, self.failure_rate, self.min_requests, self.open_for.get())
    }
}

/// `[systems.<id>.circuit]`: any `[circuit]` key, for one system.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CircuitOverrides {
    pub window: Option<usize>,
    pub failure_rate: Option<f64>,
    pub min_requests: Option<usize>,
    pub open_for: Option<HumanDuration>,
}

impl CircuitOverrides {
    pub fn apply(&self, base: &CircuitConfig) -> CircuitConfig {
        CircuitConfig {
            window: self.window.unwrap_or(base.window),
            failure_rate: self.failure_rate.unwrap_or(base.failure_rate),
            min_requests: self.min_requests.unwrap_or(base.min_requests),
            open_for: self.open_for.unwrap_or(base.open_for),
        }
    }
}
