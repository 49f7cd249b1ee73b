//! `contracts diff`: compatibility between two versions of an event or a target contract.

use switchyard_contracts::compat::{
    CompatibilityMode, CompatibilityReport, check_event_contract, check_target_contract,
};
use switchyard_contracts::{Catalog, EventRef, SystemId, TargetRef};

use crate::cli::Outcome;
use crate::cli::output::{Format, print_json};

/// What the two arguments name.
enum Versions {
    Event(EventRef, EventRef),
    Target(SystemId, TargetRef, TargetRef),
}

pub fn diff(catalog: &Catalog, old: &str, new: &str, mode: &str, format: Format) -> Outcome {
    let parsed = CompatibilityMode::parse(mode)
        .map_err(|err| format!("--mode: {err}"))
        .and_then(|mode| Ok((mode, parse_versions(old, new)?)));
    let (mode, versions) = match parsed {
        Ok(parsed) => parsed,
        Err(err) => {
            eprintln!("error: {err}");
            return Outcome::Unusable;
        }
    };
    let report = match &versions {
        Versions::Event(old, new) => {
            check_event_contract(catalog, &old.event_type, old.version, new.version, mode)
        }
        Versions::Target(system, old, new) => {
            check_target_contract(catalog, system, &old.object, old.version, new.version, mode)
        }
    };
    match report {
        Ok(report) => print_report(&report, format),
        Err(err) => {
            eprintln!("error: {err}");
            Outcome::Unusable
        }
    }
}

fn print_report(report: &CompatibilityReport, format: Format) -> Outcome {
    match format {
        Format::Json => print_json(report),
        Format::Text => print!("{}", report.to_text()),
    }
    if report.is_compatible() { Outcome::Clean } else { Outcome::Findings }
}

/// `type@v1 type@v2` or `system/Object@v1 system/Object@v2`, naming one contract twice.
fn parse_versions(old: &str, new: &str) -> Result<Versions, String> {
    match (old.split_once('/'), new.split_once('/')) {
        (None, None) => {
            let (old, new) = (EventRef::parse(old).map_err(|e| e.to_string())?, EventRef::parse(new).map_err(|e| e.to_string())?);
            if old.event_type != new.event_type {
                return Err(format!("compare two versions of one event type, not {} and {}", old.event_type, new.event_type));
            }
            Ok(Versions::Event(old, new))
        }
        (Some((old_system, old_target)), Some((new_system, new_target))) => {
            let system = SystemId::parse(old_system).map_err(|e| e.to_string())?;
            let (old, new) =
                (TargetRef::parse(old_target).map_err(|e| e.to_string())?, TargetRef::parse(new_target).map_err(|e| e.to_string())?);
            if old_system != new_system || old.object != new.object {
                return Err("compare two versions of one target contract of one system".to_owned());
            }
            Ok(Versions::Target(system, old, new))
        }
        _ => Err("give two event contracts (`type@v1 type@v2`) or two target contracts (`system/Object@v1 system/Object@v2`)".to_owned()),
    }
}
