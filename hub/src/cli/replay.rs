//! `switchyard sandbox replay`: the system's cases through the real mapping and adapter
//! against a simulator or the partner's sandbox, read back, reported (see `crate::replay`);
//! under several contract sets, side by side.

use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::Args;
use secrecy::SecretString;
use switchyard_contracts::catalog::SystemCatalog;
use switchyard_contracts::{Catalog, SystemId};

use super::Outcome;
use super::output::{Format, load_catalog, print_error_chain, print_json, runtime};
use super::replay_target::{adapter_kind, target};
use crate::config::{AdapterKind, HubConfig, HumanDuration};
use crate::replay::{
    ContractComparison, ReplayReport, SetReport, class_replay, directory_digest, fixture_cases, replay,
    run_record,
};
use switchyard_dependency_map::DependencyMap;
use switchyard_sandbox::legacy::{ClassCase, class_cases, sample_cases};

#[derive(Debug, Args)]
#[command(after_long_help = "\
Which adapter: `--adapter`, else the dependency map's `switchyard.io/adapter` for the system
(the hub's `systems.<id>.adapter` must agree with the map, so the map decides). `salesforce`:
every case upserted, then the catalog's expectations read back from the org. `webhook`: every
case POSTed, signed; against the receiver simulator a case passes only if the receiver
accepted its delivery exactly once with the mapped record as its body (a case the mapping
skips: only if nothing arrived); an endpoint at `--against` cannot be read back, so there a
2xx is the evidence.

Contract sets: each `--contracts` is `current` (the `--catalog` catalog) or another catalog
directory. With two or more, every set is replayed (each against a fresh simulator; with
`--against`, one after another against the same endpoint), each run is recorded, and the
report compares every case's outcome under each set and lists the cases that change. Exit 0
only when every case of every set passed.")]
pub struct ReplayArgs {
    /// The system to replay against, e.g. `salesforce` or `lms` (a system of the catalog).
    #[arg(long, value_name = "ID")]
    pub(super) system: String,
    /// How the system is reached (default: the dependency map's `switchyard.io/adapter`).
    #[arg(long, value_enum, value_name = "KIND")]
    pub(super) adapter: Option<AdapterKind>,
    /// Run against a simulator in process (the default): the shipped e-learning org for
    /// Salesforce, the Standard Webhooks receiver (with a generated secret) for a webhook.
    #[arg(long, conflicts_with = "against")]
    simulate: bool,
    /// Run against the partner's sandbox: a Salesforce org's OAuth token URL (client
    /// credentials), or a webhook endpoint's URL (signed with SWITCHYARD_REPLAY_WEBHOOK_SECRET).
    #[arg(long, value_name = "URL")]
    pub(super) against: Option<String>,
    /// The connected app's consumer key, with `--against` for a Salesforce system.
    #[arg(long, value_name = "KEY")]
    pub(super) client_id: Option<String>,
    /// Private or loopback addresses the org or endpoint may resolve to (CIDR or host), with
    /// `--against`; public ones need none.
    #[arg(long = "allow", value_name = "CIDR")]
    pub(super) allow_list: Vec<String>,
    /// Its consumer secret, with `--against` for Salesforce (never on the command line).
    #[arg(long, env = "SWITCHYARD_REPLAY_CLIENT_SECRET", hide_env_values = true, value_name = "SECRET")]
    pub(super) client_secret: Option<SecretString>,
    /// The endpoint's signing secret (`whsec_...`), with `--against` for a webhook system
    /// (never on the command line).
    #[arg(long, env = "SWITCHYARD_REPLAY_WEBHOOK_SECRET", hide_env_values = true, value_name = "SECRET")]
    pub(super) webhook_secret: Option<SecretString>,
    /// With `--simulate` for Salesforce: the org config (TOML; the shipped e-learning org by
    /// default).
    #[arg(long, value_name = "FILE", conflicts_with = "against")]
    pub(super) org: Option<PathBuf>,
    /// The catalog directory (defaults to the shipped catalog): the `current` contract set.
    #[arg(long, value_name = "DIR")]
    catalog: Option<PathBuf>,
    /// A contract set to replay with (repeatable): `current` or another catalog directory (a
    /// proposed mapping, a new target contract). Two or more are compared case by case.
    #[arg(long = "contracts", value_name = "SET")]
    contracts: Vec<String>,
    /// How long a case waits for an expectation that does not hold yet (a real org's flows
    /// may lag; default 30s with `--against`, none with the simulator, whose flows run within
    /// the save); each expectation waits at most its own `within_seconds`.
    #[arg(long, value_parser = HumanDuration::parse, value_name = "DURATION")]
    patience: Option<HumanDuration>,
    /// Also write JUnit XML here (one test suite per contract set).
    #[arg(long, value_name = "FILE")]
    junit: Option<PathBuf>,
    /// Also write the report here: Markdown for `.md`, JSON otherwise.
    #[arg(long, value_name = "FILE")]
    report: Option<PathBuf>,
    /// The dependency map directory: the system's adapter, and its digest recorded with the
    /// run (default: shipped).
    #[arg(long, value_name = "DIR")]
    pub(super) map: Option<PathBuf>,
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
    /// With `--simulate` for Salesforce: the CRM team's faulty flow change (enrollments of
    /// Contacts without a country fail silently) deployed (`on`) or not (`off`); default: as
    /// the org file says (off in the shipped org).
    #[arg(long, value_name = "on|off", conflicts_with = "against", value_parser = clap::builder::BoolishValueParser::new())]
    pub(super) silent_failures: Option<bool>,
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
            path if Path::new(path).is_dir() => Ok(Self::Samples(PathBuf::from(path))),
            other => Err(format!("`{other}` is neither fixtures, catalog nor a profile's directory")),
        }
    }
}

