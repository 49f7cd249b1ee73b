//! `contracts check`: every mapping's source and target exist and the mapping type-checks.

use super::Catalog;
use crate::finding::Finding;
use crate::mapping::typecheck_mapping;

impl Catalog {
    /// Every finding over the whole catalog: unknown sources and targets, and every mapping's
    /// type-check findings. Empty means the catalog is consistent.
    pub fn check(&self) -> Vec<Finding> {
        let mut findings = Vec::new();
        for mapping in self.mappings() {
            let spec = mapping.spec();
            let source = self.event(&spec.source);
            let target = self.target(&spec.system, &spec.target);
            if source.is_none() {
                findings.push(Finding::error(
                    &spec.file,
                    "source",
                    "mapping.unknown-source",
                    format!("the catalog has no event contract {}", spec.source),
                ));
            }
            if target.is_none() {
                findings.push(Finding::error(
                    &spec.file,
                    "target",
                    "mapping.unknown-target",
                    format!("system `{}` has no target contract {}", spec.system, spec.target),
                ));
            }
            if let (Some(source), Some(target)) = (source, target) {
                findings.extend(typecheck_mapping(mapping, &source.schema, target));
            }
        }
        findings
    }
}
