//! Ledger commands for ops: `switchyard trace`, `switchyard deliveries status` and
//! `switchyard dead-letters list | show | redrive`. They read the same ledger `serve` writes
//! (`--data-dir`, or `database.url` from `--config`).

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use clap::{Args, Subcommand};
use serde_json::json;

use super::Outcome;
use super::output::{Format, print_json};
use crate::config::HubConfig;
use crate::store::{DeadLetterFilter, EventTrace, RedriveSelection, Store};

/// Where the ledger is, as for `serve`.
#[derive(Debug, Args)]
pub struct LedgerLocation {
    /// The TOML configuration (its `database.url` / `data_dir`).
    #[arg(long, global = true, env = "SWITCHYARD_CONFIG", value_name = "FILE")]
    config: Option<PathBuf>,
    /// The data directory holding the SQLite ledger.
    #[arg(long, global = true, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// Output format.
    #[arg(long, global = true, value_enum, default_value_t)]
    pub format: Format,
}

impl LedgerLocation {
    /// The hub's configuration with `--data-dir` applied, as `serve` resolves it.
    pub fn hub_config(&self) -> Result<HubConfig, String> {
        let mut config =
            HubConfig::load(self.config.as_deref(), std::env::vars()).map_err(|err| err.to_string())?;
        if let Some(data_dir) = &self.data_dir {
            config.data_dir = data_dir.clone();
        }
        Ok(config)
    }
}

#[derive(Debug, Args)]
pub struct TraceArgs {
    /// An event id, a legacy (Magento) user id, or a delivery id.
    query: String,
    #[command(flatten)]
    location: LedgerLocation,
}

#[derive(Debug, Args)]
pub struct DeliveriesArgs {
    #[command(flatten)]
    location: LedgerLocation,
    #[command(subcommand)]
    command: DeliveriesCommand,
}

#[derive(Debug, Subcommand)]
enum DeliveriesCommand {
    /// Deliveries per system and state.
    Status,
}

#[derive(Debug, Args)]
pub struct DeadLettersArgs {
    #[command(flatten)]
    location: LedgerLocation,
    #[command(subcommand)]
    command: DeadLettersCommand,
}

#[derive(Debug, Subcommand)]
enum DeadLettersCommand {
    /// Dead letters, newest first.
    List {
        #[command(flatten)]
        filter: FilterArgs,
        #[arg(long, default_value_t = 100)]
        limit: u32,
    },
    /// One dead letter with its event and every attempt.
    Show { delivery_id: String },
    /// Send dead letters again (their history is kept): one by id, or every one matching.
    Redrive {
        /// One delivery.
        #[arg(long, conflicts_with_all = ["system", "since", "all"])]
        id: Option<String>,
        #[command(flatten)]
        filter: FilterArgs,
        /// Every dead letter (required when no other selection is given, so nothing is
        /// redriven by accident).
        #[arg(long)]
        all: bool,
    },
}

#[derive(Debug, Args)]
struct FilterArgs {
    /// Only this system's.
    #[arg(long)]
    system: Option<String>,
    /// Only those dead-lettered at or after this RFC 3339 time.
    #[arg(long, value_name = "TIME")]
    since: Option<DateTime<Utc>>,
}

pub(super) fn block_on<T>(future: impl Future<Output = T>) -> Result<T, String> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map(|runtime| runtime.block_on(future))
        .map_err(|err| format!("cannot start the async runtime: {err}"))
}

async fn open(location: &LedgerLocation) -> Result<Store, String> {
    let config = location.hub_config()?;
    if config.database.url.is_none() && !config.data_dir.join("switchyard.db").is_file() {
        return Err(format!(
            "no ledger in {} (start `switchyard serve` there first)",
            config.data_dir.display()
        ));
    }
    crate::serve::open_ledger(&config).await.map_err(|err| format!("{err}: {}", error_chain(&err)))
}

pub(super) fn error_chain(err: &dyn std::error::Error) -> String {
    let mut causes = Vec::new();
    let mut source = err.source();
    while let Some(cause) = source {
        causes.push(cause.to_string());
        source = cause.source();
    }
    causes.join(": ")
}

/// Runs `work` on the opened ledger; errors end the command with exit code 2.
pub(super) fn with_store<F>(location: &LedgerLocation, work: impl FnOnce(Store) -> F) -> Outcome
where
    F: Future<Output = Result<Outcome, String>>,
{
    let result = block_on(async {
        let store = open(location).await?;
        let outcome = work(store.clone()).await;
        store.close().await;
        outcome
    });
    match result.and_then(|outcome| outcome) {
        Ok(outcome) => outcome,
        Err(err) => {
            eprintln!("error: {err}");
            Outcome::Unusable
        }
    }
}