/// The legacy edge cases of `--cases catalog|<dir>` (none for fixtures); `None`, said on
/// stderr, when they cannot be built.
fn legacy_cases(args: &ReplayArgs) -> Option<Option<Vec<ClassCase>>> {
    if args.cases == CaseSource::Fixtures {
        return Some(None);
    }
    let dir = match tempfile::tempdir() {
        Ok(dir) => dir,
        Err(err) => {
            eprintln!("error: --cases: cannot make a directory for the exports: {err}");
            return None;
        }
    };
    let built = match &args.cases {
        CaseSource::Samples(samples) => sample_cases(samples, dir.path()),
        _ => class_cases(dir.path(), args.seed, None),
    };
    match built {
        Ok(cases) => Some(Some(cases)),
        Err(err) => {
            print_error_chain(&err);
            None
        }
    }
}

/// One contract set, loaded: its name, its catalog's root and the system's part of it.
struct ContractSet {
    name: String,
    root: PathBuf,
    system: SystemCatalog,
}

pub fn run(args: ReplayArgs) -> Outcome {
    let system = match SystemId::parse(&args.system) {
        Ok(system) => system,
        Err(err) => {
            eprintln!("error: --system: {err}");
            return Outcome::Unusable;
        }
    };
    let Some(sets) = contract_sets(&args, &system) else { return Outcome::Unusable };
    let Some(kind) = adapter_kind(&args, &system) else { return Outcome::Unusable };
    let Some(target) = target(&args, kind, &system) else { return Outcome::Unusable };
    let Some(legacy) = legacy_cases(&args) else { return Outcome::Unusable };
    let Some(runtime) = runtime() else { return Outcome::Unusable };
    let default_patience = if args.against.is_some() { Duration::from_secs(30) } else { Duration::ZERO };
    let patience = args.patience.map_or(default_patience, HumanDuration::get);
    let mut reports = Vec::with_capacity(sets.len());
    for set in &sets {
        let (cases, classes) = match &legacy {
            None => (fixture_cases(&set.system), None),
            Some(legacy) => {
                let classes = class_replay(&set.system, legacy);
                (classes.cases.clone(), Some(classes))
            }
        };
        match runtime.block_on(replay(&set.system, &cases, target.clone(), patience)) {
            Ok(report) => reports.push(match &classes {
                Some(classes) => classes.per_class(report),
                None => report,
            }),
            Err(err) => {
                if sets.len() > 1 {
                    eprintln!("error: contract set `{}`:", set.name);
                }
                print_error_chain(&err);
                return Outcome::Unusable;
            }
        }
    }
    let output = Output::of(&sets, &reports);
    if let Err(err) = output.write_files(&args) {
        eprintln!("error: {err}");
        return Outcome::Unusable;
    }
    for (set, report) in sets.iter().zip(&reports) {
        if let Err(err) = runtime.block_on(record(&args, &set.root, &set.system, report)) {
            eprintln!("error: the replay ran but could not be recorded: {err}");
            return Outcome::Unusable;
        }
    }
    output.print(args.format);
    if output.is_success() { Outcome::Clean } else { Outcome::Findings }
}

