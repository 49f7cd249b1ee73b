//! The circuit per system: when its recent failure rate passes a threshold the circuit opens
//! and deliveries wait without spending attempts; after the open duration one probe batch goes
//! through, and its outcome closes or re-opens the circuit.
//!
//! Pure: fed with outcomes and the current time, never sleeps. The worker asks `admit` before
//! sending a batch and reports each batch with `record`. What counts as a failure is the
//! caller's choice: downstream trouble (timeouts, 5xx, 429) is; a permanent rejection of one
//! record (bad data) is not, since it says nothing about the system's health.

use std::collections::VecDeque;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;

/// When a circuit opens and how long it stays open.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CircuitRules {
    /// How many recent outcomes the failure rate is computed over.
    window: usize,
    /// The circuit opens when the failure rate over the window reaches this (0 < r <= 1).
    failure_rate: f64,
    /// ... and at least this many outcomes are in the window.
    min_requests: usize,
    /// How long it stays open before a probe; also the wait before a new probe when the
    /// previous one never reported.
    open_for: Duration,
}

/// Why circuit rules cannot be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CircuitRulesError {
    #[error("window must be at least 1")]
    Window,
    #[error("failure_rate must be greater than 0 and at most 1")]
    FailureRate,
    #[error("min_requests must be between 1 and window")]
    MinRequests,
    #[error("open_for must be greater than zero")]
    OpenFor,
}

impl CircuitRules {
    pub const DEFAULT_WINDOW: usize = 20;
    pub const DEFAULT_FAILURE_RATE: f64 = 0.5;
    pub const DEFAULT_MIN_REQUESTS: usize = 10;
    pub const DEFAULT_OPEN_FOR: Duration = Duration::from_secs(30);

    pub fn new(
        window: usize,
        failure_rate: f64,
        min_requests: usize,
        open_for: Duration,
    ) -> Result<Self, CircuitRulesError> {
        if window == 0 {
            return Err(CircuitRulesError::Window);
        }
        if !(failure_rate > 0.0 && failure_rate <= 1.0) {
            return Err(CircuitRulesError::FailureRate);
        }
        if min_requests == 0 || min_requests > window {
            return Err(CircuitRulesError::MinRequests);
        }
        if open_for.is_zero() {
            return Err(CircuitRulesError::OpenFor);
        }
        Ok(Self { window, failure_rate, min_requests, open_for })
    }

    pub fn open_for(&self) -> Duration {
        self.open_for
    }
}

impl Default for CircuitRules {
    /// 20 outcomes, opens at 50% failures with at least 10 outcomes, open for 30 s.
    fn default() -> Self {
        Self {
            window: Self::DEFAULT_WINDOW,
            failure_rate: Self::DEFAULT_FAILURE_RATE,
            min_requests: Self::DEFAULT_MIN_REQUESTS,
            open_for: Self::DEFAULT_OPEN_FOR,
        }
    }
}

/// Where a circuit is; serializable for metrics and the ops API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum CircuitState {
    /// Deliveries flow.
    Closed,
    /// Deliveries wait until `until`, without spending attempts.
    Open { until: DateTime<Utc> },
    /// One probe batch may go through; `probe_since` is when it was let through, if it was.
    HalfOpen { probe_since: Option<DateTime<Utc>> },
}

/// What the worker may do with a batch now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// Send it.
    Deliver,
    /// Send it as the probe; its outcome decides the circuit.
    Probe,
    /// Hold it (attempts are not spent) and look again at `until`.
    Wait { until: DateTime<Utc> },
}

/// How one batch went, from the system's health point of view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallOutcome {
    Success,
    Failure,
}

/// A circuit's state and recent outcomes, for metrics and the API.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CircuitSnapshot {
    #[serde(flatten)]
    pub state: CircuitState,
    /// Failure rate over the recent outcomes (0 when there are none).
    pub failure_rate: f64,
    pub recent_outcomes: usize,
}

/// One system's circuit.
#[derive(Debug, Clone)]
pub struct Circuit {
    rules: CircuitRules,
    state: CircuitState,
    /// Recent outcomes while closed, newest last; `true` is a failure.
    recent: VecDeque<bool>,
}

