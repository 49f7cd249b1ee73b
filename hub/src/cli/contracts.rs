//! `switchyard contracts ...`: list, schema, check, diff, test and import-describe.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use serde_json::json;
use switchyard_contracts::catalog::import_describe as import;
use switchyard_contracts::testing::run_contract_tests;
use switchyard_contracts::{Catalog, ContractVersion, EventRef, ObjectName, SystemId};

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
    /// Run every fixture through its mapping and compare with the expected record.
    Test {
        /// Only this system's mappings.
        #[arg(long, value_name = "ID")]
        system: Option<String>,
        /// Also write the results as JUnit XML to this file.
        #[arg(long, value_name = "FILE")]
        junit: Option<PathBuf>,
    },
    /// Import a target contract from a Salesforce describe JSON, as the next version of the object.
    ImportDescribe {
        /// The saved response of `GET /services/data/vXX.X/sobjects/{Object}/describe`.
        #[arg(value_name = "DESCRIBE_JSON")]
        describe: PathBuf,
        /// The catalog system the object belongs to, e.g. `salesforce`.
        #[arg(long, value_name = "ID")]
        system: String,
        /// The object's API name, e.g. `Contact` (must match the describe's `name`).
        #[arg(long, value_name = "NAME")]
        object: String,
    },
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
        ContractsCommand::ImportDescribe { describe, system, object } => {
            import_describe(&catalog, &describe, &system, &object, args.format)
        }
        ContractsCommand::Test { system, junit } => {
            test(&catalog, system.as_deref(), junit.as_deref(), args.format)
        }
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

fn test(catalog: &Catalog, system: Option<&str>, junit: Option<&std::path::Path>, format: Format) -> Outcome {
    let system = match system.map(SystemId::parse).transpose() {
        Ok(system) => system,
        Err(err) => {
            eprintln!("error: --system: {err}");
            return Outcome::Unusable;
        }
    };
    if let Some(id) = &system {
        if catalog.system(id).is_none() {
            eprintln!("error: --system: the catalog has no system `{id}`");
            return Outcome::Unusable;
        }
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

fn import_describe(
    catalog: &Catalog,
    describe: &std::path::Path,
    system: &str,
    object: &str,
    format: Format,
) -> Outcome {
    let (system, object) = match (SystemId::parse(system), ObjectName::parse(object)) {
        (Ok(system), Ok(object)) => (system, object),
        (Err(err), _) | (_, Err(err)) => {
            eprintln!("error: {err}");
            return Outcome::Unusable;
        }
    };
    let parsed = std::fs::read(describe)
        .map_err(|err| format!("cannot read {}: {err}", describe.display()))
        .and_then(|bytes| {
            serde_json::from_slice::<serde_json::Value>(&bytes).map_err(|err| {
                format!(
                    "{}: not valid JSON (line {}, column {}): {err}",
                    describe.display(),
                    err.line(),
                    err.column()
                )
            })
        });
    let json = match parsed {
        Ok(json) => json,
        Err(err) => {
            eprintln!("error: {err}");
            return Outcome::Unusable;
        }
    };
    let imported = match import(&json, describe) {
        Ok(imported) => imported,
        Err(findings) => {
            eprintln!("error: {} is not a usable describe response:", describe.display());
            print_findings(&findings);
            return Outcome::Unusable;
        }
    };
    if imported.object != object.as_str() {
        eprintln!("error: --object is `{object}` but the describe is of `{}`", imported.object);
        return Outcome::Unusable;
    }
    let latest = catalog
        .system(&system)
        .and_then(|s| s.targets.keys().filter(|t| t.object == object).map(|t| t.version.number()).max())
        .unwrap_or(0);
    let version = ContractVersion::new(latest + 1).unwrap_or(ContractVersion::new(1).expect("1 is positive"));
    let path = catalog.root.join("systems").join(system.as_str()).join("targets").join(object.as_str());
    let file = path.join(format!("{version}.toml"));
    let written =
        toml::to_string_pretty(&imported.contract).map_err(|err| err.to_string()).and_then(|text| {
            std::fs::create_dir_all(&path)
                .and_then(|()| std::fs::write(&file, text))
                .map_err(|e| e.to_string())
        });
    if let Err(err) = written {
        eprintln!("error: cannot write {}: {err}", file.display());
        return Outcome::Unusable;
    }
    match format {
        Format::Json => print_json(&json!({
            "file": file, "system": system, "object": object, "version": version,
            "fields": imported.contract.fields.len(),
            "skipped": imported.skipped.iter().map(|(f, why)| json!({"field": f, "reason": why})).collect::<Vec<_>>(),
        })),
        Format::Text => {
            println!(
                "wrote {} ({} fields) as {object}@{version}",
                file.display(),
                imported.contract.fields.len()
            );
            for (field, why) in &imported.skipped {
                println!("  skipped {field}: {why}");
            }
        }
    }
    Outcome::Clean
}
