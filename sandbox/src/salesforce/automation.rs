//! The CRM team's record-triggered flows at run time: which are active and which fail
//! silently (both switchable while the org runs, so a rehearsal can "change a flow"), and
//! running them after a record saves. A flow's own writes do not trigger further flows.

use serde::Serialize;
use serde_json::{Map, Value};

use super::conditions::all_hold;
use super::org_config::{ObjectConfig, OrgConfig};
use super::org_rules::resolve_path;
use super::rules_config::{Trigger, resolve_values};
use super::store::{OrgStore, Undo};

/// One automation's switches and counters, as the inspection API shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AutomationState {
    pub name: String,
    pub object: String,
    /// Whether the flow runs at all.
    pub active: bool,
    /// Whether its silent failure happens when its condition holds (`None`: it has none).
    pub fail_silently: Option<bool>,
    /// Times its entry conditions held on a saved record.
    pub runs: u64,
    /// Of those, the times it failed silently.
    pub silent_failures: u64,
}

/// No automation has this name, or it has no silent failure to switch.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UnknownAutomation {
    #[error("the org has no automation named {0}")]
    Name(String),
    #[error("automation {0} declares no silent failure")]
    NoSilentFailure(String),
}

/// The run-time state of every automation of the org, in config order.
#[derive(Debug, Clone)]
pub struct Automations {
    states: Vec<AutomationState>,
}

impl Automations {
    pub fn new(org: &OrgConfig) -> Self {
        let states = org
            .automations
            .iter()
            .map(|flow| AutomationState {
                name: flow.name.clone(),
                object: flow.object.clone(),
                active: flow.active,
                fail_silently: flow.fail_silently.as_ref().map(|f| f.enabled),
                runs: 0,
                silent_failures: 0,
            })
            .collect();
        Self { states }
    }

    fn state_mut(&mut self, name: &str) -> Result<&mut AutomationState, UnknownAutomation> {
        self.states
            .iter_mut()
            .find(|s| s.name == name)
            .ok_or_else(|| UnknownAutomation::Name(name.to_owned()))
    }

    /// Activates or deactivates a flow.
    pub fn set_active(&mut self, name: &str, active: bool) -> Result<(), UnknownAutomation> {
        self.state_mut(name)?.active = active;
        Ok(())
    }

    /// Turns a flow's silent failure on (the flow as changed by the CRM team) or off (fixed).
    pub fn set_fail_silently(&mut self, name: &str, on: bool) -> Result<(), UnknownAutomation> {
        let state = self.state_mut(name)?;
        match &mut state.fail_silently {
            Some(switch) => {
                *switch = on;
                Ok(())
            }
            None => Err(UnknownAutomation::NoSilentFailure(name.to_owned())),
        }
    }

    pub fn states(&self) -> Vec<AutomationState> {
        self.states.clone()
    }
}

/// Runs the flows of `object` triggered by saving record `id`; returns how to undo their
/// writes (for an all-or-none request that rolls back).
pub fn after_save(
    store: &mut OrgStore,
    org: &OrgConfig,
    automations: &mut Automations,
    object: &ObjectConfig,
    id: &str,
    trigger: Trigger,
) -> Vec<Undo> {
    let mut undos = Vec::new();
    for (flow, state) in org.automations.iter().zip(automations.states.iter_mut()) {
        if !state.active || !flow.object.eq_ignore_ascii_case(&object.name) || !flow.on.contains(&trigger) {
            continue;
        }
        let Some(record) = store.record_by_id(&object.name, id) else {
            continue;
        };
        let values: Map<String, Value> = record.values.clone();
        let holds = |conditions| {
            all_hold(conditions, |path| resolve_path(store, org, object, &values, Some(id), path))
        };
        if !holds(&flow.when) {
            continue;
        }
        state.runs += 1;
        if let Some(failure) = &flow.fail_silently
            && state.fail_silently == Some(true)
            && holds(&failure.when)
        {
            state.silent_failures += 1;
            // Ids only: the records hold personal data.
            tracing::warn!(automation = %flow.name, object = %object.name, record_id = %id, "flow failed silently");
            if let Some(trace) = org.object(&failure.trace.object) {
                let trace_values =
                    resolve_values(&failure.trace.fields, trace, id, &values, &flow.name, &failure.message);
                undos.push(store.insert_system(trace, trace_values).1);
            }
            continue;
        }
        let set = resolve_values(&flow.set, object, id, &values, &flow.name, "");
        if !set.is_empty() {
            undos.extend(store.update_system(object, id, set));
        }
        for created in &flow.create {
            if let Some(target) = org.object(&created.object) {
                let new_values = resolve_values(&created.fields, target, id, &values, &flow.name, "");
                undos.push(store.insert_system(target, new_values).1);
            }
        }
    }
    undos
}
