//! `switchyard sandbox replay`: the system's cases through the real mapping and adapter
//! against the simulator or a partner's org, read back, reported (see `crate::replay`).

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use secrecy::SecretString;
use switchyard_contracts::{Catalog, SystemId};
use switchyard_sandbox::OrgConfig;

use super::Outcome;
use super::output::{Format, load_catalog, print_error_chain, print_json, runtime};
use crate::config::HubConfig;
use crate::config::HumanDuration;
use crate::replay::{ReplayTarget, class_replay, directory_digest, fixture_cases, replay, run_record};
use switchyard_dependency_map::DependencyMap;
use switchyard_sandbox::legacy::{class_cases, sample_cases};

#[derive(Debug, Args)]
pub struct ReplayArgs {
    /// The system to replay against, e.g. `salesforce` (Salesforce systems today).
    #[arg(long, value_name = "ID")]
    system: String,
    /// Run against the shipped e-learning org simulator, in process (the default).
    #[arg(long, conflicts_with = "against")]
    simulate: bool,
    /// Run against a Salesforce org: its OAuth token URL (client credentials).
    #[arg(long, value_name = "TOKEN_URL", requires = "client_id")]
    against: Option<String>,
    /// The connected app's consumer key, with `--against`.
    #[arg(long, value_name = "KEY")]
    client_id: Option<String>,
    /// Private or loopback addresses the org may resolve to (CIDR or host), with `--against`;
    /// public orgs need none.
    #[arg(long = "allow", value_name = "CIDR")]
    allow_list: Vec<String>,
    /// Its consumer secret, with `--against` (never on the command line).
    #[arg(long, env = "SWITCHYARD_REPLAY_CLIENT_SECRET", hide_env_values = true, value_name = "SECRET")]
    client_secret: Option<SecretString>,
    /// With `--simulate`: the org config (TOML; the shipped e-learning org by default).
    #[arg(long, value_name = "FILE", conflicts_with = "against")]
    org: Option<PathBuf>,
    /// With `--simulate`: the CRM team's faulty flow change (enrollments of Contacts without a
    /// country fail silently) deployed (`on`) or not (`off`); default: as the org file says
    /// (off in the shipped org).
    #[arg(long, value_name = "on|off", conflicts_with = "against", value_parser = clap::builder::BoolishValueParser::new())]
    silent_failures: Option<bool>,
    /// The catalog directory (defaults to the shipped catalog).
    #[arg(long, value_name = "DIR")]
    catalog: Option<PathBuf>,
    /// How long a case waits for an expectation that does not hold yet (a real org's flows
    /// may lag; default 30s with `--against`, none with the simulator, whose flows run within
    /// the save); each expectation waits at most its own `within_seconds`.
    #[arg(long, value_parser = HumanDuration::parse, value_name = "DURATION")]
    patience: Option<HumanDuration>,
    /// Also write JUnit XML here.
    #[arg(long, value_name = "FILE")]
    junit: Option<PathBuf>,
    /// Also write the report here: Markdown for `.md`, JSON otherwise.
    #[arg(long, value_name = "FILE")]
    report: Option<PathBuf>,
    /// The dependency map directory (its digest is recorded with the run; default: shipped).
    #[arg(long, value_name = "DIR")]
    map: Option<PathBuf>,
    /// The hub's configuration: the run is recorded in its ledger (`database.url` or the data
    /// directory), where wave gates look for it.
    #[arg(long, env = "SWITCHYARD_CONFIG", value_name = "FILE")]
    config: Option<PathBuf>,
    /// The data directory of the SQLite ledger the run is recorded in (default as `serve`).
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// What to replay: `fixtures` (the contract catalog's fixtures of the system), `catalog`
    /// (the legacy edge-case catalog: each class's generated export, migrated into events,
    /// judged per class) or a profile's directory (`sandbox profile --out`): its anonymized
    /// samples, completed with ordinary rows, judged the same way.
    #[arg(long, default_value = "fixtures", value_parser = CaseSource::parse, value_name = "fixtures|catalog|DIR")]
    cases: CaseSource,
    /// With `--cases catalog`: the legacy generator's seed.
    #[arg(long, default_value_t = 2026, value_name = "N")]
    seed: u64,
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

/// Where a replay's cases come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaseSource {
    /// The contract catalog's fixtures of the system.
    Fixtures,
    /// The legacy edge-case catalog (`switchyard sandbox cases`).
    Catalog,
    /// A profile's samples.
    Samples(PathBuf),
}

impl CaseSource {
    fn parse(value: &str) -> Result<Self, String> {
        match value {
            "fixtures" => Ok(Self::Fixtures),
            "catalog" => Ok(Self::Catalog),
            path if std::path::Path::new(path).is_dir() => Ok(Self::Samples(PathBuf::from(path))),
            other => Err(format!("`{other}` is neither fixtures, catalog nor a profile's directory")),
        }
    }
}

