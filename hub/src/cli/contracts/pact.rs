//! `contracts pact --system <id>`: the system's fixtures and expectations as a Pact v4 file.

use std::path::{Path, PathBuf};

use switchyard_contracts::{Catalog, SystemId};
use switchyard_dependency_map::DependencyMap;

use crate::cli::Outcome;
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
    let map_root = map.map(Path::to_path_buf).unwrap_or_else(DependencyMap::shipped_root);
    let map = match DependencyMap::load(&map_root) {
        Ok(map) => map,
        Err(_) => {
            eprintln!(
                "error: the dependency map at {} cannot be loaded (run `switchyard map validate`)",
                map_root.display()
            );
            return Outcome::Unusable;
        }
    };
    let adapter =
        map.delivery_target(&system).and_then(|entity| entity.delivery.as_ref()).map(|d| d.adapter.as_str());
    let kind = match adapter {
        Some("salesforce") => ProviderKind::Salesforce { api_version: SALESFORCE_API_VERSION },
        Some("webhook") => ProviderKind::Webhook,
        Some(other) => {
            eprintln!("error: {system}: no pact for adapter `{other}` (known: salesforce, webhook)");
            return Outcome::Unusable;
        }
        None => {
            eprintln!("error: {system} is no delivery target on the dependency map");
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
