//! `contracts pact --system <id>`: the system's fixtures and expectations as a Pact v4 file.

use std::path::{Path, PathBuf};

use switchyard_contracts::{Catalog, SystemId};

use crate::cli::Outcome;
use crate::cli::map_adapter::adapter_on_map;
use crate::cli::output::print_error_chain;
use crate::pact::{ProviderKind, pact};

/// The Salesforce API version the adapter speaks by default (its `api_version`).
const SALESFORCE_API_VERSION: &str = "v60.0";

pub fn export(catalog: &Catalog, map: Option<&Path>, system: &str, out: Option<&PathBuf>) -> Outcome {
    let system = match SystemId::parse(system) {
        Ok(system) => system,
        Err(err) => {
            eprintln!("error: {err}");
            return Outcome::Unusable;
        }
    };
    let Some(system_catalog) = catalog.system(&system) else {
        eprintln!("error: the catalog has no system `{system}` (contracts/catalog/systems/{system})");
        return Outcome::Unusable;
    };
    let Some(adapter) = adapter_on_map(map, &system) else { return Outcome::Unusable };
    let kind = match adapter.as_str() {
        "salesforce" => ProviderKind::Salesforce { api_version: SALESFORCE_API_VERSION },
        "webhook" => ProviderKind::Webhook,
        other => {
            eprintln!("error: {system}: no pact for adapter `{other}` (known: salesforce, webhook)");
            return Outcome::Unusable;
        }
    };
    let document = match pact(system_catalog, kind) {
        Ok(document) => document,
        Err(err) => {
            print_error_chain(&err);
            return Outcome::Unusable;
        }
    };
    let text = match serde_json::to_string_pretty(&document) {
        Ok(text) => text + "\n",
        Err(err) => {
            eprintln!("error: {err}");
            return Outcome::Unusable;
        }
    };
    match out {
        None => print!("{text}"),
        Some(path) => {
            if let Err(err) = std::fs::write(path, text) {
                eprintln!("error: cannot write {}: {err}", path.display());
                return Outcome::Unusable;
            }
            let count = document["interactions"].as_array().map_or(0, Vec::len);
            eprintln!(
                "wrote {} ({count} interactions, consumer switchyard, provider {system})",
                path.display()
            );
        }
    }
    Outcome::Clean
}