impl Circuit {
    pub fn new(rules: CircuitRules) -> Self {
        Self { rules, state: CircuitState::Closed, recent: VecDeque::with_capacity(rules.window) }
    }

    pub fn state(&self) -> CircuitState {
        self.state
    }

    pub fn snapshot(&self) -> CircuitSnapshot {
        CircuitSnapshot {
            state: self.state,
            failure_rate: self.failure_rate(),
            recent_outcomes: self.recent.len(),
        }
    }

    /// Whether a batch may go now. An open circuit whose time is up becomes half-open and lets
    /// one probe through; while the probe is out, others wait (a new probe is allowed if the
    /// first has not reported within `open_for`).
    pub fn admit(&mut self, now: DateTime<Utc>) -> Admission {
        match self.state {
            CircuitState::Closed => Admission::Deliver,
            CircuitState::Open { until } if now < until => Admission::Wait { until },
            CircuitState::Open { .. } | CircuitState::HalfOpen { probe_since: None } => {
                self.state = CircuitState::HalfOpen { probe_since: Some(now) };
                Admission::Probe
            }
            CircuitState::HalfOpen { probe_since: Some(since) } => {
                let retry_at = since + self.rules.open_for;
                if now >= retry_at {
                    self.state = CircuitState::HalfOpen { probe_since: Some(now) };
                    Admission::Probe
                } else {
                    Admission::Wait { until: retry_at }
                }
            }
        }
    }

    /// Records how a batch went. Closed: the outcome joins the window and may open the
    /// circuit. Half-open: a success closes it, a failure re-opens it. Open: late outcomes of
    /// batches sent before it opened are ignored.
    pub fn record(&mut self, outcome: CallOutcome, now: DateTime<Utc>) {
        let failed = outcome == CallOutcome::Failure;
        match self.state {
            CircuitState::Closed => {
                if self.recent.len() == self.rules.window {
                    self.recent.pop_front();
                }
                self.recent.push_back(failed);
                if self.recent.len() >= self.rules.min_requests
                    && self.failure_rate() >= self.rules.failure_rate
                {
                    self.open(now);
                }
            }
            CircuitState::HalfOpen { .. } if failed => self.open(now),
            CircuitState::HalfOpen { .. } => {
                self.state = CircuitState::Closed;
                self.recent.clear();
            }
            CircuitState::Open { .. } => {}
        }
    }

    fn open(&mut self, now: DateTime<Utc>) {
        self.state = CircuitState::Open { until: now + self.rules.open_for };
        self.recent.clear();
    }

    fn failure_rate(&self) -> f64 {
        if self.recent.is_empty() {
            return 0.0;
        }
        self.recent.iter().filter(|failed| **failed).count() as f64 / self.recent.len() as f64
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn t(seconds: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_800_000_000 + seconds, 0).unwrap()
    }

    fn rules() -> CircuitRules {
        CircuitRules::new(4, 0.5, 2, Duration::from_secs(30)).unwrap()
    }

    fn opened() -> Circuit {
        let mut circuit = Circuit::new(rules());
        circuit.record(CallOutcome::Failure, t(0));
        circuit.record(CallOutcome::Failure, t(1));
        circuit
    }

    #[test]
    fn a_new_circuit_is_closed_and_delivers() {
        let mut circuit = Circuit::new(rules());
        assert_eq!(circuit.state(), CircuitState::Closed);
        assert_eq!(circuit.admit(t(0)), Admission::Deliver);
    }

    #[test]
    fn stays_closed_below_the_minimum_count() {
        let mut circuit = Circuit::new(rules());
        circuit.record(CallOutcome::Failure, t(0));
        assert_eq!(circuit.state(), CircuitState::Closed);
    }

    #[test]
    fn stays_closed_below_the_threshold() {
        let mut circuit = Circuit::new(rules());
        for outcome in
            [CallOutcome::Success, CallOutcome::Success, CallOutcome::Failure, CallOutcome::Success]
        {
            circuit.record(outcome, t(0));
        }
        assert_eq!(circuit.state(), CircuitState::Closed);
        assert_eq!(circuit.snapshot().failure_rate, 0.25);
    }

