//! Compatibility between versions of an event contract or a target contract, with modes as in
//! Confluent Schema Registry (BACKWARD, FORWARD, FULL and their `_TRANSITIVE` forms).

mod check;
mod json_types;
mod mode;
mod render;
mod schema_change;
mod schema_diff;
mod schema_keywords;
mod schema_shape;
mod target_diff;
#[cfg(test)]
mod tests;

pub use check::{CompatError, check_event_contract, check_target_contract};
pub use schema_diff::diff_event_schemas;
pub use target_diff::diff_target_contracts;

use serde::Serialize;

use crate::finding::{Finding, Severity};
use crate::names::{ContractVersion, SystemId};

/// Which direction(s) of compatibility a change must keep.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CompatibilityMode {
    /// Consumers using the new version can read data written with the previous one.
    Backward,
    /// As `Backward`, against every earlier version.
    BackwardTransitive,
    /// Consumers using the previous version can read data written with the new one.
    Forward,
    ForwardTransitive,
    /// Both `Backward` and `Forward`.
    Full,
    FullTransitive,
}

/// Which way a change breaks readers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// New readers cannot read old data.
    Backward,
    /// Old readers cannot read new data.
    Forward,
}

/// One incompatibility between two versions: where, what kind, how bad.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Incompatibility {
    /// JSON pointer into the newer contract (schema path for events, `/fields/<Name>` or
    /// `/external_id` for target contracts). Something removed points where it was.
    pub pointer: String,
    /// A stable code, e.g. `required-added`, `property-removed`, `type-narrowed`.
    pub kind: &'static str,
    pub severity: Severity,
    pub direction: Direction,
    pub from: ContractVersion,
    pub to: ContractVersion,
    pub message: String,
}

/// A mapping that no longer type-checks against a changed target contract.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BrokenMapping {
    pub system: SystemId,
    pub mapping: String,
    pub findings: Vec<Finding>,
}

/// The result of comparing contract versions under one mode.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CompatibilityReport {
    /// `enrollment.created` for an event contract, `salesforce/Contact` for a target contract.
    pub subject: String,
    pub from: ContractVersion,
    pub to: ContractVersion,
    pub mode: CompatibilityMode,
    pub incompatibilities: Vec<Incompatibility>,
    /// For target contracts: mappings written against `from` that break against `to`.
    pub broken_mappings: Vec<BrokenMapping>,
}

impl CompatibilityReport {
    /// Compatible when nothing of severity `error` was found and no mapping breaks.
    pub fn is_compatible(&self) -> bool {
        self.broken_mappings.is_empty()
            && !self.incompatibilities.iter().any(|i| i.severity == Severity::Error)
    }
}
