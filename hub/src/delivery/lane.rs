//! A system's lane: everything a worker needs to deliver to one system (its adapter, the
//! mappings into it, batching, retry schedule, circuit), built once at start-up.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};

use switchyard_adapters::Adapter;
use switchyard_adapters::salesforce::SalesforceAdapter;
use switchyard_adapters::webhook::WebhookAdapter;
use switchyard_contracts::SystemId;
use switchyard_contracts::mapping::CompiledMapping;

use crate::config::{AdapterKind, DeliveryConfig, HubConfig, VerificationConfig};
use crate::policy::{Circuit, RetrySchedule};
use crate::routing::Routes;
use crate::verify::SystemExpectations;

/// One configured system, ready to deliver to.
#[derive(Debug)]
pub struct SystemLane {
    pub system: String,
    /// Which adapter: decides how a mapped record is tagged for it (see `prepare`).
    pub kind: AdapterKind,
    pub adapter: Arc<dyn Adapter>,
    /// The mappings into this system, by name (as recorded on each delivery).
    pub mappings: BTreeMap<String, Arc<CompiledMapping>>,
    pub delivery: DeliveryConfig,
    pub schedule: RetrySchedule,
    pub circuit: Mutex<Circuit>,
    /// The catalog's expectations of this system, when it has some and verification is on.
    pub expectations: Option<Arc<SystemExpectations>>,
    pub verification: VerificationConfig,
    /// When the job that wakes this system for its circuit's probe runs, if one is pushed.
    circuit_wake: Mutex<Option<DateTime<Utc>>>,
}

/// Why a lane could not be built; names the system and the key.
#[derive(Debug, thiserror::Error)]
pub enum LaneError {
    #[error("systems.{system}.webhook: {source}")]
    Webhook { system: SystemId, source: switchyard_adapters::webhook::WebhookConfigError },
    #[error("systems.{system}.salesforce: {source}")]
    Salesforce { system: SystemId, source: switchyard_adapters::salesforce::SalesforceConfigError },
    #[error("systems.{system}: {rule}")]
    Policy { system: SystemId, rule: String },
}

impl SystemLane {
    /// A lane with a given adapter (tests and the benchmark bring their own).
    pub fn new(
        system: &SystemId,
        kind: AdapterKind,
        adapter: Arc<dyn Adapter>,
        routes: &Routes,
        config: &HubConfig,
    ) -> Result<Self, LaneError> {
        let delivery = config.delivery_for(system);
        let verification =
            config.systems.get(system).map(|settings| settings.verification.clone()).unwrap_or_default();
        let policy = |rule: String| LaneError::Policy { system: system.clone(), rule };
        let schedule = delivery.retry_schedule().map_err(|err| policy(format!("delivery: {err}")))?;
        let rules = config.circuit_for(system).rules().map_err(|err| policy(format!("circuit: {err}")))?;
        let mappings = routes
            .events()
            .flat_map(|event| routes.for_event(event))
            .filter(|route| &route.system == system)
            .map(|route| (route.mapping.name().to_owned(), Arc::clone(&route.mapping)))
            .collect();
        Ok(Self {
            system: system.to_string(),
            kind,
            adapter,
            mappings,
            delivery,
            schedule,
            circuit: Mutex::new(Circuit::new(rules)),
            expectations: routes.expectations(system).filter(|_| verification.enabled).cloned(),
            verification,
            circuit_wake: Mutex::new(None),
        })
    }

    /// Whether the caller should push the job that wakes this system at `until` (when its
    /// circuit half-opens): true once per opening, false while such a job is already waiting.
    pub fn claim_circuit_wake(&self, until: DateTime<Utc>) -> bool {
        let Ok(mut wake) = self.circuit_wake.lock() else { return true };
        match *wake {
            Some(scheduled) if scheduled >= until => false,
            _ => {
                *wake = Some(until);
                true
            }
        }
    }

    /// The circuit let a step through at `now`: a wake due by then has done its work.
    pub fn clear_circuit_wake(&self, now: DateTime<Utc>) {
        if let Ok(mut wake) = self.circuit_wake.lock()
            && wake.is_some_and(|scheduled| scheduled <= now)
        {
            *wake = None;
        }
    }
}

/// A lane for every routed system whose adapter is configured. Systems without adapter
/// settings get none: their deliveries wait in the ledger (see `routing`).
pub fn build_lanes(routes: &Routes, config: &HubConfig) -> Result<Vec<SystemLane>, LaneError> {
    let mut lanes = Vec::new();
    for (system, kind) in routes.systems() {
        if routes.is_waiting(system) {
            continue;
        }
        let adapter: Arc<dyn Adapter> = match kind {
            AdapterKind::Webhook => {
                let Some(settings) = config.systems.get(system).and_then(|settings| settings.webhook.clone())
                else {
                    continue;
                };
                let adapter = WebhookAdapter::new(settings)
                    .map_err(|source| LaneError::Webhook { system: system.clone(), source })?;
                Arc::new(adapter)
            }
            AdapterKind::Salesforce => {
                let Some(settings) =
                    config.systems.get(system).and_then(|settings| settings.salesforce.clone())
                else {
                    continue;
                };
                let adapter = SalesforceAdapter::new(settings)
                    .map_err(|source| LaneError::Salesforce { system: system.clone(), source })?;
                Arc::new(adapter)
            }
        };
        lanes.push(SystemLane::new(system, kind, adapter, routes, config)?);
    }
    Ok(lanes)
}
