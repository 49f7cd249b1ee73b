//! `contracts test`: the offline contract tests, with an optional JUnit report, and with
//! `--live` the replay of the system's cases against the team's org.

use switchyard_contracts::testing::run_contract_tests;
use switchyard_contracts::{Catalog, SystemId};

use crate::cli::Outcome;
use std::time::Duration;

use secrecy::SecretString;

use crate::cli::output::{Format, print_error_chain, print_json, runtime};
use crate::replay::{ReplayTarget, fixture_cases, replay};

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

/// The replay of `system`'s cases against the org at `token_url` (the CRM team's sandbox),
/// printed as Markdown.
pub fn live(
    catalog: &Catalog,
    system: &str,
    token_url: String,
    client_id: String,
    allow_list: Vec<String>,
) -> Outcome {
    let Some(system_catalog) = SystemId::parse(system).ok().and_then(|id| catalog.system(&id).cloned())
    else {
        eprintln!("error: --system: the catalog has no system `{system}`");
        return Outcome::Unusable;
    };
    let Some(client_secret) = std::env::var("SWITCHYARD_REPLAY_CLIENT_SECRET").ok().map(SecretString::from)
    else {
        eprintln!("error: --live needs the connected app's secret in SWITCHYARD_REPLAY_CLIENT_SECRET");
        return Outcome::Unusable;
    };
    let target = ReplayTarget::Against { token_url, client_id, client_secret, allow_list };
    let cases = fixture_cases(&system_catalog);
    let Some(runtime) = runtime() else { return Outcome::Unusable };
    match runtime.block_on(replay(&system_catalog, &cases, target, Duration::from_secs(30))) {
        Ok(report) => {
            print!("\n{}", report.to_markdown());
            if report.is_success() { Outcome::Clean } else { Outcome::Findings }
        }
        Err(err) => {
            print_error_chain(&err);
            Outcome::Unusable
        }
    }
}