    #[test]
    fn opens_at_the_threshold_and_holds_deliveries() {
        let mut circuit = opened();
        assert_eq!(circuit.state(), CircuitState::Open { until: t(31) });
        assert_eq!(circuit.admit(t(10)), Admission::Wait { until: t(31) });
    }

    #[test]
    fn old_outcomes_leave_the_window() {
        let mut circuit = Circuit::new(CircuitRules::new(3, 0.6, 3, Duration::from_secs(30)).unwrap());
        circuit.record(CallOutcome::Failure, t(0));
        circuit.record(CallOutcome::Success, t(1));
        circuit.record(CallOutcome::Success, t(2));
        circuit.record(CallOutcome::Failure, t(3));
        assert_eq!(circuit.state(), CircuitState::Closed, "1 of 3 recent failed");
        circuit.record(CallOutcome::Failure, t(4));
        assert_eq!(circuit.state(), CircuitState::Open { until: t(34) }, "2 of 3 recent failed");
    }

    #[test]
    fn half_opens_after_the_open_duration_with_one_probe() {
        let mut circuit = opened();
        assert_eq!(circuit.admit(t(31)), Admission::Probe);
        assert_eq!(circuit.state(), CircuitState::HalfOpen { probe_since: Some(t(31)) });
        assert_eq!(circuit.admit(t(32)), Admission::Wait { until: t(61) });
    }

    #[test]
    fn a_lost_probe_is_replaced_after_the_open_duration() {
        let mut circuit = opened();
        circuit.admit(t(31));
        assert_eq!(circuit.admit(t(61)), Admission::Probe);
        assert_eq!(circuit.state(), CircuitState::HalfOpen { probe_since: Some(t(61)) });
    }

    #[test]
    fn a_successful_probe_closes() {
        let mut circuit = opened();
        circuit.admit(t(31));
        circuit.record(CallOutcome::Success, t(32));
        assert_eq!(circuit.state(), CircuitState::Closed);
        assert_eq!(circuit.snapshot().recent_outcomes, 0);
        assert_eq!(circuit.admit(t(33)), Admission::Deliver);
    }

    #[test]
    fn a_failed_probe_reopens() {
        let mut circuit = opened();
        circuit.admit(t(31));
        circuit.record(CallOutcome::Failure, t(32));
        assert_eq!(circuit.state(), CircuitState::Open { until: t(62) });
    }

    #[test]
    fn late_outcomes_while_open_are_ignored() {
        let mut circuit = opened();
        circuit.record(CallOutcome::Success, t(2));
        assert_eq!(circuit.state(), CircuitState::Open { until: t(31) });
    }

    #[test]
    fn state_serializes_for_the_api() {
        let circuit = opened();
        let json = serde_json::to_value(circuit.snapshot()).unwrap();
        assert_eq!(json["state"], "open");
        assert_eq!(json["until"], "2027-01-15T08:00:31Z");
        let closed = serde_json::to_value(Circuit::new(rules()).snapshot()).unwrap();
        assert_eq!(closed, serde_json::json!({"state": "closed", "failure_rate": 0.0, "recent_outcomes": 0}));
    }

    #[test]
    fn invalid_rules_are_refused() {
        let open_for = Duration::from_secs(1);
        assert_eq!(CircuitRules::new(0, 0.5, 1, open_for), Err(CircuitRulesError::Window));
        assert_eq!(CircuitRules::new(5, 0.0, 1, open_for), Err(CircuitRulesError::FailureRate));
        assert_eq!(CircuitRules::new(5, 1.5, 1, open_for), Err(CircuitRulesError::FailureRate));
        assert_eq!(CircuitRules::new(5, 0.5, 6, open_for), Err(CircuitRulesError::MinRequests));
        assert_eq!(CircuitRules::new(5, 0.5, 5, Duration::ZERO), Err(CircuitRulesError::OpenFor));
    }
}
