//! Ops' hands on a wave, the same from the command line and the HTTP API: start (gates
//! enforced, overrides named and recorded), pause, resume, abort and redrive, each recorded
//! with who, when and why. The hub's wave driver does the feeding; these only change the
//! wave's state (and hold or let go its queued deliveries at once).

use std::sync::Arc;

use serde::Serialize;
use serde_json::{Value, json};
use switchyard_contracts::Catalog;
use switchyard_dependency_map::DependencyMap;

use super::gate::{GateReport, evaluate};
use super::plan::{GATES, WavePlan, plan_of};
use super::status::WaveStatus;
use crate::routing::{RouteError, Routes};
use crate::store::{HoldChange, Store, StoreError, TransitionError, WaveTransition};

/// Delivery states `redrive` sends again by default: what a fixed downstream can now take.
pub const REDRIVABLE: [&str; 2] = ["silent_failure", "dead_lettered"];

/// Why an action on a wave was refused.
#[derive(Debug, thiserror::Error)]
pub enum ControlError {
    #[error("no wave named `{0}` (switchyard wave plan {0} --select ...)")]
    NoWave(String),
    #[error("wave {wave} cannot start: gate(s) {} fail (see `switchyard wave gate {wave}`; \
             `--override <gate> --reason <why>` starts it anyway, recorded)", failing.join(", "))]
    GatesFail { wave: String, failing: Vec<String>, report: Box<GateReport> },
    #[error("--override {gate}: {rule}")]
    Override { gate: String, rule: String },
    #[error("--state {0}: only silent_failure and dead_lettered deliveries are redriven")]
    RedriveState(String),
    #[error(transparent)]
    Transition(#[from] TransitionError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What `start` did.
#[derive(Debug, Clone, Serialize)]
pub struct Started {
    pub gates: GateReport,
    /// Failing gates started through, each with the reason given.
    pub overridden: Vec<String>,
}

/// Everything the actions need; cheap to clone.
#[derive(Debug, Clone)]
pub struct WaveControl {
    store: Store,
    catalog: Arc<Catalog>,
    map: Arc<DependencyMap>,
    routes: Arc<Routes>,
    /// Why the routes could not be built (the map-coverage gate fails on them), if they could not.
    route_errors: Arc<Vec<RouteError>>,
    replay_max_age: chrono::Duration,
}

impl WaveControl {
    pub fn new(
        store: Store,
        catalog: Arc<Catalog>,
        map: Arc<DependencyMap>,
        routes: Result<Arc<Routes>, Vec<RouteError>>,
        replay_max_age: std::time::Duration,
    ) -> Self {
        let (routes, route_errors) = match routes {
            Ok(routes) => (routes, Vec::new()),
            Err(errors) => (Arc::new(Routes::default()), errors),
        };
        Self {
            store,
            catalog,
            map,
            routes,
            route_errors: Arc::new(route_errors),
            replay_max_age: chrono::Duration::from_std(replay_max_age).unwrap_or(chrono::Duration::MAX),
        }
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn routes(&self) -> &Arc<Routes> {
        &self.routes
    }

    pub fn map(&self) -> &Arc<DependencyMap> {
        &self.map
    }

    pub async fn plan(&self, name: &str) -> Result<WavePlan, ControlError> {
        let wave = self.store.wave(name).await?.ok_or_else(|| ControlError::NoWave(name.to_owned()))?;
        Ok(plan_of(&self.store, wave, &self.routes, &self.map).await?)
    }

    pub async fn gates(&self, name: &str) -> Result<GateReport, ControlError> {
        let plan = self.plan(name).await?;
        Ok(evaluate(&self.store, &self.catalog, &plan, &self.route_errors, self.replay_max_age).await?)
    }

    pub async fn status(&self, name: &str) -> Result<WaveStatus, ControlError> {
        let plan = self.plan(name).await?;
        let run = self.store.wave_run(name).await?.ok_or_else(|| ControlError::NoWave(name.to_owned()))?;
        Ok(WaveStatus::of(&self.store, &run, &plan).await?)
    }

    /// Starts a planned wave once its gates pass. A failing gate may be started through only
    /// when it is named in `overrides`, with a `reason`; both are recorded with the gates'
    /// evidence.
    pub async fn start(
        &self,
        name: &str,
        actor: &str,
        overrides: &[String],
        reason: Option<&str>,
    ) -> Result<Started, ControlError> {
        for gate in overrides {
            if !GATES.contains(&gate.as_str()) {
                return Err(ControlError::Override {
                    gate: gate.clone(),
                    rule: format!("no such gate (gates: {})", GATES.join(", ")),
                });
            }
        }
        let reason = reason.map(str::trim).filter(|reason| !reason.is_empty());
        if !overrides.is_empty() && reason.is_none() {
            return Err(ControlError::Override {
                gate: overrides.join(", "),
                rule: "an override needs --reason <why>, which is recorded".to_owned(),
            });
        }
        let report = self.gates(name).await?;
        let failing: Vec<String> = report.failing().map(|gate| gate.gate.to_owned()).collect();
        let not_overridden: Vec<String> =
            failing.iter().filter(|gate| !overrides.contains(gate)).cloned().collect();
        if !not_overridden.is_empty() {
            return Err(ControlError::GatesFail {
                wave: name.to_owned(),
                failing: not_overridden,
                report: Box::new(report),
            });
        }
        let overridden: Vec<String> = failing.into_iter().filter(|gate| overrides.contains(gate)).collect();
        let evidence = json!({
            "gates": report,
            "overridden": overridden.iter().map(|gate| json!({"gate": gate, "reason": reason})).collect::<Vec<_>>(),
        });
        let baseline = self.baseline(name).await?;
        let change = WaveTransition {
            from: &["planned"],
            to: "running",
            action: if overridden.is_empty() { "started" } else { "started-with-override" },
            actor,
            reason,
            evidence: Some(&evidence),
            hold: HoldChange::Keep,
            baseline: Some(&baseline),
        };
        self.store.transition_wave(name, &change).await?;
        Ok(Started { gates: report, overridden })
    }

    /// Pauses a running wave: feeding stops and its queued deliveries are held, no attempt
    /// spent. Returns how many were held.
    pub async fn pause(&self, name: &str, actor: &str, reason: Option<&str>) -> Result<u64, ControlError> {
        self.pause_for(name, "paused", actor, reason, None).await
    }

    /// As `pause`, recorded as `action` with `evidence` (the driver's `auto-paused`).
    pub async fn pause_for(
        &self,
        name: &str,
        action: &str,
        actor: &str,
        reason: Option<&str>,
        evidence: Option<&Value>,
    ) -> Result<u64, ControlError> {
        let change = WaveTransition {
            from: &["running"],
            to: "paused",
            action,
            actor,
            reason,
            evidence,
            hold: HoldChange::Hold,
            baseline: None,
        };
        Ok(self.store.transition_wave(name, &change).await?)
    }

    /// Resumes a paused wave where it stopped: held deliveries go again, feeding continues
    /// after the last released user, and the auto-pause rules count anew from here.
    pub async fn resume(&self, name: &str, actor: &str, reason: Option<&str>) -> Result<u64, ControlError> {
        let baseline = self.baseline(name).await?;
        let change = WaveTransition {
            from: &["paused"],
            to: "running",
            action: "resumed",
            actor,
            reason,
            evidence: None,
            hold: HoldChange::Release,
            baseline: Some(&baseline),
        };
        Ok(self.store.transition_wave(name, &change).await?)
    }

    /// Aborts a wave: no more of its users are released, and its queued deliveries stay held
    /// (reported as such); what was delivered stays delivered.
    pub async fn abort(&self, name: &str, actor: &str, reason: Option<&str>) -> Result<u64, ControlError> {
        let change = WaveTransition {
            from: &["planned", "running", "paused"],
            to: "aborted",
            action: "aborted",
            actor,
            reason,
            evidence: None,
            hold: HoldChange::Hold,
            baseline: None,
        };
        Ok(self.store.transition_wave(name, &change).await?)
    }

    /// Sends the wave's silent failures and dead letters (or only `states`) again, once the
    /// downstream is fixed. Recorded; while the wave is paused they wait for the resume.
    pub async fn redrive(&self, name: &str, actor: &str, states: &[String]) -> Result<u64, ControlError> {
        for state in states {
            if !REDRIVABLE.contains(&state.as_str()) {
                return Err(ControlError::RedriveState(state.clone()));
            }
        }
        let states: Vec<&str> =
            if states.is_empty() { REDRIVABLE.to_vec() } else { states.iter().map(String::as_str).collect() };
        if self.store.wave(name).await?.is_none() {
            return Err(ControlError::NoWave(name.to_owned()));
        }
        let redriven = self.store.redrive_wave(name, &states, chrono::Utc::now()).await?;
        let evidence = json!({"states": states, "redriven": redriven});
        self.store
            .record_wave_action(
                name,
                "redriven",
                actor,
                Some(&format!("{redriven} deliveries")),
                Some(&evidence),
            )
            .await?;
        Ok(redriven)
    }

    /// The wave's silent failures and dead letters per system now: the auto-pause rules
    /// count what comes after.
    async fn baseline(&self, name: &str) -> Result<Value, StoreError> {
        let counts = self.store.wave_counts(name, Some(&REDRIVABLE)).await?;
        let mut baseline = json!({"silent_failure": {}, "dead_lettered": {}});
        for count in counts {
            let entry = &mut baseline[&count.state][&count.system];
            *entry = json!(entry.as_i64().unwrap_or(0) + count.count);
        }
        Ok(baseline)
    }
}

/// A system's count in a baseline (0 when absent).
pub fn baseline_count(baseline: Option<&Value>, state: &str, system: &str) -> i64 {
    baseline.and_then(|b| b.get(state)).and_then(|s| s.get(system)).and_then(Value::as_i64).unwrap_or(0)
}
