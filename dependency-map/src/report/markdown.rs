//! The impact report as Markdown, to paste into a wave announcement: a table of what is hit
//! and how, then a sign-off checklist.

use std::fmt::Write;

use super::count;
use crate::impact::{ImpactQuery, ImpactReport, ImpactedEntity};

pub fn impact_markdown(report: &ImpactReport) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "### Impact of `{}`\n", report.query.describe());
    let direct = report.impacted.iter().filter(|impacted| impacted.direct).count();
    let _ = writeln!(
        out,
        "{} affected ({direct} directly), owned by {}.\n",
        count(report.impacted.len(), "entity is", "entities are"),
        count(report.sign_off.owners.len(), "team", "teams")
    );
    if let ImpactQuery::ContractChange { report: compat, .. } = &report.query {
        let verdict = if compat.is_compatible() { "compatible" } else { "**incompatible**" };
        let _ = writeln!(out, "The change {}..{} is {verdict}.\n", compat.from, compat.to);
    }
    if !report.impacted.is_empty() {
        let _ = writeln!(out, "| Hit | Entity | Owner | Path | Why |");
        let _ = writeln!(out, "| --- | --- | --- | --- | --- |");
        for impacted in &report.impacted {
            row(&mut out, impacted);
        }
        out.push('\n');
    }
    if !report.sign_off.owners.is_empty() || !report.sign_off.unowned.is_empty() {
        let _ = writeln!(out, "#### Sign-off\n");
    }
    for owner in &report.sign_off.owners {
        let systems: Vec<String> = owner.systems.iter().map(|s| format!("`{s}`")).collect();
        let contacts = owner.contacts.summary().iter().map(|c| cell(c)).collect::<Vec<_>>().join(" · ");
        let _ = writeln!(
            out,
            "- [ ] **{}** (`{}`) {contacts}: {}",
            cell(&owner.name),
            owner.group,
            systems.join(", ")
        );
    }
    for unowned in &report.sign_off.unowned {
        let _ = writeln!(out, "- [ ] `{unowned}` has **no owner** on the map: nobody can sign off for it");
    }
    if !report.unconsumed.is_empty() {
        let events: Vec<String> = report.unconsumed.iter().map(|e| format!("`{e}`")).collect();
        let _ = writeln!(out, "\nNothing on the map consumes {}.", events.join(", "));
    }
    out
}

fn row(out: &mut String, impacted: &ImpactedEntity) {
    let hit = if impacted.direct { "direct".to_owned() } else { count(impacted.distance, "hop", "hops") };
    let owner = impacted.owner.as_ref().map_or_else(|| "**none**".to_owned(), |owner| cell(&owner.name));
    let mut path = vec![format!("`{}`", impacted.path.start)];
    path.extend(impacted.path.steps.iter().map(|step| format!("`{}`", step.to)));
    let why: Vec<String> = impacted.why.iter().map(|why| cell(why)).collect();
    let mut why = why.join("<br>");
    if !impacted.personal_data.is_empty() {
        let _ = write!(why, "<br>personal data: {}", impacted.personal_data.join(", "));
    }
    let _ = writeln!(
        out,
        "| {hit} | **{}** `{}` | {owner} | {} | {why} |",
        cell(&impacted.name),
        impacted.entity,
        path.join(" → ")
    );
}

/// Text safe inside a table cell: no pipes, no line breaks, no stray HTML.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace(['\n', '\r'], " ").replace('<', "&lt;").replace('>', "&gt;")
}
