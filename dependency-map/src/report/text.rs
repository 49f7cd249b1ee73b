//! The impact report as plain text for a terminal.

use std::fmt::Write;

use super::{count, label};
use crate::impact::{ImpactQuery, ImpactReport, ImpactedEntity};

pub fn impact_text(report: &ImpactReport) -> String {
    let mut out = String::new();
    let owners = report.sign_off.owners.len();
    let _ = writeln!(
        out,
        "Impact of {}: {}, {} to sign off",
        report.query.describe(),
        count(report.impacted.len(), "entity", "entities"),
        count(owners, "owner", "owners")
    );
    if let ImpactQuery::ContractChange { report: compat, .. } = &report.query {
        let verdict = if compat.is_compatible() { "compatible" } else { "INCOMPATIBLE" };
        let _ = writeln!(
            out,
            "The change is {verdict} ({}).",
            count(compat.incompatibilities.len(), "finding", "findings")
        );
    }
    let (direct, transitive): (Vec<&ImpactedEntity>, Vec<&ImpactedEntity>) =
        report.impacted.iter().partition(|impacted| impacted.direct);
    for (heading, entities) in [("Directly", direct), ("Transitively", transitive)] {
        if entities.is_empty() {
            continue;
        }
        let _ = writeln!(out, "\n{heading}:");
        for impacted in entities {
            entity(&mut out, impacted);
        }
    }
    if !report.sign_off.owners.is_empty() {
        let _ = writeln!(out, "\nSign-off required from:");
        for owner in &report.sign_off.owners {
            let contacts = owner.contacts.summary().join(", ");
            let _ = writeln!(out, "  {} ({}): {contacts}", owner.group, owner.name);
            let systems: Vec<String> = owner.systems.iter().map(ToString::to_string).collect();
            let _ = writeln!(out, "    for {}", systems.join(", "));
        }
    }
    if !report.sign_off.unowned.is_empty() {
        let unowned: Vec<String> = report.sign_off.unowned.iter().map(ToString::to_string).collect();
        let _ = writeln!(out, "\nNo owner on the map, nobody can sign off: {}", unowned.join(", "));
    }
    if !report.unconsumed.is_empty() {
        let events: Vec<String> = report.unconsumed.iter().map(ToString::to_string).collect();
        let _ = writeln!(out, "\nNothing on the map consumes: {}", events.join(", "));
    }
    out
}

fn entity(out: &mut String, impacted: &ImpactedEntity) {
    let owner =
        impacted.owner.as_ref().map_or_else(|| "NO OWNER".to_owned(), |owner| owner.group.to_string());
    let hops = if impacted.direct {
        String::new()
    } else {
        format!(", {}", count(impacted.distance, "hop", "hops"))
    };
    let _ = writeln!(out, "  {}{hops} - owner {owner}", label(impacted));
    let _ = writeln!(out, "    path: {}", impacted.path.arrows());
    for (index, why) in impacted.why.iter().enumerate() {
        let _ = writeln!(out, "    {} {why}", if index == 0 { "why:" } else { "    " });
    }
    if !impacted.personal_data.is_empty() {
        let _ = writeln!(out, "    personal data: {}", impacted.personal_data.join(", "));
    }
}
