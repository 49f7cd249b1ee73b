//! `contracts list`, `contracts schema` and `contracts check`.

use serde_json::json;
use switchyard_contracts::{Catalog, EventRef};

use crate::cli::Outcome;
use crate::cli::output::{Format, print_json};

pub fn list(catalog: &Catalog, format: Format) -> Outcome {
    let events: Vec<String> = catalog.events.keys().map(ToString::to_string).collect();
    let systems: Vec<_> = catalog
        .systems
        .values()
        .map(|system| {
            let targets: Vec<String> = system.targets.keys().map(ToString::to_string).collect();
            let mappings: Vec<_> = system
                .mappings
                .values()
                .map(|m| json!({"name": m.name(), "source": m.spec().source, "target": m.spec().target}))
                .collect();
            json!({"system": system.id, "targets": targets, "mappings": mappings})
        })
        .collect();
    match format {
        Format::Json => print_json(&json!({"events": events, "systems": systems})),
        Format::Text => {
            println!("Event contracts:");
            for event in &events {
                println!("  {event}");
            }
            for system in catalog.systems.values() {
                println!("System {}:", system.id);
                for target in system.targets.keys() {
                    println!("  target  {target}");
                }
                for mapping in system.mappings.values() {
                    let spec = mapping.spec();
                    println!("  mapping {} : {} -> {}", spec.name, spec.source, spec.target);
                }
            }
        }
    }
    Outcome::Clean
}

pub fn schema(catalog: &Catalog, contract: &str) -> Outcome {
    let contract = match EventRef::parse(contract) {
        Ok(contract) => contract,
        Err(err) => {
            eprintln!("error: {err}");
            return Outcome::Unusable;
        }
    };
    match catalog.event(&contract) {
        Some(event) => {
            print_json(&event.schema);
            Outcome::Clean
        }
        None => {
            eprintln!("error: the catalog has no event contract {contract}");
            Outcome::Unusable
        }
    }
}

pub fn check(catalog: &Catalog, format: Format) -> Outcome {
    let findings = catalog.check();
    let errors = findings.iter().filter(|f| f.is_error()).count();
    match format {
        Format::Json => print_json(&json!({"ok": errors == 0, "findings": findings})),
        Format::Text => {
            for finding in &findings {
                println!("{finding}");
            }
            let mappings = catalog.mappings().count();
            println!(
                "{mappings} mappings checked against {} event contracts and {} target contracts: {errors} error(s), {} warning(s)",
                catalog.events.len(),
                catalog.systems.values().map(|s| s.targets.len()).sum::<usize>(),
                findings.len() - errors
            );
        }
    }
    if errors == 0 { Outcome::Clean } else { Outcome::Findings }
}
