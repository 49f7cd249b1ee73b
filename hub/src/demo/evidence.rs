//! The evidence a wave's gates read, produced as the teams would: the edge-case catalog
//! replayed against a sandbox copy of each impacted system (recorded in the ledger with the
//! contract versions it ran with), and each owner's sign-off.

use std::path::Path;
use std::time::Duration;

use switchyard_contracts::SystemId;
use switchyard_dependency_map::DependencyMap;
use switchyard_sandbox::OrgConfig;
use switchyard_sandbox::legacy::class_cases;

use super::DemoError;
use super::rig::Rig;
use crate::replay::{ReplayReport, ReplayTarget, class_replay, directory_digest, replay, run_record};

/// What one replay found.
#[derive(Debug, Clone)]
pub struct ReplayOutcome {
    pub system: String,
    pub passed: usize,
    pub cases: usize,
    /// The classes that failed, each with its first problem.
    pub failures: Vec<(String, String)>,
}

/// Replays the catalog's 52 edge-case classes against `system`'s sandbox copy (the org as
/// configured now: with the CRM team's flow change when `flow_changed`) and records the run.
pub async fn replay_system(
    rig: &Rig,
    system: &str,
    seed: u64,
    flow_changed: bool,
    work: &Path,
) -> Result<ReplayOutcome, DemoError> {
    let failed = DemoError::at("replaying the edge cases");
    let id = SystemId::parse(system).map_err(|err| failed(err.to_string()))?;
    let Some(catalog) = rig.catalog().system(&id) else {
        return Err(DemoError::at("replaying the edge cases")(format!("{system} is not in the catalog")));
    };
    let dir = tempfile::tempdir_in(work)
        .map_err(|err| DemoError::at("replaying the edge cases")(err.to_string()))?;
    let classes = class_cases(dir.path(), seed, None)
        .map_err(|err| DemoError::at("replaying the edge cases")(err.to_string()))?;
    let classes = class_replay(catalog, &classes);
    let target = if system == "lms" {
        ReplayTarget::SimulateWebhook { answers: Vec::new() }
    } else {
        ReplayTarget::Simulate { org: Box::new(OrgConfig::e_learning().with_silent_failures(flow_changed)) }
    };
    let report = replay(catalog, &classes.cases, target, Duration::ZERO)
        .await
        .map_err(|err| DemoError::at("replaying the edge cases")(err.to_string()))?;
    let report = classes.per_class(report);
    record(rig, catalog, &report).await?;
    Ok(ReplayOutcome {
        system: system.to_owned(),
        passed: report.passed(),
        cases: report.cases.len(),
        failures: report
            .cases
            .iter()
            .filter(|case| !case.passed)
            .map(|case| (case.name.clone(), case.problems.first().cloned().unwrap_or_default()))
            .collect(),
    })
}

async fn record(
    rig: &Rig,
    catalog: &switchyard_contracts::catalog::SystemCatalog,
    report: &ReplayReport,
) -> Result<(), DemoError> {
    let failed = |err: std::io::Error| DemoError::at("recording the replay")(err.to_string());
    let catalog_digest = directory_digest(&switchyard_contracts::Catalog::shipped_root()).map_err(failed)?;
    let map_digest = directory_digest(&DependencyMap::shipped_root()).map_err(failed)?;
    let run = run_record(report, catalog, catalog_digest, map_digest);
    rig.control
        .store()
        .record_replay_run(&run)
        .await
        .map_err(|err| DemoError::at("recording the replay")(err.to_string()))
}
