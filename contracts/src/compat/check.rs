//! Compatibility checks against the catalog: which versions to compare under a mode, and which
//! mappings a target-contract change breaks.

use std::collections::BTreeSet;

use super::{
    BrokenMapping, CompatibilityMode, CompatibilityReport, diff_event_schemas,
    target_diff::diff_target_contracts,
};
use crate::catalog::{Catalog, SystemCatalog, TargetContract};
use crate::finding::Finding;
use crate::mapping::typecheck_mapping;
use crate::names::{ContractVersion, EventRef, EventType, ObjectName, SystemId, TargetRef};

/// Why a compatibility check could not run: a contract version it needs is not in the catalog.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CompatError {
    #[error(
        "event contract `{event_type}@{version}` is not in the catalog (known versions: {})",
        list(known)
    )]
    UnknownEventVersion { event_type: EventType, version: ContractVersion, known: Vec<ContractVersion> },
    #[error("system `{system}` is not in the catalog")]
    UnknownSystem { system: SystemId },
    #[error(
        "target contract `{system}/{object}@{version}` is not in the catalog (known versions: {})",
        list(known)
    )]
    UnknownTargetVersion {
        system: SystemId,
        object: ObjectName,
        version: ContractVersion,
        known: Vec<ContractVersion>,
    },
}

fn list(versions: &[ContractVersion]) -> String {
    if versions.is_empty() {
        return "none".to_owned();
    }
    versions.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
}

/// Compares two versions of an event contract under `mode`.
///
/// BACKWARD, FORWARD and FULL compare `to` with `from`. Their `_TRANSITIVE` forms compare `to`
/// with every version of the contract in the catalog older than `to` (`from` must still exist;
/// it is reported as the report's `from`, while each incompatibility names the version it
/// comes from), as Confluent Schema Registry does.
pub fn check_event_contract(
    catalog: &Catalog,
    event_type: &EventType,
    from: ContractVersion,
    to: ContractVersion,
    mode: CompatibilityMode,
) -> Result<CompatibilityReport, CompatError> {
    let versions = catalog.versions_of(event_type);
    let known: Vec<ContractVersion> = versions.iter().map(|contract| contract.contract.version).collect();
    let find = |version: ContractVersion| {
        catalog.event(&EventRef::new(event_type.clone(), version)).ok_or_else(|| {
            CompatError::UnknownEventVersion { event_type: event_type.clone(), version, known: known.clone() }
        })
    };
    let new = find(to)?;
    let old = find(from)?;
    let baselines = if mode.is_transitive() {
        versions.into_iter().filter(|contract| contract.contract.version < to).collect()
    } else {
        vec![old]
    };
    let incompatibilities = baselines
        .iter()
        .flat_map(|old| diff_event_schemas(&old.schema, &new.schema, old.contract.version, to, mode))
        .collect();
    Ok(CompatibilityReport {
        subject: event_type.to_string(),
        from,
        to,
        mode,
        incompatibilities,
        broken_mappings: Vec::new(),
    })
}

/// Compares two versions of one system's target contract under `mode` (versions chosen as for
/// `check_event_contract`), and re-type-checks against `to` every mapping of that system written
/// against a compared version: those with error findings are `broken_mappings`.
pub fn check_target_contract(
    catalog: &Catalog,
    system: &SystemId,
    object: &ObjectName,
    from: ContractVersion,
    to: ContractVersion,
    mode: CompatibilityMode,
) -> Result<CompatibilityReport, CompatError> {
    let system_catalog =
        catalog.system(system).ok_or_else(|| CompatError::UnknownSystem { system: system.clone() })?;
    let versions: Vec<&TargetContract> =
        system_catalog.targets.values().filter(|contract| &contract.target.object == object).collect();
    let find = |version: ContractVersion| {
        system_catalog.targets.get(&TargetRef::new(object.clone(), version)).ok_or_else(|| {
            CompatError::UnknownTargetVersion {
                system: system.clone(),
                object: object.clone(),
                version,
                known: versions.iter().map(|contract| contract.target.version).collect(),
            }
        })
    };
    let new = find(to)?;
    let old = find(from)?;
    let baselines = if mode.is_transitive() {
        versions.iter().copied().filter(|contract| contract.target.version < to).collect()
    } else {
        vec![old]
    };
    let incompatibilities = baselines.iter().flat_map(|old| diff_target_contracts(old, new, mode)).collect();
    let compared: BTreeSet<ContractVersion> = baselines.iter().map(|old| old.target.version).collect();
    Ok(CompatibilityReport {
        subject: format!("{system}/{object}"),
        from,
        to,
        mode,
        incompatibilities,
        broken_mappings: broken_mappings(catalog, system_catalog, object, &compared, new),
    })
}

/// The system's mappings written against one of the `compared` versions of `object` that no
/// longer type-check against `new`.
fn broken_mappings(
    catalog: &Catalog,
    system: &SystemCatalog,
    object: &ObjectName,
    compared: &BTreeSet<ContractVersion>,
    new: &TargetContract,
) -> Vec<BrokenMapping> {
    let mut broken = Vec::new();
    for mapping in system.mappings.values() {
        let spec = mapping.spec();
        if &spec.target.object != object || !compared.contains(&spec.target.version) {
            continue;
        }
        let findings = match catalog.event(&spec.source) {
            Some(source) => typecheck_mapping(mapping, &source.schema, new),
            // Not silently skipped: without its source the mapping cannot be proven to fit.
            None => vec![Finding::error(
                &spec.file,
                "source",
                "compat.source-missing",
                format!("source event contract `{}` is not in the catalog", spec.source),
            )],
        };
        if findings.iter().any(Finding::is_error) {
            broken.push(BrokenMapping { system: system.id.clone(), mapping: spec.name.clone(), findings });
        }
    }
    broken
}
