//! `switchyard wave plan | show | signoff | gate | start | pause | resume | abort | redrive |
//! status | report`: a wave planned from the imported users, its owners' sign-offs, its gates
//! with their evidence, the actions that run it (the hub's wave driver feeds a running wave),
//! and its reconciliation. Every action is recorded in the ledger with who and why.

use std::path::PathBuf;
use std::sync::Arc;

use clap::{Args, Subcommand};
use switchyard_contracts::Catalog;
use switchyard_dependency_map::DependencyMap;

use super::Outcome;
use super::output::{Format, load_catalog, print_json, runtime};
use super::wave_run;
use crate::config::{HubConfig, HumanDuration};
use crate::routing::Routes;
use crate::store::PlanError;
use crate::waves::{WaveControl, evaluate, parse_cohort};

#[derive(Debug, Args)]
pub struct WaveArgs {
    /// The TOML configuration (its `database.url` / `data_dir` and systems).
    #[arg(long, global = true, env = "SWITCHYARD_CONFIG", value_name = "FILE")]
    config: Option<PathBuf>,
    /// The data directory holding the SQLite ledger (as `serve` and `legacy import`).
    #[arg(long, global = true, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// The dependency map directory (default: shipped).
    #[arg(long, global = true, value_name = "DIR")]
    map: Option<PathBuf>,
    /// The catalog directory (default: shipped).
    #[arg(long, global = true, value_name = "DIR")]
    catalog: Option<PathBuf>,
    /// `text` or `json`; `wave report` also writes `markdown` and `csv`.
    #[arg(long = "format", id = "format", value_name = "FORMAT", global = true, value_enum, default_value_t)]
    output_format: super::wave_report::WaveFormat,
    /// `--format` of the commands that print text or JSON (set from `output_format` by `run`).
    #[arg(skip)]
    format: Format,
    #[command(subcommand)]
    command: WaveCommand,
}

