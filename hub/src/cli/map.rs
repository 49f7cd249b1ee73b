//! `switchyard map ...`: validate the dependency map, analyse a change's impact, render it.

use std::path::PathBuf;

use clap::{ArgGroup, Args, Subcommand, ValueEnum};
use serde_json::json;
use switchyard_contracts::compat::{self, CompatibilityMode};
use switchyard_contracts::{Catalog, EventRef, Finding};
use switchyard_dependency_map::render::{render_dot, render_mermaid};
use switchyard_dependency_map::report::{impact_markdown, impact_text};
use switchyard_dependency_map::{
    DependencyMap, ImpactQuery, ImpactReport, impact, parse_contract_change, validate,
};

use super::Outcome;
use super::output::{Format, print_findings, print_json};

#[derive(Debug, Args)]
pub struct MapArgs {
    /// The map directory (defaults to the map shipped with Switchyard).
    #[arg(long, global = true, value_name = "DIR")]
    map: Option<PathBuf>,
    /// The contract catalog directory (defaults to the catalog shipped with Switchyard).
    #[arg(long, global = true, value_name = "DIR")]
    catalog: Option<PathBuf>,
    #[command(subcommand)]
    command: MapCommand,
}

#[derive(Debug, Subcommand)]
enum MapCommand {
    /// Check the map on its own and against the contract catalog; report every problem.
    Validate {
        /// Output format.
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// List every system a change reaches, directly and transitively, with owners, paths and why.
    Impact(ImpactArgs),
    /// Draw the map as Mermaid or Graphviz DOT.
    Render {
        /// Output format.
        #[arg(long, value_enum, default_value_t)]
        format: RenderFormat,
        /// Highlight what a change reaches: `<type>@<version>`, `<type>@<v1>..<v2>` or a system
        /// (`salesforce`, `component:salesforce`). Repeatable.
        #[arg(long, value_name = "CHANGE")]
        highlight_impact: Vec<String>,
    },
}

#[derive(Debug, Args)]
#[command(group(ArgGroup::new("query").required(true).args(["events", "contract_change", "systems"])))]
struct ImpactArgs {
    /// Event contract versions being sent, e.g. `enrollment.created@v2`. Repeatable.
    #[arg(long = "event", value_name = "TYPE@VERSION")]
    events: Vec<String>,
    /// A contract change, e.g. `enrollment.created@v1..v2`, checked for FULL compatibility.
    #[arg(long, value_name = "TYPE@V1..V2")]
    contract_change: Option<String>,
    /// Systems that change or go down, e.g. `salesforce`. Repeatable.
    #[arg(long = "system", value_name = "ID")]
    systems: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    format: ImpactFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
enum ImpactFormat {
    /// Readable by a person.
    #[default]
    Text,
    /// For machines: one JSON document on stdout.
    Json,
    /// To paste into a wave announcement.
    Markdown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
enum RenderFormat {
    /// A Mermaid flowchart.
    #[default]
    Mermaid,
    /// Graphviz DOT (`dot -Tsvg`).
    Dot,
}

pub fn run(args: MapArgs) -> Outcome {
    let catalog_root = args.catalog.clone().unwrap_or_else(Catalog::shipped_root);
    let catalog = match Catalog::load(&catalog_root) {
        Ok(catalog) => catalog,
        Err(findings) => return unusable(&format!("the catalog at {}", catalog_root.display()), &findings),
    };
    let map_root = args.map.clone().unwrap_or_else(DependencyMap::shipped_root);
    let map = match DependencyMap::load(&map_root) {
        Ok(map) => map,
        Err(findings) => return unusable(&format!("the map at {}", map_root.display()), &findings),
    };
    match args.command {
        MapCommand::Validate { format } => validate_map(&map, &catalog, format),
        MapCommand::Impact(impact_args) => impact_of(&map, &catalog, impact_args),
        MapCommand::Render { format, highlight_impact } => render(&map, &catalog, format, &highlight_impact),
    }
}

fn unusable(what: &str, findings: &[Finding]) -> Outcome {
    eprintln!("error: {what} cannot be used:");
    print_findings(findings);
    Outcome::Unusable
}

fn validate_map(map: &DependencyMap, catalog: &Catalog, format: Format) -> Outcome {
    let findings = validate(map, catalog);
    let errors = findings.iter().filter(|finding| finding.is_error()).count();
    match format {
        Format::Json => print_json(&json!({
            "map": map.root(),
            "catalog": catalog.root,
            "entities": map.entities().count(),
            "valid": errors == 0,
            "findings": findings,
        })),
        Format::Text => {
            print_findings(&findings);
            let entities = map.entities().count();
            let warnings = findings.len() - errors;
            if errors == 0 {
                println!(
                    "The map at {} is valid: {entities} entities, {warnings} warnings.",
                    map.root().display()
                );
            } else {
                println!(
                    "The map at {} has {errors} problems and {warnings} warnings ({entities} entities).",
                    map.root().display()
                );
            }
        }
    }
    if errors == 0 { Outcome::Clean } else { Outcome::Findings }
}

fn impact_of(map: &DependencyMap, catalog: &Catalog, args: ImpactArgs) -> Outcome {
    let query = if let Some(change) = &args.contract_change {
        contract_change_query(catalog, change)
    } else if !args.events.is_empty() {
        events_query(catalog, &args.events)
    } else {
        systems_query(map, &args.systems)
    };
    let query = match query {
        Ok(query) => query,
        Err(message) => {
            eprintln!("error: {message}");
            return Outcome::Unusable;
        }
    };
    warn_if_invalid(map, catalog);
    let report = impact(map, catalog, &query);
    match args.format {
        ImpactFormat::Text => print!("{}", impact_text(&report)),
        ImpactFormat::Markdown => print!("{}", impact_markdown(&report)),
        ImpactFormat::Json => print_json(&report),
    }
    match &report.query {
        ImpactQuery::ContractChange { report: compat, .. } if !compat.is_compatible() => Outcome::Findings,
        _ => Outcome::Clean,
    }
}

/// Impact answers on an invalid map are incomplete: say so, but still answer.
fn warn_if_invalid(map: &DependencyMap, catalog: &Catalog) {
    let errors = validate(map, catalog).iter().filter(|finding| finding.is_error()).count();
    if errors > 0 {
        eprintln!(
            "warning: the map has {errors} problems (see `switchyard map validate`); the impact below may be incomplete"
        );
    }
}

fn events_query(catalog: &Catalog, events: &[String]) -> Result<ImpactQuery, String> {
    let mut parsed = Vec::new();
    for event in events {
        let event = EventRef::parse(event).map_err(|err| err.to_string())?;
        if catalog.event(&event).is_none() {
            return Err(format!("the catalog has no event contract {event}"));
        }
        parsed.push(event);
    }
    Ok(ImpactQuery::Events { events: parsed })
}

fn contract_change_query(catalog: &Catalog, change: &str) -> Result<ImpactQuery, String> {
    let (event_type, from, to) = parse_contract_change(change).map_err(|err| err.to_string())?;
    let report = compat::check_event_contract(catalog, &event_type, from, to, CompatibilityMode::Full)
        .map_err(|err| err.to_string())?;
    Ok(ImpactQuery::ContractChange { event_type, report })
}

fn systems_query(map: &DependencyMap, systems: &[String]) -> Result<ImpactQuery, String> {
    let systems = systems.iter().map(|system| map.resolve(system)).collect::<Result<Vec<_>, _>>();
    Ok(ImpactQuery::Systems { systems: systems.map_err(|err| err.to_string())? })
}

/// `--highlight-impact` values: a contract change, an event version or a system.
fn highlight_query(map: &DependencyMap, catalog: &Catalog, change: &str) -> Result<ImpactQuery, String> {
    if change.contains("..") {
        contract_change_query(catalog, change)
    } else if change.contains('@') {
        events_query(catalog, &[change.to_owned()])
    } else {
        systems_query(map, &[change.to_owned()])
    }
}

fn render(map: &DependencyMap, catalog: &Catalog, format: RenderFormat, highlight: &[String]) -> Outcome {
    let mut reports: Vec<ImpactReport> = Vec::new();
    for change in highlight {
        match highlight_query(map, catalog, change) {
            Ok(query) => reports.push(impact(map, catalog, &query)),
            Err(message) => {
                eprintln!("error: {message}");
                return Outcome::Unusable;
            }
        }
    }
    let combined = combine(reports);
    let text = match format {
        RenderFormat::Mermaid => render_mermaid(map, combined.as_ref()),
        RenderFormat::Dot => render_dot(map, combined.as_ref()),
    };
    print!("{text}");
    Outcome::Clean
}

/// Several highlighted changes draw as one: their impacted entities and paths together.
fn combine(reports: Vec<ImpactReport>) -> Option<ImpactReport> {
    let mut reports = reports.into_iter();
    let mut combined = reports.next()?;
    for report in reports {
        combined.impacted.extend(report.impacted);
    }
    Some(combined)
}

#[cfg(test)]
mod tests {
    use clap::Parser;
    use switchyard_contracts::EventType;

