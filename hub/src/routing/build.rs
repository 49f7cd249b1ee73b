//! `Routes::build`: for every delivery target on the map and every event version it consumes,
//! the catalog mappings into that system from that version, each type-checked.
//!
//! A system on the map that has no adapter settings in the configuration is still routed: its
//! deliveries are recorded and wait (attempts unspent) until it is configured, so an
//! unconfigured downstream never loses events and never stops the hub. `waiting_systems` lists
//! them for the start-up log and the health API. What refuses the start is a configuration or a
//! map that cannot be right: a configured system that is not on the map, an adapter kind that
//! disagrees with the map, a consumed version without a mapping, a mapping that does not
//! type-check.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use switchyard_contracts::mapping::{CompiledMapping, typecheck_mapping};
use switchyard_contracts::{Catalog, EventRef, SystemId};
use switchyard_dependency_map::{Delivery, DependencyMap};

use super::error::RouteError;
use crate::config::{AdapterKind, HubConfig};
use crate::verify::SystemExpectations;

/// One way an event version reaches one system.
#[derive(Debug, Clone)]
pub struct Route {
    pub system: SystemId,
    pub mapping: Arc<CompiledMapping>,
}

/// Every route, by event version.
#[derive(Debug, Clone, Default)]
pub struct Routes {
    by_event: BTreeMap<EventRef, Vec<Route>>,
    adapters: BTreeMap<SystemId, AdapterKind>,
    waiting: BTreeSet<SystemId>,
    /// The catalog's expectations of each routed system that has some, compiled.
    expectations: BTreeMap<SystemId, Arc<SystemExpectations>>,
}

impl Routes {
    /// Builds the routes, or returns every reason the hub must not start.
    pub fn build(
        map: &DependencyMap,
        catalog: &Catalog,
        config: &HubConfig,
    ) -> Result<Routes, Vec<RouteError>> {
        let mut routes = Routes::default();
        let mut errors = Vec::new();
        for system in config.systems.keys() {
            if map.delivery_target(system).is_none() {
                errors.push(RouteError::UnknownSystem { system: system.clone() });
            }
        }
        for delivery in map.delivery_targets().filter_map(|entity| entity.delivery.as_ref()) {
            let system = &delivery.system;
            match adapter_kind(delivery, config) {
                Ok(kind) => {
                    routes.adapters.insert(system.clone(), kind);
                    if !is_configured(kind, system, config) {
                        routes.waiting.insert(system.clone());
                    }
                }
                Err(error) => errors.push(error),
            }
            if let Some(system_catalog) = catalog.system(system)
                && !system_catalog.expectations.is_empty()
            {
                match SystemExpectations::compile(&system_catalog.expectations) {
                    Ok(compiled) => {
                        routes.expectations.insert(system.clone(), Arc::new(compiled));
                    }
                    Err(problem) => errors.push(RouteError::Expectation { system: system.clone(), problem }),
                }
            }
            for route in system_routes(delivery, catalog, &mut errors) {
                let event = route.mapping.spec().source.clone();
                routes.by_event.entry(event).or_default().push(route);
            }
        }
        if errors.is_empty() { Ok(routes) } else { Err(errors) }
    }

    /// The routes of one event version; empty when nothing consumes it.
    pub fn for_event(&self, event: &EventRef) -> &[Route] {
        self.by_event.get(event).map_or(&[], Vec::as_slice)
    }

    /// Every routed event version.
    pub fn events(&self) -> impl Iterator<Item = &EventRef> {
        self.by_event.keys()
    }

    /// Every routed system and its adapter kind.
    pub fn systems(&self) -> impl Iterator<Item = (&SystemId, AdapterKind)> {
        self.adapters.iter().map(|(system, kind)| (system, *kind))
    }

    pub fn adapter(&self, system: &SystemId) -> Option<AdapterKind> {
        self.adapters.get(system).copied()
    }

