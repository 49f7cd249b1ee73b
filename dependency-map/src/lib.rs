//! Switchyard's dependency map: the downstream systems, who owns them and how to reach them,
//! what each consumes from the hub, and what depends on what, written as Backstage catalog
//! YAML. Loading and validation (against the contract catalog), impact analysis, rendering
//! (Mermaid, Graphviz DOT) and the sign-off model the wave gates use.
//!
//! Only loading reads files; everything else is a pure function of the loaded map.

pub mod annotations;
mod entity;
mod error;
mod graph;
mod impact;
mod load;
mod map;
mod parse;
pub mod render;
pub mod report;
pub mod rules;
mod signoff;
mod validate;

pub use entity::{Contacts, DEFAULT_NAMESPACE, Delivery, Entity, EntityRef, Kind, Reference};
pub use error::{QueryError, ResolveError};
pub use graph::{DownstreamGraph, Edge, Relation};
pub use impact::{
    ImpactPath, ImpactQuery, ImpactReport, ImpactedEntity, Owner, PathStart, PathStep, impact,
    parse_contract_change,
};
pub use map::DependencyMap;
pub use signoff::{RequiredSignOff, SignOffPlan};
pub use validate::{check_against_catalog, check_structure, dependency_cycles, validate};
