//! `switchyard contracts ...`: list, schema, check, diff, test, import-describe and pact.

use std::path::PathBuf;

mod diff;
mod import;
mod inspect;
mod pact;
mod testing;

use clap::{Args, Subcommand};
use switchyard_contracts::Catalog;

use super::Outcome;
use super::output::{Format, load_catalog};

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
    /// Compare two versions of an event contract (`enrollment.created@v1 enrollment.created@v2`)
    /// or of a target contract (`salesforce/Contact@v1 salesforce/Contact@v2`).
    Diff {
        #[arg(value_name = "OLD")]
        old: String,
        #[arg(value_name = "NEW")]
        new: String,
        /// Compatibility mode, as in Confluent Schema Registry.
        #[arg(long, default_value = "backward", value_name = "MODE")]
        mode: String,
    },
    /// Run every fixture through its mapping and compare with the expected record.
    Test {
        /// Only this system's mappings.
        #[arg(long, value_name = "ID")]
        system: Option<String>,
        /// Also write the results as JUnit XML to this file.
        #[arg(long, value_name = "FILE")]
        junit: Option<PathBuf>,
        /// Then replay the system's cases against this Salesforce org (its OAuth token URL,
        /// e.g. the team's sandbox), reading the expectations back (needs `--system`).
        #[arg(long, value_name = "TOKEN_URL", requires = "system", requires = "client_id")]
        live: Option<String>,
        /// The connected app's consumer key, with `--live`; its secret comes from
        /// SWITCHYARD_REPLAY_CLIENT_SECRET.
        #[arg(long, value_name = "KEY")]
        client_id: Option<String>,
        /// Private or loopback addresses the org may resolve to, with `--live`.
        #[arg(long = "allow", value_name = "CIDR")]
        allow_list: Vec<String>,
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
    /// Export a system's fixtures and expectations as a Pact v4 file (consumer `switchyard`,
    /// provider the system), for teams that verify with Pact tools.
    Pact {
        /// The catalog system, e.g. `salesforce`.
        #[arg(long, value_name = "ID")]
        system: String,
        /// The dependency map directory (says how the system is reached; default: shipped).
        #[arg(long, value_name = "DIR")]
        map: Option<PathBuf>,
        /// Write the pact here instead of standard output.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
}

pub fn run(args: ContractsArgs) -> Outcome {
    let root = args.catalog.clone().unwrap_or_else(Catalog::shipped_root);
    let Some(catalog) = load_catalog(&root) else { return Outcome::Unusable };
    match args.command {
        ContractsCommand::List => inspect::list(&catalog, args.format),
        ContractsCommand::Schema { contract } => inspect::schema(&catalog, &contract),
        ContractsCommand::Check => inspect::check(&catalog, args.format),
        ContractsCommand::Diff { old, new, mode } => diff::diff(&catalog, &old, &new, &mode, args.format),
        ContractsCommand::ImportDescribe { describe, system, object } => {
            import::import_describe(&catalog, &describe, &system, &object, args.format)
        }
        ContractsCommand::Pact { system, map, out } => {
            pact::export(&catalog, map.as_deref(), &system, out.as_ref())
        }
        ContractsCommand::Test { system, junit, live, client_id, allow_list } => {
            let offline = testing::test(&catalog, system.as_deref(), junit.as_deref(), args.format);
            match (live, system, client_id) {
                (Some(token_url), Some(system), Some(client_id)) => {
                    let live = testing::live(&catalog, &system, token_url, client_id, allow_list);
                    offline.max(live)
                }
                _ => offline,
            }
        }
    }
}
