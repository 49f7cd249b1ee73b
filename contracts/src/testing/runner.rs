//! The offline contract tests: every fixture through its mapping, the output validated against
//! the target contract and compared with the expected record.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde::Serialize;
use serde_json::{Map, Value};

use crate::catalog::{Catalog, Fixture, SystemCatalog, validate_record};
use crate::envelope::Envelope;
use crate::mapping::MappingOutcome;
use crate::names::SystemId;

/// The result of one fixture case.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CaseResult {
    pub system: SystemId,
    pub mapping: String,
    pub name: String,
    pub file: PathBuf,
    /// The case's index in its fixture file (`/<index>` as a JSON pointer).
    pub index: usize,
    /// Empty when the case passed; otherwise every problem found, each on its own.
    pub problems: Vec<String>,
    #[serde(with = "duration_micros")]
    pub duration: Duration,
}

impl CaseResult {
    pub fn passed(&self) -> bool {
        self.problems.is_empty()
    }
}

/// A mapping that has no fixture: nothing proves it does what its authors meant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UntestedMapping {
    pub system: SystemId,
    pub mapping: String,
}

/// Every case of a contract-test run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ContractTestReport {
    pub cases: Vec<CaseResult>,
    pub untested: Vec<UntestedMapping>,
}

impl ContractTestReport {
    pub fn passed(&self) -> usize {
        self.cases.iter().filter(|case| case.passed()).count()
    }

    pub fn failed(&self) -> usize {
        self.cases.len() - self.passed()
    }

    /// True when at least one case ran and none failed.
    pub fn is_success(&self) -> bool {
        !self.cases.is_empty() && self.failed() == 0
    }
}

mod duration_micros {
    use std::time::Duration;

    pub fn serialize<S: serde::Serializer>(duration: &Duration, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u128(duration.as_micros())
    }
}

/// Runs the contract tests of one system, or of every system.
pub fn run_contract_tests(catalog: &Catalog, system: Option<&SystemId>) -> ContractTestReport {
    let mut report = ContractTestReport { cases: Vec::new(), untested: Vec::new() };
    for system_catalog in catalog.systems.values().filter(|s| system.is_none_or(|id| &s.id == id)) {
        for fixture in &system_catalog.fixtures {
            let started = Instant::now();
            let problems = run_case(catalog, system_catalog, fixture);
            report.cases.push(CaseResult {
                system: system_catalog.id.clone(),
                mapping: fixture.mapping.clone(),
                name: fixture.name.clone(),
                file: fixture.file.clone(),
                index: fixture.index,
                problems,
                duration: started.elapsed(),
            });
        }
        for name in system_catalog.mappings.keys() {
            if !system_catalog.fixtures.iter().any(|fixture| &fixture.mapping == name) {
                report
                    .untested
                    .push(UntestedMapping { system: system_catalog.id.clone(), mapping: name.clone() });
            }
        }
    }
    report
}

fn run_case(catalog: &Catalog, system: &SystemCatalog, fixture: &Fixture) -> Vec<String> {
    let Some(mapping) = system.mappings.get(&fixture.mapping) else {
        return vec![format!("no mapping `{}` in system `{}`", fixture.mapping, system.id)];
    };
    let spec = mapping.spec();
    let envelope = match Envelope::from_json(fixture.event.clone()) {
        Ok(envelope) => envelope,
        Err(err) => return vec![format!("the fixture's event is not a valid envelope: {err}")],
    };
    if envelope.contract() != &spec.source {
        return vec![format!("the event is {}, but the mapping reads {}", envelope.contract(), spec.source)];
    }
    let Some(contract) = catalog.event(&spec.source) else {
        return vec![format!("the catalog has no event contract {}", spec.source)];
    };
    let violations = contract.validate(envelope.data());
    if !violations.is_empty() {
        return violations
            .into_iter()
            .map(|v| format!("the event breaks {} at data{}: {}", spec.source, v.pointer, v.message))
            .collect();
    }
    let outcome = match mapping.apply_envelope(&envelope) {
        Ok(outcome) => outcome,
        Err(err) => return vec![err.to_string()],
    };
    match (outcome, &fixture.expected) {
        (MappingOutcome::Skipped, None) => Vec::new(),
        (MappingOutcome::Skipped, Some(_)) => {
            vec!["the mapping's `when` skipped the event, but a record was expected".into()]
        }
        (MappingOutcome::Record(record), None) => {
            vec![format!(
                "expected the event to be skipped, but the mapping produced {}",
                Value::Object(record)
            )]
        }
        (MappingOutcome::Record(record), Some(expected)) => {
            let mut problems = Vec::new();
            if let Some(target) = catalog.target(&system.id, &spec.target) {
                for violation in validate_record(target, &record) {
                    problems.push(format!("the record breaks {}: {}", spec.target, violation.message));
                }
            }
            problems.extend(compare_records(&record, expected));
            problems
        }
    }
}

/// Field-by-field differences between the produced and the expected record.
pub fn compare_records(actual: &Map<String, Value>, expected: &Map<String, Value>) -> Vec<String> {
    let mut differences = Vec::new();
    for (field, want) in expected {
        match actual.get(field) {
            None => differences.push(format!("`{field}`: expected {want}, but the field was not produced")),
            Some(got) if !same_json(got, want) => {
                differences.push(format!("`{field}`: expected {want}, got {got}"))
            }
            Some(_) => {}
        }
    }
    for (field, got) in actual {
        if !expected.contains_key(field) {
            differences.push(format!("`{field}`: produced {got}, which the fixture does not expect"));
        }
    }
    differences
}

/// JSON equality in which numbers compare by value (`149` equals `149.0`).
fn same_json(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x == y || x.as_f64() == y.as_f64(),
        (Value::Array(xs), Value::Array(ys)) => {
            xs.len() == ys.len() && xs.iter().zip(ys).all(|(x, y)| same_json(x, y))
        }
        (Value::Object(xs), Value::Object(ys)) => {
            xs.len() == ys.len() && xs.iter().all(|(k, x)| ys.get(k).is_some_and(|y| same_json(x, y)))
        }
        _ => a == b,
    }
}
