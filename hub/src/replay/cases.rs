//! Replay cases: an event, the mapping it goes through, and what must happen downstream.

use serde::Serialize;
use serde_json::Value;
use switchyard_adapters::salesforce::ObjectTarget;
use switchyard_contracts::catalog::{SystemCatalog, TargetContract};

/// What a case expects of the downstream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Expected {
    /// The record is accepted and every expectation that applies to it holds when read back.
    Confirmed,
    /// The mapping skips the event (its `when` is false): nothing is sent.
    Skipped,
    /// The downstream refuses the record with this code (e.g. `DUPLICATES_DETECTED`).
    Rejected { code: String },
    /// An edge-case class of the legacy catalog: its events, each as expected, and the
    /// class's own outcome (`outcome` as the catalog words it).
    EdgeCase { class: String, outcome: String },
}

/// A field of the delivered record read back by itself: what the org holds must be what the
/// mapping made of the legacy value (an edge case's normalized or dropped field).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldCheck {
    pub field: String,
    /// `None`: the org must hold no value.
    pub equals: Option<Value>,
}

/// One case to replay.
#[derive(Debug, Clone)]
pub struct ReplayCase {
    /// Unique within the replay, e.g. `contact-from-user-migrated/ordinary active learner`.
    pub name: String,
    pub mapping: String,
    /// The CloudEvent (its `data` goes through the mapping; its attributes are `$event`).
    pub event: Value,
    pub expected: Expected,
    /// Fields read back after a confirmed delivery, beside the catalog's expectations.
    pub field_checks: Vec<FieldCheck>,
}

/// The system's catalog fixtures as cases, parents' objects first (see
/// [`objects_parents_first`]), then in file order.
pub fn fixture_cases(system: &SystemCatalog) -> Vec<ReplayCase> {
    let rank = parent_rank(system);
    let mut cases: Vec<(usize, usize, ReplayCase)> = system
        .fixtures
        .iter()
        .enumerate()
        .map(|(index, fixture)| {
            let expected = if fixture.expected.is_some() { Expected::Confirmed } else { Expected::Skipped };
            let case = ReplayCase {
                name: format!("{}/{}", fixture.mapping, fixture.name),
                mapping: fixture.mapping.clone(),
                event: fixture.event.clone(),
                expected,
                field_checks: Vec::new(),
            };
            (rank(&fixture.mapping), index, case)
        })
        .collect();
    cases.sort_by_key(|(rank, index, _)| (*rank, *index));
    cases.into_iter().map(|(_, _, case)| case).collect()
}

/// A mapping's place in delivery order: the rank of its target object among
/// [`objects_parents_first`] (unknown objects last).
pub fn parent_rank(system: &SystemCatalog) -> impl Fn(&str) -> usize + '_ {
    let objects: Vec<String> =
        objects_parents_first(system).into_iter().map(|target| target.object).collect();
    move |mapping: &str| {
        let object = system.mappings.get(mapping).map(|m| m.spec().target.object.to_string());
        object.and_then(|object| objects.iter().position(|o| *o == object)).unwrap_or(usize::MAX)
    }
}

/// The system's objects with an external id, parents first (an object whose fields look up
/// another of them comes after it).
pub fn objects_parents_first(system: &SystemCatalog) -> Vec<ObjectTarget> {
    let mut latest: Vec<(String, &TargetContract)> = Vec::new();
    for (target, contract) in &system.targets {
        let object = target.object.to_string();
        match latest.iter_mut().find(|(name, _)| *name == object) {
            Some(entry) => entry.1 = contract,
            None => latest.push((object, contract)),
        }
    }
    let names: Vec<String> = latest.iter().map(|(name, _)| name.clone()).collect();
    let depth = |contract: &TargetContract| {
        contract
            .fields
            .iter()
            .filter(|f| f.reference_to.as_ref().is_some_and(|to| names.contains(to)))
            .count()
    };
    latest.sort_by_key(|(_, contract)| depth(contract));
    latest
        .into_iter()
        .filter_map(|(object, contract)| {
            contract.external_id.clone().map(|field| ObjectTarget::new(object, field))
        })
        .collect()
}
