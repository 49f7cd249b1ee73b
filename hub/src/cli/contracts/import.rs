//! `contracts import-describe`: a target contract from a Salesforce describe response.

use serde_json::json;
use switchyard_contracts::catalog::import_describe as import;
use switchyard_contracts::{Catalog, ContractVersion, ObjectName, SystemId};

use crate::cli::Outcome;
use crate::cli::output::{Format, print_findings, print_json};

pub fn import_describe(
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
