//! `switchyard legacy import | quarantine`: a legacy export streamed into the ledger as
//! migration events held for a wave (see `crate::legacy`), and the rows it quarantined.

use std::io::Write;
use std::path::PathBuf;

use chrono::{DateTime, Utc};
use clap::{Args, Subcommand};
use switchyard_sandbox::legacy::{LegacyExport, MigrateOptions};

use super::Outcome;
use super::ledger::{LedgerLocation, block_on, error_chain, with_store};
use super::output::{Format, load_catalog, print_error_chain, print_json};
use crate::legacy::{ImportError, import_export};
use crate::store::{ImportRun, QuarantineEntry};

#[derive(Debug, Args)]
pub struct LegacyArgs {
    #[command(subcommand)]
    command: LegacyCommand,
}

#[derive(Debug, Subcommand)]
enum LegacyCommand {
    /// Stream a legacy export into the ledger as migration events held for a wave (nothing is
    /// delivered); rows that cannot become valid events are quarantined with file and line.
    Import(ImportArgs),
    /// The rows an import quarantined (the latest import unless `--import` names one).
    Quarantine {
        /// The import's id (as `legacy import` printed it).
        #[arg(long, value_name = "ID")]
        import: Option<String>,
        #[command(flatten)]
        location: LedgerLocation,
    },
}

#[derive(Debug, Args)]
struct ImportArgs {
    /// Magento's customers main file.
    #[arg(long, value_name = "CSV")]
    customers: PathBuf,
    /// Magento's customer addresses file.
    #[arg(long, value_name = "CSV")]
    addresses: Option<PathBuf>,
    /// The platform's enrollment export.
    #[arg(long, value_name = "CSV")]
    enrollments: PathBuf,
    /// When the export was taken (RFC 3339); it decides which accounts count as active.
    /// Default: the customers file's modification time, so importing the same files again
    /// gives the same events.
    #[arg(long, value_name = "TIME")]
    exported_at: Option<DateTime<Utc>>,
    /// The CloudEvents `source` of the migration events.
    #[arg(long, value_name = "URI")]
    source: Option<String>,
    #[command(flatten)]
    location: LedgerLocation,
}

pub fn run(args: LegacyArgs) -> Outcome {
    match args.command {
        LegacyCommand::Import(args) => import(args),
        LegacyCommand::Quarantine { import, location } => quarantine(import, &location),
    }
}

fn import(args: ImportArgs) -> Outcome {
    let config = match args.location.hub_config() {
        Ok(config) => config,
        Err(err) => {
            eprintln!("error: {err}");
            return Outcome::Unusable;
        }
    };
    let exported_at = match args.exported_at.map_or_else(|| modified_at(&args.customers), Ok) {
        Ok(time) => time,
        Err(err) => {
            eprintln!("error: {err}");
            return Outcome::Unusable;
        }
    };
    let mut options = MigrateOptions::new(exported_at);
    if let Some(source) = args.source {
        options.source = source;
    }
    let export =
        LegacyExport { customers: args.customers, addresses: args.addresses, enrollments: args.enrollments };
    let Some(catalog) = load_catalog(&config.catalog_root()) else { return Outcome::Unusable };
    let result = block_on(async {
        let store = crate::serve::open_ledger(&config).await.map_err(ImportError::Store)?;
        let report = import_export(&store, catalog, export, options).await;
        store.close().await;
        report
    });
    let report = match result {
        Ok(Ok(report)) => report,
        Ok(Err(err)) => {
            print_error_chain(&err);
            return Outcome::Unusable;
        }
        Err(err) => {
            eprintln!("error: {err}");
            return Outcome::Unusable;
        }
    };
    match args.location.format {
        Format::Json => print_json(&report),
        Format::Text => print!("{}", report.to_text()),
    }
    Outcome::Clean
}

/// The file's modification time: when the export was written.
fn modified_at(path: &std::path::Path) -> Result<DateTime<Utc>, String> {
    std::fs::metadata(path)
        .and_then(|metadata| metadata.modified())
        .map(DateTime::<Utc>::from)
        .map_err(|err| format!("cannot read {}: {err} (or pass --exported-at)", path.display()))
}

fn quarantine(import: Option<String>, location: &LedgerLocation) -> Outcome {
    let format = location.format;
    with_store(location, |store| async move {
        let Some(run) = store.import_run(import.as_deref()).await.map_err(|err| error_chain_of(&err))? else {
            return Err(match import {
                Some(id) => format!("no import {id} in the ledger"),
                None => "no import in the ledger yet (run `switchyard legacy import`)".to_owned(),
            });
        };
        let rows = store.quarantined(&run.id).await.map_err(|err| error_chain_of(&err))?;
        print_quarantine(&run, &rows, format);
        Ok(Outcome::Clean)
    })
}

fn error_chain_of(err: &crate::store::StoreError) -> String {
    format!("{err}: {}", error_chain(err))
}

fn print_quarantine(run: &ImportRun, rows: &[QuarantineEntry], format: Format) {
    if format == Format::Json {
        print_json(&serde_json::json!({"import": run, "quarantined": rows}));
        return;
    }
    // The list can be long and piped into `head`: a closed pipe ends it quietly.
    let mut out = std::io::stdout().lock();
    let _ = writeln!(
        out,
        "import {} started {}: {} quarantined row(s)",
        run.id,
        run.started_at.to_rfc3339(),
        rows.len()
    );
    for row in rows {
        let class = row.class.as_deref().map(|class| format!(" [{class}]")).unwrap_or_default();
        let account = row.legacy_id.as_deref().map(|id| format!(" (legacy id {id})")).unwrap_or_default();
        if writeln!(out, "{}:{}: {}{class}{account}", row.file, row.line, row.reason).is_err() {
            return;
        }
    }
}