    /// Routed systems without adapter settings: their deliveries wait.
    pub fn waiting_systems(&self) -> impl Iterator<Item = &SystemId> {
        self.waiting.iter()
    }

    pub fn is_waiting(&self, system: &SystemId) -> bool {
        self.waiting.contains(system)
    }

    /// The system's compiled expectations, if its catalog has any.
    pub fn expectations(&self, system: &SystemId) -> Option<&Arc<SystemExpectations>> {
        self.expectations.get(system)
    }
}

/// The map's adapter kind, which `systems.<id>.adapter` must agree with when given.
fn adapter_kind(delivery: &Delivery, config: &HubConfig) -> Result<AdapterKind, RouteError> {
    let system = &delivery.system;
    let Some(on_map) = AdapterKind::parse(&delivery.adapter) else {
        return Err(RouteError::UnknownAdapter { system: system.clone(), adapter: delivery.adapter.clone() });
    };
    match config.systems.get(system).and_then(|settings| settings.adapter) {
        Some(configured) if configured != on_map => Err(RouteError::AdapterMismatch {
            system: system.clone(),
            configured: configured.as_str().to_owned(),
            on_map: on_map.as_str().to_owned(),
        }),
        _ => Ok(on_map),
    }
}

/// Whether the configuration holds what the adapter needs to deliver.
fn is_configured(kind: AdapterKind, system: &SystemId, config: &HubConfig) -> bool {
    let settings = config.systems.get(system);
    match kind {
        AdapterKind::Webhook => settings.is_some_and(|settings| settings.webhook.is_some()),
        AdapterKind::Salesforce => settings.is_some_and(|settings| settings.salesforce.is_some()),
    }
}

/// The routes into one system, each mapping checked; problems go to `errors`.
fn system_routes(delivery: &Delivery, catalog: &Catalog, errors: &mut Vec<RouteError>) -> Vec<Route> {
    let system = &delivery.system;
    let Some(system_catalog) = catalog.system(system) else {
        errors.push(RouteError::SystemNotInCatalog { system: system.clone() });
        return Vec::new();
    };
    for name in &delivery.mappings {
        if !system_catalog.mappings.contains_key(name) {
            errors.push(RouteError::UnknownMapping { system: system.clone(), mapping: name.clone() });
        }
    }
    let listed = |name: &String| delivery.mappings.is_empty() || delivery.mappings.contains(name);
    let mut routes = Vec::new();
    for event in &delivery.consumes {
        let mappings: Vec<_> = system_catalog
            .mappings
            .iter()
            .filter(|(name, mapping)| &mapping.spec().source == event && listed(name))
            .collect();
        if mappings.is_empty() {
            errors.push(RouteError::MissingMapping { system: system.clone(), event: event.clone() });
        }
        for (name, mapping) in mappings {
            if let Err(error) = check_mapping(system, name, mapping, catalog) {
                errors.push(error);
            } else {
                routes.push(Route { system: system.clone(), mapping: Arc::clone(mapping) });
            }
        }
    }
    routes
}

fn check_mapping(
    system: &SystemId,
    name: &str,
    mapping: &CompiledMapping,
    catalog: &Catalog,
) -> Result<(), RouteError> {
    let spec = mapping.spec();
    let source = catalog.event(&spec.source);
    let target = catalog.target(system, &spec.target);
    let (Some(source), Some(target)) = (source, target) else {
        let missing = if source.is_none() { spec.source.to_string() } else { spec.target.to_string() };
        return Err(RouteError::MissingContract {
            system: system.clone(),
            mapping: name.to_owned(),
            missing,
        });
    };
    let findings: Vec<_> = typecheck_mapping(mapping, &source.schema, target)
        .into_iter()
        .filter(|finding| finding.is_error())
        .collect();
    if findings.is_empty() {
        Ok(())
    } else {
        Err(RouteError::MappingTypeCheck { system: system.clone(), mapping: name.to_owned(), findings })
    }
}
