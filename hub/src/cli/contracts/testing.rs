//! `contracts test`: the offline contract tests, with an optional JUnit report.

use switchyard_contracts::testing::run_contract_tests;
use switchyard_contracts::{Catalog, SystemId};

use crate::cli::Outcome;
use crate::cli::output::{Format, print_json};

pub fn test(
    catalog: &Catalog,
    system: Option<&str>,
    junit: Option<&std::path::Path>,
    format: Format,
) -> Outcome {
    let system = match system.map(SystemId::parse).transpose() {
        Ok(system) => system,
        Err(err) => {
            eprintln!("error: --system: {err}");
            return Outcome::Unusable;
        }
    };
    if let Some(id) = system.as_ref().filter(|id| catalog.system(id).is_none()) {
        eprintln!("error: --system: the catalog has no system `{id}`");
        return Outcome::Unusable;
    }
    let report = run_contract_tests(catalog, system.as_ref());
    match format {
        Format::Json => print_json(&report),
        Format::Text => print!("{}", report.to_text()),
    }
    if let Some(path) = junit {
        let written = report.to_junit().map_err(|err| err.to_string()).and_then(|xml| {
            std::fs::write(path, xml).map_err(|err| format!("cannot write {}: {err}", path.display()))
        });
        if let Err(err) = written {
            eprintln!("error: --junit: {err}");
            return Outcome::Unusable;
        }
    }
    if report.is_success() { Outcome::Clean } else { Outcome::Findings }
}
