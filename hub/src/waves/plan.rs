//! What a wave will do before it runs: its users by status, the records each downstream
//! system gets, the API calls that costs, a rough duration, who owns each impacted system,
//! and the gates it must pass.

use std::collections::BTreeMap;

use serde::Serialize;
use switchyard_contracts::{ContractVersion, EventRef, EventType};
use switchyard_dependency_map::DependencyMap;

use crate::config::AdapterKind;
use crate::routing::Routes;
use crate::store::{Store, StoreError, WaveRow};

/// Records per sObject Collections call, and per SOQL read-back query.
const SALESFORCE_BATCH: i64 = 200;
/// Rough cost of one downstream call, for the duration estimate: a Collections upsert of 200
/// against a real org, and a webhook POST. The plan says these are assumptions.
const SALESFORCE_CALL_SECONDS: f64 = 0.3;
const WEBHOOK_CALL_SECONDS: f64 = 0.1;
/// Calls in flight per system the estimate assumes (the hub's delivery default).
const IN_FLIGHT: f64 = 4.0;

/// The gates every wave must pass before it starts (`wave gate`).
pub const GATES: [&str; 4] = ["map-coverage", "contract-tests", "replay", "signoff"];

/// One impacted system's part of the wave.
#[derive(Debug, Clone, Serialize)]
pub struct SystemPlan {
    pub system: String,
    pub adapter: String,
    /// Records by mapping.
    pub records: BTreeMap<String, i64>,
    /// Delivery calls (Collections upserts, webhook POSTs) and verification read-backs.
    pub delivery_calls: i64,
    pub read_back_calls: i64,
    pub estimated_seconds: f64,
    /// The owning group on the dependency map (who signs off, who is told when it breaks).
    pub owner: Option<String>,
}

/// The plan of one wave.
#[derive(Debug, Clone, Serialize)]
pub struct WavePlan {
    pub wave: WaveRow,
    pub users_by_status: BTreeMap<String, i64>,
    pub events: BTreeMap<String, i64>,
    pub systems: Vec<SystemPlan>,
    pub gates: Vec<&'static str>,
    /// How the figures were estimated.
    pub assumptions: Vec<String>,
}

impl WavePlan {
    /// The systems the wave sends records to.
    pub fn impacted(&self) -> impl Iterator<Item = &SystemPlan> {
        self.systems.iter().filter(|system| system.records.values().sum::<i64>() > 0)
    }

    pub fn to_text(&self) -> String {
        let mut out = format!(
            "wave {} ({}): {} users selected by `{}`\n",
            self.wave.name, self.wave.state, self.wave.users, self.wave.cohort
        );
        let statuses: Vec<String> = self.users_by_status.iter().map(|(s, n)| format!("{n} {s}")).collect();
        out.push_str(&format!("  users by status: {}\n", statuses.join(", ")));
        let events: Vec<String> = self.events.iter().map(|(e, n)| format!("{n} {e}")).collect();
        out.push_str(&format!("  events: {}\n", events.join(", ")));
        for system in self.impacted() {
            let records: Vec<String> = system.records.iter().map(|(m, n)| format!("{n} via {m}")).collect();
            out.push_str(&format!(
                "  {} ({}, owner {}): {}; {} delivery calls + {} read-backs, about {:.0} s\n",
                system.system,
                system.adapter,
                system.owner.as_deref().unwrap_or("none on the map"),
                records.join(", "),
                system.delivery_calls,
                system.read_back_calls,
                system.estimated_seconds
            ));
        }
        out.push_str(&format!("  gates: {}\n", self.gates.join(", ")));
        for assumption in &self.assumptions {
            out.push_str(&format!("  note: {assumption}\n"));
        }
        out
    }
}

/// Works out wave `wave`'s plan from the store, the routes and the map.
pub async fn plan_of(
    store: &Store,
    wave: WaveRow,
    routes: &Routes,
    map: &DependencyMap,
) -> Result<WavePlan, StoreError> {
    let users_by_status = store.wave_users_by_status(&wave.name).await?.into_iter().collect();
    let counts = store.wave_event_counts(&wave.name).await?;
    let mut events = BTreeMap::new();
    let mut systems: BTreeMap<String, SystemPlan> = BTreeMap::new();
    for (event_type, version, count) in counts {
        events.insert(format!("{event_type}@v{version}"), count);
        let Some(event) = event_ref(&event_type, version) else { continue };
        for route in routes.for_event(&event) {
            let system = route.system.to_string();
            let adapter = routes.adapter(&route.system);
            let plan = systems.entry(system.clone()).or_insert_with(|| SystemPlan {
                system: system.clone(),
                adapter: adapter.map_or("unknown", adapter_name).to_owned(),
                records: BTreeMap::new(),
                delivery_calls: 0,
                read_back_calls: 0,
                estimated_seconds: 0.0,
                owner: map
                    .delivery_target(&route.system)
                    .and_then(|entity| map.owner_of(entity))
                    .map(|owner| owner.name.clone()),
            });
            *plan.records.entry(route.mapping.name().to_owned()).or_default() += count;
            let checks = routes
                .expectations(&route.system)
                .map_or(0, |compiled| compiled.for_mapping(route.mapping.name()));
            match adapter {
                Some(AdapterKind::Salesforce) => {
                    let calls = (count + SALESFORCE_BATCH - 1) / SALESFORCE_BATCH;
                    plan.delivery_calls += calls;
                    plan.read_back_calls += calls * checks as i64;
                    plan.estimated_seconds += calls as f64 * SALESFORCE_CALL_SECONDS / IN_FLIGHT;
                }
                _ => {
                    plan.delivery_calls += count;
                    plan.estimated_seconds += count as f64 * WEBHOOK_CALL_SECONDS / IN_FLIGHT;
                }
            }
        }
    }
    Ok(WavePlan {
        wave,
        users_by_status,
        events,
        systems: systems.into_values().collect(),
        gates: GATES.to_vec(),
        assumptions: vec![
            format!(
                "Salesforce: {SALESFORCE_BATCH} records per Collections call and per read-back query; \
                 about {SALESFORCE_CALL_SECONDS} s a call, {IN_FLIGHT} in flight"
            ),
            format!(
                "webhooks: one POST per record (per_event), about {WEBHOOK_CALL_SECONDS} s, {IN_FLIGHT} in flight"
            ),
            "the hub spends at most its share of an org's daily allowance (`budget.share`); a wave \
             needing more waits for the rolling window"
                .to_owned(),
        ],
    })
}

fn event_ref(event_type: &str, version: i32) -> Option<EventRef> {
    let version = ContractVersion::new(u32::try_from(version).ok()?)?;
    Some(EventRef::new(EventType::parse(event_type).ok()?, version))
}

fn adapter_name(kind: AdapterKind) -> &'static str {
    match kind {
        AdapterKind::Salesforce => "salesforce",
        AdapterKind::Webhook => "webhook",
    }
}