pub fn trace(args: TraceArgs) -> Outcome {
    let format = args.location.format;
    with_store(&args.location, |store| async move {
        let traces = store.trace(&args.query).await.map_err(|err| err.to_string())?;
        print_traces(&traces, format);
        Ok(if traces.is_empty() { Outcome::Findings } else { Outcome::Clean })
    })
}

fn print_traces(traces: &[EventTrace], format: Format) {
    if format == Format::Json {
        print_json(&traces);
        return;
    }
    if traces.is_empty() {
        println!("nothing in the ledger matches");
    }
    for trace in traces {
        let event = &trace.event;
        let legacy = event.legacy_id.as_deref().map(|id| format!(", legacy id {id}")).unwrap_or_default();
        println!(
            "event {} from {} ({}@v{}{legacy}), received {}",
            event.event_id, event.source, event.event_type, event.version, event.received_at
        );
        for delivery in &trace.deliveries {
            let d = &delivery.delivery;
            let reason = d.last_reason.as_deref().map(|r| format!(" — {r}")).unwrap_or_default();
            println!(
                "  -> {} via {}: {} after {} attempt(s){reason}  [{}]",
                d.system,
                d.mapping,
                d.state.as_str(),
                d.attempts,
                d.id
            );
            for attempt in &delivery.attempts {
                let status = attempt.http_status.map(|s| format!(" HTTP {s}")).unwrap_or_default();
                println!(
                    "       #{} {} {}{status}: {}",
                    attempt.number,
                    attempt.finished_at,
                    attempt.outcome.as_str(),
                    attempt.summary
                );
            }
        }
    }
}

pub fn deliveries(args: DeliveriesArgs) -> Outcome {
    let format = args.location.format;
    match args.command {
        DeliveriesCommand::Status => with_store(&args.location, |store| async move {
            let counts = store.state_counts().await.map_err(|err| err.to_string())?;
            match format {
                Format::Json => print_json(&counts),
                Format::Text => {
                    println!("{:<16} {:<16} {:>10}", "system", "state", "deliveries");
                    for count in &counts {
                        println!("{:<16} {:<16} {:>10}", count.system, count.state.as_str(), count.count);
                    }
                }
            }
            Ok(Outcome::Clean)
        }),
    }
}

pub fn dead_letters(args: DeadLettersArgs) -> Outcome {
    let format = args.location.format;
    match args.command {
        DeadLettersCommand::List { filter, limit } => with_store(&args.location, |store| async move {
            let filter = DeadLetterFilter { system: filter.system, since: filter.since, limit: Some(limit) };
            let letters = store.dead_letters(&filter).await.map_err(|err| err.to_string())?;
            match format {
                Format::Json => print_json(&letters),
                Format::Text => {
                    for letter in &letters {
                        let reason = letter.last_reason.as_deref().unwrap_or("(no reason recorded)");
                        println!(
                            "{}  {}  event {}  {} attempt(s), {}: {reason}",
                            letter.delivery_id,
                            letter.system,
                            letter.event_id,
                            letter.attempts,
                            letter.dead_lettered_at
                        );
                    }
                    println!("{} dead letter(s)", letters.len());
                }
            }
            Ok(Outcome::Clean)
        }),
        DeadLettersCommand::Show { delivery_id } => with_store(&args.location, |store| async move {
            let traces = store.trace(&delivery_id).await.map_err(|err| err.to_string())?;
            print_traces(&traces, format);
            Ok(if traces.is_empty() { Outcome::Findings } else { Outcome::Clean })
        }),
        DeadLettersCommand::Redrive { id, filter, all } => {
            let selection = match (id, filter.system.is_some() || filter.since.is_some(), all) {
                (Some(id), _, _) => RedriveSelection::One(id),
                (None, true, _) | (None, false, true) => RedriveSelection::Matching(DeadLetterFilter {
                    system: filter.system,
                    since: filter.since,
                    limit: None,
                }),
                (None, false, false) => {
                    eprintln!("error: say which dead letters: --id, --system, --since, or --all");
                    return Outcome::Unusable;
                }
            };
            with_store(&args.location, |store| async move {
                let count = store.redrive(&selection, Utc::now()).await.map_err(|err| err.to_string())?;
                match format {
                    Format::Json => print_json(&json!({"redriven": count})),
                    Format::Text => println!("{count} dead letter(s) redriven; they are pending again"),
                }
                Ok(Outcome::Clean)
            })
        }
    }
}
