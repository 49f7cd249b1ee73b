//! A wave's gates, each with its evidence: the routes' systems are on the map, the contract
//! tests of every impacted system pass, a replay against each passed with the very contract
//! versions in use (recently enough), and every owner of an impacted system signed off.

use chrono::{Duration, Utc};
use serde::Serialize;
use switchyard_contracts::Catalog;
use switchyard_contracts::testing::run_contract_tests;

use super::plan::WavePlan;
use crate::replay::contract_versions;
use crate::routing::RouteError;
use crate::store::{Store, StoreError};

/// One gate's verdict.
#[derive(Debug, Clone, Serialize)]
pub struct GateResult {
    pub gate: &'static str,
    pub passed: bool,
    /// One line per system or owner: what was found.
    pub evidence: Vec<String>,
}

/// Every gate of the wave.
#[derive(Debug, Clone, Serialize)]
pub struct GateReport {
    pub wave: String,
    pub gates: Vec<GateResult>,
}

impl GateReport {
    pub fn passed(&self) -> bool {
        self.gates.iter().all(|gate| gate.passed)
    }

    pub fn failing(&self) -> impl Iterator<Item = &GateResult> {
        self.gates.iter().filter(|gate| !gate.passed)
    }

    pub fn to_text(&self) -> String {
        let mut out = format!("gates of wave {}:\n", self.wave);
        for gate in &self.gates {
            out.push_str(&format!("  {} {}\n", if gate.passed { "pass" } else { "FAIL" }, gate.gate));
            for line in &gate.evidence {
                out.push_str(&format!("       {line}\n"));
            }
        }
        out
    }
}

/// Evaluates the gates of `plan`. `route_errors` are the reasons the routes could not be
/// built (empty when they were); `replay_max_age` is how recent a replay must be.
pub async fn evaluate(
    store: &Store,
    catalog: &Catalog,
    plan: &WavePlan,
    route_errors: &[RouteError],
    replay_max_age: Duration,
) -> Result<GateReport, StoreError> {
    let impacted: Vec<_> = plan.impacted().collect();
    let mut gates = Vec::new();

    let mut coverage =
        GateResult { gate: "map-coverage", passed: route_errors.is_empty(), evidence: Vec::new() };
    coverage.evidence.extend(route_errors.iter().map(ToString::to_string));
    if coverage.passed {
        let names: Vec<&str> = plan.systems.iter().map(|s| s.system.as_str()).collect();
        coverage.evidence.push(format!("every routed system is on the map: {}", names.join(", ")));
    }
    gates.push(coverage);

    let mut tests = GateResult { gate: "contract-tests", passed: true, evidence: Vec::new() };
    for system in &impacted {
        let Ok(id) = system.system.parse() else { continue };
        let report = run_contract_tests(catalog, Some(&id));
        tests.passed &= report.is_success();
        tests.evidence.push(format!(
            "{}: {} passed, {} failed{}",
            system.system,
            report.passed(),
            report.failed(),
            if report.untested.is_empty() {
                String::new()
            } else {
                format!(", {} mapping(s) untested", report.untested.len())
            }
        ));
    }
    gates.push(tests);

    let mut replay = GateResult { gate: "replay", passed: true, evidence: Vec::new() };
    let oldest = Utc::now() - replay_max_age;
    for system in &impacted {
        let Some(system_catalog) = system.system.parse().ok().and_then(|id| catalog.system(&id)) else {
            replay.passed = false;
            replay.evidence.push(format!("{}: not in the catalog", system.system));
            continue;
        };
        let current = contract_versions(system_catalog);
        let runs = store.replay_runs(&system.system, 50).await?;
        let same_versions: Vec<_> = runs.iter().filter(|run| run.contracts == current).collect();
        let line = match same_versions.first() {
            None if runs.is_empty() => {
                Err("no replay recorded (switchyard sandbox replay --system ...)".to_owned())
            }
            None => Err(format!("{} replay(s) recorded, none with the contract versions in use", runs.len())),
            Some(run) if run.finished_at < oldest => Err(format!(
                "the last replay with these versions ({}) finished {}, longer ago than {} h",
                run.id,
                run.finished_at.to_rfc3339(),
                replay_max_age.num_hours()
            )),
            Some(run) if run.failed > 0 => Err(format!(
                "replay {} failed {} of {} cases against {}",
                run.id, run.failed, run.cases, run.target
            )),
            Some(run) => Ok(format!(
                "replay {} passed {} of {} cases against {} at {}",
                run.id,
                run.passed,
                run.cases,
                run.target,
                run.finished_at.to_rfc3339()
            )),
        };
        match line {
            Ok(evidence) => replay.evidence.push(format!("{}: {evidence}", system.system)),
            Err(problem) => {
                replay.passed = false;
                replay.evidence.push(format!("{}: {problem}", system.system));
            }
        }
    }
    gates.push(replay);

    let signoffs = store.signoffs(&plan.wave.name).await?;
    let mut signoff = GateResult { gate: "signoff", passed: true, evidence: Vec::new() };
    let mut owners: Vec<&str> = impacted.iter().filter_map(|system| system.owner.as_deref()).collect();
    owners.sort_unstable();
    owners.dedup();
    for system in impacted.iter().filter(|system| system.owner.is_none()) {
        signoff.passed = false;
        signoff.evidence.push(format!("{}: no owner on the dependency map to sign off", system.system));
    }
    for owner in owners {
        match signoffs.iter().find(|s| s.owner == owner) {
            Some(s) => signoff.evidence.push(format!(
                "{owner}: signed off by {} at {}{}",
                s.signed_by,
                s.signed_at.to_rfc3339(),
                s.note.as_ref().map(|n| format!(" ({n})")).unwrap_or_default()
            )),
            None => {
                signoff.passed = false;
                signoff.evidence.push(format!(
                    "{owner}: not signed off (switchyard wave signoff {} --owner {owner} --by <person>)",
                    plan.wave.name
                ));
            }
        }
    }
    gates.push(signoff);
    Ok(GateReport { wave: plan.wave.name.clone(), gates })
}