    use super::*;

    #[derive(Debug, Parser)]
    struct Cli {
        #[command(flatten)]
        args: MapArgs,
    }

    fn parse(args: &[&str]) -> Result<MapArgs, clap::Error> {
        Cli::try_parse_from(std::iter::once("map").chain(args.iter().copied())).map(|cli| cli.args)
    }

    fn outcome(args: &[&str]) -> Outcome {
        run(parse(args).unwrap_or_else(|err| panic!("{args:?}: {err}")))
    }

    #[test]
    fn impact_takes_exactly_one_kind_of_query() {
        assert!(parse(&["impact"]).is_err(), "a query is required");
        assert!(parse(&["impact", "--event", "a.b@v1", "--system", "x"]).is_err(), "one kind only");
        let args =
            parse(&["impact", "--event", "a.b@v1", "--event", "c.d@v2", "--format", "markdown"]).unwrap();
        let MapCommand::Impact(impact) = args.command else { panic!("impact") };
        assert_eq!(impact.events, ["a.b@v1", "c.d@v2"]);
        assert_eq!(impact.format, ImpactFormat::Markdown);
        assert!(parse(&["render", "--format", "svg"]).is_err());
    }

    #[test]
    fn exit_codes_follow_the_contracts_convention() {
        assert_eq!(outcome(&["validate"]), Outcome::Clean, "the shipped map is valid");
        assert_eq!(outcome(&["impact", "--event", "enrollment.created@v2"]), Outcome::Clean);
        assert_eq!(outcome(&["impact", "--system", "salesforce", "--format", "json"]), Outcome::Clean);
        assert_eq!(outcome(&["impact", "--event", "enrollment.created@v9"]), Outcome::Unusable);
        assert_eq!(outcome(&["impact", "--system", "no-such-system"]), Outcome::Unusable);
        assert_eq!(outcome(&["impact", "--contract-change", "enrollment.created@v2"]), Outcome::Unusable);
        assert_eq!(outcome(&["render", "--highlight-impact", "nowhere"]), Outcome::Unusable);
        assert_eq!(
            outcome(&["render", "--format", "dot", "--highlight-impact", "enrollment.created@v1..v2"]),
            Outcome::Clean
        );
        assert_eq!(outcome(&["--map", "/nonexistent/map", "validate"]), Outcome::Unusable);
        // A contract change exits 1 exactly when the compatibility check finds it incompatible.
        let catalog = Catalog::load(Catalog::shipped_root()).expect("shipped catalog");
        let event_type = EventType::parse("enrollment.created").expect("type");
        let (v1, v2) = ("v1".parse().expect("v1"), "v2".parse().expect("v2"));
        let compat = compat::check_event_contract(&catalog, &event_type, v1, v2, CompatibilityMode::Full)
            .expect("check");
        let expected = if compat.is_compatible() { Outcome::Clean } else { Outcome::Findings };
        assert_eq!(outcome(&["impact", "--contract-change", "enrollment.created@v1..v2"]), expected);
    }
}