pub fn run(args: ReplayArgs) -> Outcome {
    let root = args.catalog.clone().unwrap_or_else(Catalog::shipped_root);
    let Some(catalog) = load_catalog(&root) else { return Outcome::Unusable };
    let system = match SystemId::parse(&args.system) {
        Ok(system) => system,
        Err(err) => {
            eprintln!("error: --system: {err}");
            return Outcome::Unusable;
        }
    };
    let Some(system_catalog) = catalog.system(&system) else {
        eprintln!("error: --system: the catalog has no system `{system}`");
        return Outcome::Unusable;
    };
    let switched = |org: OrgConfig| match args.silent_failures {
        Some(on) => org.with_silent_failures(on),
        None => org,
    };
    let target = match (args.against.clone(), args.client_id.clone(), args.client_secret.clone()) {
        (None, _, _) => match &args.org {
            None => ReplayTarget::Simulate { org: Box::new(switched(OrgConfig::e_learning())) },
            Some(path) => match OrgConfig::load(path) {
                Ok(org) => ReplayTarget::Simulate { org: Box::new(switched(org)) },
                Err(err) => {
                    print_error_chain(&err);
                    return Outcome::Unusable;
                }
            },
        },
        (Some(token_url), Some(client_id), Some(client_secret)) => {
            ReplayTarget::Against { token_url, client_id, client_secret, allow_list: args.allow_list.clone() }
        }
        (Some(_), _, None) => {
            eprintln!("error: --against needs the connected app's secret in SWITCHYARD_REPLAY_CLIENT_SECRET");
            return Outcome::Unusable;
        }
        (Some(_), None, _) => {
            eprintln!("error: --against needs --client-id");
            return Outcome::Unusable;
        }
    };
    let (cases, classes) = match &args.cases {
        CaseSource::Fixtures => (fixture_cases(system_catalog), None),
        source => {
            let dir = match tempfile::tempdir() {
                Ok(dir) => dir,
                Err(err) => {
                    eprintln!("error: --cases: cannot make a directory for the exports: {err}");
                    return Outcome::Unusable;
                }
            };
            let built = match source {
                CaseSource::Samples(samples) => sample_cases(samples, dir.path()),
                _ => class_cases(dir.path(), args.seed, None),
            };
            match built {
                Ok(class_cases) => {
                    let classes = class_replay(system_catalog, &class_cases);
                    (classes.cases.clone(), Some(classes))
                }
                Err(err) => {
                    print_error_chain(&err);
                    return Outcome::Unusable;
                }
            }
        }
    };
    let Some(runtime) = runtime() else { return Outcome::Unusable };
    let default_patience = if args.against.is_some() { Duration::from_secs(30) } else { Duration::ZERO };
    let patience = args.patience.map_or(default_patience, HumanDuration::get);
    let report = match runtime.block_on(replay(system_catalog, &cases, target, patience)) {
        Ok(report) => match &classes {
            Some(classes) => classes.per_class(report),
            None => report,
        },
        Err(err) => {
            print_error_chain(&err);
            return Outcome::Unusable;
        }
    };
    if let Some(path) = &args.junit {
        let written = report.to_junit().map_err(|err| err.to_string()).and_then(|xml| {
            std::fs::write(path, xml).map_err(|err| format!("cannot write {}: {err}", path.display()))
        });
        if let Err(err) = written {
            eprintln!("error: {err}");
            return Outcome::Unusable;
        }
    }
    if let Some(path) = &args.report {
        let text = if path.extension().is_some_and(|ext| ext == "md") {
            report.to_markdown()
        } else {
            serde_json::to_string_pretty(&report).unwrap_or_default()
        };
        if let Err(err) = std::fs::write(path, text) {
            eprintln!("error: cannot write {}: {err}", path.display());
            return Outcome::Unusable;
        }
    }
    if let Err(err) = runtime.block_on(record(&args, &root, system_catalog, &report)) {
        eprintln!("error: the replay ran but could not be recorded: {err}");
        return Outcome::Unusable;
    }
    match args.format {
        Format::Json => print_json(&report),
        Format::Text => print!("{}", report.to_markdown()),
    }
    if report.is_success() { Outcome::Clean } else { Outcome::Findings }
}

/// Records the run in the hub's ledger, with the digests of the catalog and map it used.
async fn record(
    args: &ReplayArgs,
    catalog_root: &std::path::Path,
    system: &switchyard_contracts::catalog::SystemCatalog,
    report: &crate::replay::ReplayReport,
) -> Result<(), String> {
    let mut config =
        HubConfig::load(args.config.as_deref(), std::env::vars()).map_err(|err| err.to_string())?;
    if let Some(data_dir) = &args.data_dir {
        config.data_dir = data_dir.clone();
    }
    let map_root = args.map.clone().unwrap_or_else(DependencyMap::shipped_root);
    let digest = |root: &std::path::Path| {
        directory_digest(root).map_err(|err| format!("cannot read {}: {err}", root.display()))
    };
    let run = run_record(report, system, digest(catalog_root)?, digest(&map_root)?);
    let store = crate::serve::open_ledger(&config).await.map_err(|err| err.to_string())?;
    let recorded = store.record_replay_run(&run).await.map_err(|err| err.to_string());
    store.close().await;
    recorded?;
    eprintln!("replay run {} recorded in the ledger", run.id);
    Ok(())
}
