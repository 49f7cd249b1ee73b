//! `HubMetrics`: the counters, histograms and gauges the hub's parts record into, and the
//! latest circuit snapshot per system (kept for the ops API as well as exposed as gauges).

use std::collections::BTreeMap;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex, PoisonError};

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::{Registry, Unit};

use crate::policy::{CircuitSnapshot, CircuitState};
use crate::store::OutcomeKind;

/// Batch durations, seconds: 5 ms to about 82 s, doubling.
const DURATION_BUCKETS: (f64, f64, u16) = (0.005, 2.0, 15);
/// Items per batch: up to Salesforce's 200 per collection call and Bulk API jobs beyond.
const SIZE_BUCKETS: [f64; 11] = [1.0, 5.0, 10.0, 25.0, 50.0, 100.0, 200.0, 500.0, 1_000.0, 5_000.0, 10_000.0];

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub(super) struct SystemLabels {
    pub(super) system: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub(super) struct OutcomeLabels {
    pub(super) system: String,
    pub(super) outcome: &'static str,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub(super) struct VerdictLabels {
    pub(super) system: String,
    pub(super) verdict: &'static str,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub(super) struct UsageLabels {
    pub(super) system: String,
    pub(super) kind: &'static str,
}

type HistogramFamily = Family<SystemLabels, Histogram, fn() -> Histogram>;

/// The hub's metrics. Cheap to clone: clones share the same registry.
#[derive(Debug, Clone)]
pub struct HubMetrics {
    pub(super) inner: Arc<Inner>,
}

#[derive(Debug)]
pub(super) struct Inner {
    pub(super) registry: Registry,
    events_accepted: Counter,
    events_duplicate: Counter,
    outcomes: Family<OutcomeLabels, Counter>,
    deferred: Family<SystemLabels, Counter>,
    verified: Family<VerdictLabels, Counter>,
    batch_duration: HistogramFamily,
    batch_size: HistogramFamily,
    circuit_state: Family<SystemLabels, Gauge>,
    circuit_failure_ratio: Family<SystemLabels, Gauge<f64, AtomicU64>>,
    queue_jobs: Gauge,
    api_usage: Family<UsageLabels, Gauge>,
    /// The latest snapshot per system, for `GET /v1/systems`.
    circuits: Mutex<BTreeMap<String, CircuitSnapshot>>,
    /// The latest API usage per system, for the waves' budget rule.
    usages: Mutex<BTreeMap<String, switchyard_adapters::ApiUsage>>,
}

impl Default for HubMetrics {
    fn default() -> Self {
        Self::new()
    }
}

impl HubMetrics {
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("switchyard");
        let events_accepted = Counter::default();
        registry.register(
            "events_accepted",
            "Events committed by ingest (duplicates not counted)",
            events_accepted.clone(),
        );
        let events_duplicate = Counter::default();
        registry.register(
            "events_duplicate",
            "Events acknowledged as duplicates of ones already recorded",
            events_duplicate.clone(),
        );
        let outcomes = Family::default();
        registry.register(
            "delivery_outcomes",
            "Recorded delivery attempt outcomes per system",
            outcomes.clone(),
        );
        let deferred = Family::default();
        registry.register(
            "deferred",
            "Items an adapter's own limit held back unsent, without spending an attempt",
            deferred.clone(),
        );
        let verified = Family::default();
        registry.register(
            "verifications",
            "Verification verdicts per system: confirmed or silent_failure",
            verified.clone(),
        );
        let batch_duration: HistogramFamily = Family::new_with_constructor(|| {
            let (start, factor, count) = DURATION_BUCKETS;
            Histogram::new(exponential_buckets(start, factor, count))
        });
        registry.register_with_unit(
            "batch_duration",
            "Duration of one adapter call (a batch) per system",
            Unit::Seconds,
            batch_duration.clone(),
        );
        let batch_size: HistogramFamily = Family::new_with_constructor(|| Histogram::new(SIZE_BUCKETS));
        registry.register_with_unit(
            "batch",
            "Items per adapter call per system",
            Unit::Other("items".to_owned()),
            batch_size.clone(),
        );
        let circuit_state = Family::default();
        registry.register(
            "circuit_state",
            "Circuit per system: 0 closed, 1 half-open, 2 open",
            circuit_state.clone(),
        );
        let circuit_failure_ratio = Family::default();
        registry.register_with_unit(
            "circuit_failure",
            "Failure ratio over the circuit's recent outcomes per system",
            Unit::Other("ratio".to_owned()),
            circuit_failure_ratio.clone(),
        );
        let queue_jobs = Gauge::default();
        registry.register(
            "queue_jobs",
            "Queue jobs waiting, as last seen by the sweeper",
            queue_jobs.clone(),
        );
        let api_usage = Family::default();
        registry.register(
            "api_usage",
            "A downstream's API allowance per system (Salesforce's rolling 24 h): org_used and \
             org_limit as the org last reported them, hub_calls made by this hub and hub_budget it may make",
            api_usage.clone(),
        );
        let inner = Inner {
            registry,
            events_accepted,
            events_duplicate,
            outcomes,
            deferred,
            verified,
            batch_duration,
            batch_size,
            circuit_state,
            circuit_failure_ratio,
            queue_jobs,
            api_usage,
            circuits: Mutex::default(),
            usages: Mutex::default(),
        };
        Self { inner: Arc::new(inner) }
    }

    /// Events committed by ingest (not duplicates).
    pub fn events_accepted(&self, count: u64) {
        self.inner.events_accepted.inc_by(count);
    }

    /// Events acknowledged as duplicates.
    pub fn events_duplicate(&self, count: u64) {
        self.inner.events_duplicate.inc_by(count);
    }

    /// Recorded attempt outcomes for `system`.
    pub fn outcomes(&self, system: &str, kind: OutcomeKind, count: u64) {
        let labels = OutcomeLabels { system: system.to_owned(), outcome: kind.as_str() };
        self.inner.outcomes.get_or_create(&labels).inc_by(count);
    }

    /// Attempt outcomes of `kind` recorded for `system` since the hub started.
    pub fn outcome_total(&self, system: &str, kind: OutcomeKind) -> u64 {
        let labels = OutcomeLabels { system: system.to_owned(), outcome: kind.as_str() };
        self.inner.outcomes.get(&labels).map_or(0, |counter| counter.get())
    }

    /// The API usage `system`'s adapter last reported, if it reports one.
    pub fn latest_api_usage(&self, system: &str) -> Option<switchyard_adapters::ApiUsage> {
        self.inner.usages.lock().unwrap_or_else(PoisonError::into_inner).get(system).copied()
    }

    /// Items an adapter's own limit held back unsent (no attempt spent).
    pub fn deferred(&self, system: &str, count: u64) {
        self.inner.deferred.get_or_create(&system_labels(system)).inc_by(count);
    }

    /// Verification verdicts: confirmed, or a silent failure.
    pub fn verified(&self, system: &str, confirmed: bool, count: u64) {
        let verdict = if confirmed { "confirmed" } else { "silent_failure" };
        let labels = VerdictLabels { system: system.to_owned(), verdict };
        self.inner.verified.get_or_create(&labels).inc_by(count);
    }

    /// How long one adapter call (a batch) took, in seconds.
    pub fn batch_duration(&self, system: &str, seconds: f64) {
        self.inner.batch_duration.get_or_create(&system_labels(system)).observe(seconds);
    }

    /// How many items one adapter call carried.
    pub fn batch_size(&self, system: &str, items: u64) {
        // Precision is lost only past 2^53 items, far beyond any batch.
        #[allow(clippy::cast_precision_loss)]
        self.inner.batch_size.get_or_create(&system_labels(system)).observe(items as f64);
    }

    /// The latest snapshot of `system`'s circuit: exposed as gauges and kept for the API.
    pub fn circuit(&self, system: &str, snapshot: &CircuitSnapshot) {
        let labels = system_labels(system);
        self.inner.circuit_state.get_or_create(&labels).set(circuit_state_value(snapshot.state));
        self.inner.circuit_failure_ratio.get_or_create(&labels).set(snapshot.failure_rate);
        self.circuits_guard().insert(system.to_owned(), snapshot.clone());
    }

    /// The latest circuit snapshot of every system that reported one.
    pub fn circuits(&self) -> BTreeMap<String, CircuitSnapshot> {
        self.circuits_guard().clone()
    }

    /// The API allowance an adapter reported after a call.
    pub fn api_usage(&self, system: &str, usage: &switchyard_adapters::ApiUsage) {
        self.inner.usages.lock().unwrap_or_else(PoisonError::into_inner).insert(system.to_owned(), *usage);
        let gauges = [
            ("org_used", usage.org_used),
            ("org_limit", usage.org_limit),
            ("hub_calls", Some(usage.own_calls)),
            ("hub_budget", usage.own_budget),
        ];
        for (kind, value) in gauges {
            if let Some(value) = value {
                let labels = UsageLabels { system: system.to_owned(), kind };
                self.inner.api_usage.get_or_create(&labels).set(i64::try_from(value).unwrap_or(i64::MAX));
            }
        }
    }

    /// Queue jobs waiting (set by the sweeper).
    pub fn queue_jobs(&self, pending: u64) {
        self.inner.queue_jobs.set(i64::try_from(pending).unwrap_or(i64::MAX));
    }

    fn circuits_guard(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, CircuitSnapshot>> {
        // A panic while holding the lock cannot leave the map half-written: keep using it.
        self.inner.circuits.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

fn system_labels(system: &str) -> SystemLabels {
    SystemLabels { system: system.to_owned() }
}

/// The `switchyard_circuit_state` value: 0 closed, 1 half-open, 2 open.
pub(super) fn circuit_state_value(state: CircuitState) -> i64 {
    match state {
        CircuitState::Closed => 0,
        CircuitState::HalfOpen { .. } => 1,
        CircuitState::Open { .. } => 2,
    }
}