#[derive(Debug, Subcommand)]
enum WaveCommand {
    /// Take a cohort of the imported users not in a wave yet, and show what the wave will cost.
    Plan {
        name: String,
        /// `N%`, `status=active|inactive|expired`, `partner=<code>`, `website=<code>`,
        /// `created<YYYY-MM-DD`, `created>=YYYY-MM-DD`, `ids=<a,b,..>` or `ids=@<file>`, or
        /// `rest`; repeat to narrow.
        #[arg(long = "select", value_name = "COHORT", required = true)]
        select: Vec<String>,
        /// Who plans it (recorded).
        #[arg(long, default_value = "ops", value_name = "PERSON")]
        by: String,
    },
    /// The wave's plan again, and every action taken on it.
    Show { name: String },
    /// An owner group's sign-off of the wave (for a gate).
    Signoff {
        name: String,
        /// The owning group, as on the dependency map (e.g. `crm-team`).
        #[arg(long, value_name = "GROUP")]
        owner: String,
        #[arg(long, value_name = "PERSON")]
        by: String,
        #[arg(long)]
        note: Option<String>,
    },
    /// Evaluate the wave's gates with their evidence; exit 1 while one fails.
    Gate {
        name: String,
        /// How recent a passing replay must be (default: `waves.replay_max_age`, 24h).
        #[arg(long, value_parser = HumanDuration::parse, value_name = "DURATION")]
        replay_max_age: Option<HumanDuration>,
        #[arg(long, default_value = "ops", value_name = "PERSON")]
        by: String,
    },
    /// Start a planned wave once its gates pass; the hub (`switchyard serve` on this ledger)
    /// feeds it. Exit 1 when a gate refuses it.
    Start {
        name: String,
        /// A failing gate to start through anyway (repeatable); needs --reason.
        #[arg(long = "override", value_name = "GATE")]
        overrides: Vec<String>,
        /// Why (required with --override; recorded).
        #[arg(long)]
        reason: Option<String>,
        #[arg(long, default_value = "ops", value_name = "PERSON")]
        by: String,
        /// Show per-system progress until the wave completes, pauses or is aborted.
        #[arg(long)]
        watch: bool,
    },
    /// Pause a running wave: feeding stops, its queued deliveries are held (no attempt spent).
    Pause(ActionArgs),
    /// Resume a paused wave where it stopped.
    Resume(ActionArgs),
    /// Abort a wave: no more users are released; its queued deliveries stay held.
    Abort(ActionArgs),
    /// Send the wave's silent failures and dead letters again (after the downstream is fixed).
    Redrive {
        name: String,
        /// Only deliveries in this state (`silent_failure`, `dead_lettered`; default both).
        #[arg(long = "state", value_name = "STATE")]
        states: Vec<String>,
        #[arg(long, default_value = "ops", value_name = "PERSON")]
        by: String,
    },
    /// The wave's progress per system; `--watch` shows it live until the wave settles.
    Status {
        name: String,
        #[arg(long)]
        watch: bool,
    },
    /// The wave's reconciliation: every user's state at every system it must reach, totals by
    /// status; exit 1 until every user is in a terminal state.
    Report {
        name: String,
        /// Write the report to this file instead of stdout.
        #[arg(long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
}

/// A pause, resume or abort.
#[derive(Debug, Args)]
pub(super) struct ActionArgs {
    pub(super) name: String,
    #[arg(long)]
    pub(super) reason: Option<String>,
    #[arg(long, default_value = "ops", value_name = "PERSON")]
    pub(super) by: String,
}

/// What the commands work on.
struct Context {
    control: WaveControl,
    catalog: Arc<Catalog>,
    route_errors: Vec<crate::routing::RouteError>,
    replay_max_age: std::time::Duration,
}

pub fn run(mut args: WaveArgs) -> Outcome {
    if !matches!(args.command, WaveCommand::Report { .. }) {
        match args.output_format.listing() {
            Ok(format) => args.format = format,
            Err(err) => {
                eprintln!("error: {err}");
                return Outcome::Unusable;
            }
        }
    }
    let Some(runtime) = runtime() else { return Outcome::Unusable };
    runtime.block_on(async {
        let context = match open(&args).await {
            Ok(context) => context,
            Err(err) => {
                eprintln!("error: {err}");
                return Outcome::Unusable;
            }
        };
        let outcome = match command(&args, &context).await {
            Ok(outcome) => outcome,
            Err(err) => {
                eprintln!("error: {err}");
                Outcome::Unusable
            }
        };
        context.control.store().close().await;
        outcome
    })
}

async fn open(args: &WaveArgs) -> Result<Context, String> {
    let mut config =
        HubConfig::load(args.config.as_deref(), std::env::vars()).map_err(|err| err.to_string())?;
    if let Some(data_dir) = &args.data_dir {
        config.data_dir = data_dir.clone();
    }
    let root = args.catalog.clone().unwrap_or_else(Catalog::shipped_root);
    let catalog = Arc::new(load_catalog(&root).ok_or("the catalog cannot be used")?);
    let map_root = args.map.clone().unwrap_or_else(DependencyMap::shipped_root);
    let map = DependencyMap::load(&map_root).map_err(|findings| {
        let first = findings.first().map(ToString::to_string).unwrap_or_default();
        format!("the dependency map at {} cannot be used: {first}", map_root.display())
    })?;
    let routes = Routes::build(&map, &catalog, &config);
    let route_errors = routes.as_ref().err().cloned().unwrap_or_default();
    let store = crate::serve::open_ledger(&config).await.map_err(|err| err.to_string())?;
    let replay_max_age = config.waves.replay_max_age.get();
    let control =
        WaveControl::new(store, Arc::clone(&catalog), Arc::new(map), routes.map(Arc::new), replay_max_age);
    Ok(Context { control, catalog, route_errors, replay_max_age })
}

async fn command(args: &WaveArgs, context: &Context) -> Result<Outcome, String> {
    let control = &context.control;
    let store = control.store();
    let plan_named = |name: &str| {
        let name = name.to_owned();
        async move { control.plan(&name).await.map_err(|e| e.to_string()) }
    };
    match &args.command {
        WaveCommand::Plan { name, select, by } => {
            let (filter, cohort) = parse_cohort(select).map_err(|err| err.to_string())?;
            match store.plan_wave(name, &cohort, &filter, by).await {
                Ok(_) => {}
                Err(PlanError::Store(err)) => return Err(err.to_string()),
                Err(refused) => return Err(format!("wave {name}: {refused}")),
            }
            let plan = plan_named(name).await?;
            match args.format {
                Format::Json => print_json(&plan),
                Format::Text => print!("{}", plan.to_text()),
            }
            Ok(Outcome::Clean)
        }
        WaveCommand::Show { name } => {
            let plan = plan_named(name).await?;
            let actions = store.wave_actions(name).await.map_err(|e| e.to_string())?;
            match args.format {
                Format::Json => print_json(&serde_json::json!({"plan": plan, "actions": actions})),
                Format::Text => {
                    print!("{}", plan.to_text());
                    for action in actions {
                        println!(
                            "  {} {} by {}{}",
                            action.at.to_rfc3339(),
                            action.action,
                            action.actor,
                            action.reason.map(|r| format!(": {r}")).unwrap_or_default()
                        );
                    }
                }
            }
            Ok(Outcome::Clean)
        }
        WaveCommand::Signoff { name, owner, by, note } => {
            let plan = plan_named(name).await?;
            let owners: Vec<&str> = plan.impacted().filter_map(|s| s.owner.as_deref()).collect();
            if !owners.contains(&owner.as_str()) {
                return Err(format!(
                    "--owner {owner}: not an owner of a system wave {name} impacts (owners: {})",
                    owners.join(", ")
                ));
            }
            store.sign_off(name, owner, by, note.as_deref()).await.map_err(|e| e.to_string())?;
            eprintln!("wave {name}: signed off for {owner} by {by}");
            Ok(Outcome::Clean)
        }
        WaveCommand::Gate { name, replay_max_age, by } => {
            let plan = plan_named(name).await?;
            let max_age = replay_max_age.map_or(context.replay_max_age, HumanDuration::get);
            let max_age = chrono::Duration::from_std(max_age).unwrap_or(chrono::Duration::MAX);
            let report = evaluate(store, &context.catalog, &plan, &context.route_errors, max_age)
                .await
                .map_err(|e| e.to_string())?;
            let evidence = serde_json::to_value(&report).unwrap_or_default();
            let verdict = if report.passed() { "gates-passed" } else { "gates-failed" };
            store
                .record_wave_action(name, verdict, by, None, Some(&evidence))
                .await
                .map_err(|e| e.to_string())?;
            match args.format {
                Format::Json => print_json(&report),
                Format::Text => print!("{}", report.to_text()),
            }
            Ok(if report.passed() { Outcome::Clean } else { Outcome::Findings })
        }
        WaveCommand::Start { name, overrides, reason, by, watch } => {
            wave_run::start(control, name, by, overrides, reason.as_deref(), *watch, args.format).await
        }
        WaveCommand::Pause(action) => wave_run::act(control, wave_run::Act::Pause, action).await,
        WaveCommand::Resume(action) => wave_run::act(control, wave_run::Act::Resume, action).await,
        WaveCommand::Abort(action) => wave_run::act(control, wave_run::Act::Abort, action).await,
        WaveCommand::Redrive { name, states, by } => wave_run::redrive(control, name, by, states).await,
        WaveCommand::Status { name, watch } => wave_run::status(control, name, *watch, args.format).await,
        WaveCommand::Report { name, output } => {
            let format = args.output_format;
            super::wave_report::report(
                store,
                control.routes(),
                control.map(),
                name,
                format,
                output.as_deref(),
            )
            .await
        }
    }
}
