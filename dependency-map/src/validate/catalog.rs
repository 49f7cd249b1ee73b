//! Rules joining the map and the contract catalog: what a delivery target consumes must exist
//! in the catalog and be mapped into it, and every system the catalog maps into must be on the
//! map.

use std::collections::BTreeSet;

use switchyard_contracts::catalog::SystemCatalog;
use switchyard_contracts::{Catalog, EventRef, Finding};

use crate::annotations::{CONSUMES, MAPPINGS};
use crate::entity::{Delivery, Entity};
use crate::map::DependencyMap;
use crate::parse::annotation_field;
use crate::rules;

fn deliveries(map: &DependencyMap) -> impl Iterator<Item = (&Entity, &Delivery)> {
    map.delivery_targets().filter_map(|entity| entity.delivery.as_ref().map(|delivery| (entity, delivery)))
}

fn mapped_sources(system: Option<&SystemCatalog>) -> BTreeSet<&EventRef> {
    system.into_iter().flat_map(|system| system.mappings.values()).map(|m| &m.spec().source).collect()
}

/// `map.unknown-event-contract` and `map.unmapped-consumption`.
pub(super) fn check_consumed_contracts(map: &DependencyMap, catalog: &Catalog, findings: &mut Vec<Finding>) {
    for (entity, delivery) in deliveries(map) {
        let place = entity.place(&annotation_field(CONSUMES));
        let system = catalog.system(&delivery.system);
        let mapped = mapped_sources(system);
        for consumed in &delivery.consumes {
            if catalog.event(consumed).is_none() {
                let versions: Vec<String> = catalog
                    .versions_of(&consumed.event_type)
                    .iter()
                    .map(|c| c.contract.version.to_string())
                    .collect();
                let message = if versions.is_empty() {
                    format!("the contract catalog has no event type `{}`", consumed.event_type)
                } else {
                    format!(
                        "the contract catalog has `{}` {} but not {}",
                        consumed.event_type,
                        versions.join(", "),
                        consumed.version
                    )
                };
                findings.push(Finding::error(
                    &entity.file,
                    place.clone(),
                    rules::UNKNOWN_EVENT_CONTRACT,
                    message,
                ));
            } else if !mapped.contains(consumed) {
                let message = format!(
                    "consumes `{consumed}`, but the catalog has no mapping from it into system `{}` \
                     (add one under systems/{}/mappings/)",
                    delivery.system, delivery.system
                );
                findings.push(Finding::error(
                    &entity.file,
                    place.clone(),
                    rules::UNMAPPED_CONSUMPTION,
                    message,
                ));
            }
        }
        let consumed: BTreeSet<&EventRef> = delivery.consumes.iter().collect();
        for mapping in system.into_iter().flat_map(|system| system.mappings.values()) {
            let spec = mapping.spec();
            if !consumed.contains(&spec.source) {
                let message = format!(
                    "the catalog maps `{}` into `{}` (mapping `{}`), but this list omits it, so impact \
                     analysis would miss it",
                    spec.source, delivery.system, spec.name
                );
                findings.push(Finding::error(
                    &entity.file,
                    place.clone(),
                    rules::UNDECLARED_CONSUMPTION,
                    message,
                ));
            }
        }
    }
}

/// `map.unknown-mapping`: every name in `switchyard.io/mappings` is a mapping of that system.
pub(super) fn check_mappings(map: &DependencyMap, catalog: &Catalog, findings: &mut Vec<Finding>) {
    for (entity, delivery) in deliveries(map) {
        let system = catalog.system(&delivery.system);
        for name in &delivery.mappings {
            if system.is_some_and(|system| system.mappings.contains_key(name)) {
                continue;
            }
            let message = match system {
                Some(system) => {
                    let known: Vec<&str> = system.mappings.keys().map(String::as_str).collect();
                    format!(
                        "the catalog has no mapping `{name}` for system `{}` (it has: {})",
                        delivery.system,
                        if known.is_empty() { "none".to_owned() } else { known.join(", ") }
                    )
                }
                None => format!("the catalog has no system `{}`, so no mapping `{name}`", delivery.system),
            };
            let place = entity.place(&annotation_field(MAPPINGS));
            findings.push(Finding::error(&entity.file, place, rules::UNKNOWN_MAPPING, message));
        }
    }
}

/// `map.unknown-system`: every catalog system with mappings is a delivery target on the map.
pub(super) fn check_catalog_systems(map: &DependencyMap, catalog: &Catalog, findings: &mut Vec<Finding>) {
    for (id, system) in &catalog.systems {
        if system.mappings.is_empty() || map.delivery_target(id).is_some() {
            continue;
        }
        let names: Vec<&str> = system.mappings.keys().map(String::as_str).collect();
        let same_name: Vec<String> = map
            .nodes()
            .filter(|e| e.entity_ref.name() == id.as_str())
            .map(|e| e.entity_ref.to_string())
            .collect();
        let hint = if same_name.is_empty() {
            format!("add an entity named `{id}` with `{CONSUMES}`")
        } else {
            format!("{} has that name but no `{CONSUMES}`", same_name.join(" and "))
        };
        let message = format!(
            "the catalog maps events into system `{id}` ({}), but the map does not know it as a \
             delivery target: {hint}",
            names.join(", ")
        );
        let file = catalog.root.join("systems").join(id.as_str());
        findings.push(Finding::error(file, format!("system {id}"), rules::UNKNOWN_SYSTEM, message));
    }
}