/// The contract sets of `--contracts` (`current` alone by default), each loaded, with the
/// system in it; `None`, said on stderr, when one cannot be used.
fn contract_sets(args: &ReplayArgs, system: &SystemId) -> Option<Vec<ContractSet>> {
    let names = if args.contracts.is_empty() { vec!["current".to_owned()] } else { args.contracts.clone() };
    let mut sets: Vec<ContractSet> = Vec::with_capacity(names.len());
    for name in names {
        if sets.iter().any(|set| set.name == name) {
            eprintln!("error: --contracts: `{name}` is given twice");
            return None;
        }
        let root = match name.as_str() {
            "current" => args.catalog.clone().unwrap_or_else(Catalog::shipped_root),
            path => PathBuf::from(path),
        };
        let catalog = load_catalog(&root)?;
        let Some(system_catalog) = catalog.system(system) else {
            let place = if name == "current" { "--system".to_owned() } else { format!("--contracts {name}") };
            eprintln!("error: {place}: the catalog at {} has no system `{system}`", root.display());
            return None;
        };
        sets.push(ContractSet { system: system_catalog.clone(), name, root });
    }
    Some(sets)
}

/// What the run reports: one replay as today, or the comparison of several contract sets.
enum Output {
    One(ReplayReport),
    Compared(Box<ContractComparison>),
}

impl Output {
    fn of(sets: &[ContractSet], reports: &[ReplayReport]) -> Self {
        match reports {
            [report] => Output::One(report.clone()),
            _ => {
                let sets = sets
                    .iter()
                    .zip(reports)
                    .map(|(set, report)| SetReport {
                        contracts: set.name.clone(),
                        catalog: set.root.display().to_string(),
                        report: report.clone(),
                    })
                    .collect();
                let system = reports.first().map(|report| report.system.clone()).unwrap_or_default();
                Output::Compared(Box::new(ContractComparison::new(system, sets)))
            }
        }
    }

    fn is_success(&self) -> bool {
        match self {
            Output::One(report) => report.is_success(),
            Output::Compared(comparison) => comparison.is_success(),
        }
    }

    fn markdown(&self) -> String {
        match self {
            Output::One(report) => report.to_markdown(),
            Output::Compared(comparison) => comparison.to_markdown(),
        }
    }

    fn json(&self) -> String {
        let json = match self {
            Output::One(report) => serde_json::to_string_pretty(report),
            Output::Compared(comparison) => serde_json::to_string_pretty(comparison),
        };
        json.unwrap_or_default()
    }

    /// `--junit` and `--report`, when asked for.
    fn write_files(&self, args: &ReplayArgs) -> Result<(), String> {
        if let Some(path) = &args.junit {
            let xml = match self {
                Output::One(report) => report.to_junit(),
                Output::Compared(comparison) => comparison.to_junit(),
            };
            let xml = xml.map_err(|err| err.to_string())?;
            std::fs::write(path, xml).map_err(|err| format!("cannot write {}: {err}", path.display()))?;
        }
        if let Some(path) = &args.report {
            let text =
                if path.extension().is_some_and(|ext| ext == "md") { self.markdown() } else { self.json() };
            std::fs::write(path, text).map_err(|err| format!("cannot write {}: {err}", path.display()))?;
        }
        Ok(())
    }

    fn print(&self, format: Format) {
        match (format, self) {
            (Format::Json, Output::One(report)) => print_json(report),
            (Format::Json, Output::Compared(comparison)) => print_json(comparison),
            (Format::Text, _) => print!("{}", self.markdown()),
        }
    }
}

/// Records the run in the hub's ledger, with the digests of the catalog and map it used.
async fn record(
    args: &ReplayArgs,
    catalog_root: &Path,
    system: &SystemCatalog,
    report: &ReplayReport,
) -> Result<(), String> {
    let mut config =
        HubConfig::load(args.config.as_deref(), std::env::vars()).map_err(|err| err.to_string())?;
    if let Some(data_dir) = &args.data_dir {
        config.data_dir = data_dir.clone();
    }
    let map_root = args.map.clone().unwrap_or_else(DependencyMap::shipped_root);
    let digest =
        |root: &Path| directory_digest(root).map_err(|err| format!("cannot read {}: {err}", root.display()));
    let run = run_record(report, system, digest(catalog_root)?, digest(&map_root)?);
    let store = crate::serve::open_ledger(&config).await.map_err(|err| err.to_string())?;
    let recorded = store.record_replay_run(&run).await.map_err(|err| err.to_string());
    store.close().await;
    recorded?;
    eprintln!("replay run {} recorded in the ledger", run.id);
    Ok(())
}
