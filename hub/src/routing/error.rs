//! Why the hub refuses to start on its routes; every error is collected, not the first.

use switchyard_contracts::{EventRef, Finding, SystemId};

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RouteError {
    /// `[systems.<id>]` names a system that is no delivery target on the map.
    #[error("systems.{system}: the dependency map has no delivery target `{system}`")]
    UnknownSystem { system: SystemId },
    /// The map's delivery target has no system in the catalog.
    #[error("{system}: the catalog has no system `{system}` (contracts/catalog/systems/{system})")]
    SystemNotInCatalog { system: SystemId },
    /// The map says the system consumes a version the catalog has no mapping for.
    #[error("{system}: consumes {event} but the catalog has no mapping from it into `{system}`")]
    MissingMapping { system: SystemId, event: EventRef },
    /// `switchyard.io/mappings` names a mapping the catalog's system does not have.
    #[error("{system}: the map names mapping `{mapping}`, which the catalog does not have")]
    UnknownMapping { system: SystemId, mapping: String },
    /// A routed mapping's source event contract or target contract is not in the catalog.
    #[error("{system}: mapping `{mapping}` reads or writes a contract the catalog does not have: {missing}")]
    MissingContract { system: SystemId, mapping: String, missing: String },
    /// A routed mapping does not type-check against its source and target.
    #[error(
        "{system}: mapping `{mapping}` does not type-check: {}",
        findings.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")
    )]
    MappingTypeCheck { system: SystemId, mapping: String, findings: Vec<Finding> },
    /// `systems.<id>.adapter` disagrees with the map's `switchyard.io/adapter`.
    #[error("systems.{system}.adapter: `{configured}` but the dependency map says `{on_map}`")]
    AdapterMismatch { system: SystemId, configured: String, on_map: String },
    /// An expectation of the system's catalog does not compile.
    #[error("{system}: {problem}")]
    Expectation { system: SystemId, problem: String },
    /// The map's adapter kind is not one the hub knows.
    #[error("{system}: the hub has no adapter `{adapter}` (known: salesforce, webhook)")]
    UnknownAdapter { system: SystemId, adapter: String },
}
