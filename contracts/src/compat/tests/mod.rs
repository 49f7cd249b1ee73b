//! Tests of the compatibility checks, asserting what a user would check.

mod catalog;
mod event_schemas;
mod target_contracts;

use super::{Direction, Incompatibility};
use crate::finding::Severity;
use crate::names::ContractVersion;

fn v(number: u32) -> ContractVersion {
    ContractVersion::new(number).expect("test versions are positive")
}

/// The kind codes found, in order.
fn kinds(found: &[Incompatibility]) -> Vec<&'static str> {
    found.iter().map(|incompatibility| incompatibility.kind).collect()
}

/// The one incompatibility of `kind`, failing the test when there is not exactly one.
fn only<'a>(found: &'a [Incompatibility], kind: &str) -> &'a Incompatibility {
    let matching: Vec<&Incompatibility> = found.iter().filter(|found| found.kind == kind).collect();
    assert_eq!(matching.len(), 1, "expected one `{kind}` in {found:#?}");
    matching[0]
}

fn errors(found: &[Incompatibility], direction: Direction) -> Vec<&Incompatibility> {
    found.iter().filter(|found| found.severity == Severity::Error && found.direction == direction).collect()
}
