//! Validation of a loaded map: structure (references, owners, contacts, cycles) and agreement
//! with the contract catalog. Pure functions returning every finding, sorted.

mod catalog;
mod cycles;
mod structure;

use switchyard_contracts::{Catalog, Finding};

use crate::map::DependencyMap;

pub use cycles::dependency_cycles;

/// Every problem of the map, checked on its own and against the catalog: the load warnings,
/// then each rule's findings, sorted by file and place.
pub fn validate(map: &DependencyMap, catalog: &Catalog) -> Vec<Finding> {
    let mut findings = check_structure(map);
    findings.extend(check_against_catalog(map, catalog));
    sort(&mut findings);
    findings
}

/// The rules that need only the map: references, owners and how to reach them, cycles.
pub fn check_structure(map: &DependencyMap) -> Vec<Finding> {
    let mut findings = map.load_warnings().to_vec();
    structure::check_references(map, &mut findings);
    structure::check_owners(map, &mut findings);
    structure::check_contacts(map, &mut findings);
    cycles::check_cycles(map, &mut findings);
    sort(&mut findings);
    findings
}

/// The rules that join the map and the catalog: consumed contracts, mappings and systems.
pub fn check_against_catalog(map: &DependencyMap, catalog: &Catalog) -> Vec<Finding> {
    let mut findings = Vec::new();
    catalog::check_consumed_contracts(map, catalog, &mut findings);
    catalog::check_mappings(map, catalog, &mut findings);
    catalog::check_catalog_systems(map, catalog, &mut findings);
    sort(&mut findings);
    findings
}

fn sort(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        (&a.file, &a.place, a.rule, &a.message).cmp(&(&b.file, &b.place, b.rule, &b.message))
    });
}
