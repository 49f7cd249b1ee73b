//! `switchyard contracts ...`: list, schema, check, diff, test and import-describe.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use serde_json::json;
use switchyard_contracts::{Catalog, EventRef};

use super::Outcome;
use super::output::{Format, print_findings, print_json};

#[derive(Debug, Args)]
pub struct ContractsArgs {
    /// The catalog directory (defaults to the catalog shipped with Switchyard).
    #[arg(long, global = true, value_name = "DIR")]
    catalog: Option<PathBuf>,
    /// Output format.
    #[arg(long, global = true, value_enum, default_value_t)]
    format: Format,
    #[command(subcommand)]
    command: ContractsCommand,
}

#[derive(Debug, Subcommand)]
enum ContractsCommand {
    /// List event contracts and, per system, target contracts and mappings.
    List,
    /// Print the JSON Schema of one event contract version, e.g. `enrollment.created@v2`.
    Schema {
        #[arg(value_name = "TYPE@VERSION")]
        contract: String,
    },
    /// Type-check every mapping against its source schema and target contract.
    Check,
}

pub fn run(args: ContractsArgs) -> Outcome {
    let root = args.catalog.clone().unwrap_or_else(Catalog::shipped_root);
    let catalog = match Catalog::load(&root) {
        Ok(catalog) => catalog,
        Err(findings) => {
            eprintln!("error: the catalog at {} cannot be used:", root.display());
            print_findings(&findings);
            return Outcome::Unusable;
        }
    };
    match args.command {
        ContractsCommand::List => list(&catalog, args.format),
        ContractsCommand::Schema { contract } => schema(&catalog, &contract),
        ContractsCommand::Check => check(&catalog, args.format),
    }
}

fn list(catalog: &Catalog, format: Format) -> Outcome {
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

fn schema(catalog: &Catalog, contract: &str) -> Outcome {
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

fn check(catalog: &Catalog, format: Format) -> Outcome {
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
