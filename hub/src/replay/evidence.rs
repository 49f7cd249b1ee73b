//! What a replay run records as evidence: the contract versions of the system's mappings and
//! digests of the catalog and the dependency map it ran with.

use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};
use switchyard_contracts::catalog::SystemCatalog;
use ulid::Ulid;

use super::report::ReplayReport;
use crate::store::ReplayRun;

/// Mapping name -> its source event contract and target contract versions.
pub fn contract_versions(system: &SystemCatalog) -> Value {
    let versions: Map<String, Value> = system
        .mappings
        .iter()
        .map(|(name, mapping)| {
            let spec = mapping.spec();
            (name.clone(), json!({"source": spec.source.to_string(), "target": spec.target.to_string()}))
        })
        .collect();
    Value::Object(versions)
}

/// SHA-256 over every file under `root` (relative path and contents, in path order), hex.
pub fn directory_digest(root: &Path) -> std::io::Result<String> {
    let mut files = Vec::new();
    collect_files(root, &mut files)?;
    files.sort();
    let mut hasher = Sha256::new();
    for file in files {
        let relative = file.strip_prefix(root).unwrap_or(&file);
        hasher.update(relative.to_string_lossy().as_bytes());
        hasher.update([0u8]);
        hasher.update(std::fs::read(&file)?);
        hasher.update([0u8]);
    }
    Ok(hasher.finalize().iter().map(|byte| format!("{byte:02x}")).collect())
}

fn collect_files(dir: &Path, files: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect_files(&path, files)?;
        } else {
            files.push(path);
        }
    }
    Ok(())
}

/// The ledger record of `report`.
pub fn run_record(
    report: &ReplayReport,
    system: &SystemCatalog,
    catalog_digest: String,
    map_digest: String,
) -> ReplayRun {
    ReplayRun {
        id: Ulid::generate().to_string(),
        system: report.system.clone(),
        target: report.target.clone(),
        contracts: contract_versions(system),
        catalog_digest,
        map_digest,
        started_at: report.started_at,
        finished_at: chrono::Utc::now(),
        cases: report.cases.len() as i64,
        passed: report.passed() as i64,
        failed: report.failed() as i64,
        report: serde_json::to_value(report).unwrap_or(Value::Null),
    }
}
