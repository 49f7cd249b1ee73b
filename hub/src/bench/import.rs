//! `switchyard bench import`: a generated legacy export of `--users` users imported into a fresh
//! store, in process: wall time, rows/s, events/s and the peak resident memory of the import.

use chrono::{DateTime, Utc};
use serde::Serialize;
use switchyard_contracts::Catalog;
use switchyard_sandbox::legacy::{GenerateOptions, RowCounts, generate_into_dir};
use switchyard_sandbox::legacy::{LegacyExport, MigrateOptions};

use super::child::peak_rss_mib;
use super::run::{BenchError, BenchOptions, Place, prepare};
use crate::legacy::import_export;

/// The generator's export time (2026-12-01T00:00:00Z), so statuses come out as it meant them.
const EXPORT_TIME: i64 = 1_796_083_200;

/// What to import.
#[derive(Debug, Clone)]
pub struct ImportBenchOptions {
    pub base: BenchOptions,
    pub users: u64,
    pub seed: u64,
    /// The share of users shaped as an edge case.
    pub edge_share: f64,
}

/// The figures of one import.
#[derive(Debug, Clone, Serialize)]
pub struct ImportFigures {
    pub store: &'static str,
    pub users: u64,
    /// Rows in the generated files.
    pub rows: RowCounts,
    pub generate_seconds: f64,
    /// From opening the files to the last batch committed.
    pub import_seconds: f64,
    /// CSV rows (all three files) read per second.
    pub rows_per_second: f64,
    /// Events staged.
    pub events: u64,
    pub events_per_second: f64,
    pub quarantined: u64,
    /// Peak resident memory during the import (`VmHWM`, reset after generating).
    pub peak_rss_mib: Option<f64>,
}

pub async fn run_import(
    options: &ImportBenchOptions,
    progress: impl Fn(&str),
) -> Result<ImportFigures, BenchError> {
    let place = Place::new(&options.base, "import").await?;
    let export_dir = place.data_dir().join("export");
    progress(&format!("generating an export of {} users", options.users));
    let generate = GenerateOptions::new(options.users, options.seed, options.edge_share);
    let started = std::time::Instant::now();
    let dir = export_dir.clone();
    let manifest = tokio::task::spawn_blocking(move || generate_into_dir(&generate, &dir))
        .await
        .map_err(prepare("the export"))?
        .map_err(prepare("the export"))?;
    let generate_seconds = started.elapsed().as_secs_f64();
    let catalog = Catalog::load(Catalog::shipped_root()).map_err(|findings| BenchError::Prepare {
        what: "the shipped catalog".into(),
        source: findings.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ").into(),
    })?;
    let store = place.store().await?;
    let export = LegacyExport {
        customers: export_dir.join("customers.csv"),
        addresses: Some(export_dir.join("addresses.csv")),
        enrollments: export_dir.join("enrollments.csv"),
    };
    let exported_at = DateTime::<Utc>::from_timestamp(EXPORT_TIME, 0).unwrap_or_default();
    // The generator's buffers are gone: measure the import's own peak (Linux: "5" resets VmHWM).
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    progress("importing it");
    let report = import_export(&store, catalog, export, MigrateOptions::new(exported_at))
        .await
        .map_err(prepare("the import"))?;
    let peak_rss_mib = peak_rss_mib(std::process::id());
    store.close().await;
    place.remove().await;
    let rows = manifest.rows.customers + manifest.rows.addresses + manifest.rows.enrollments;
    let events = report.tally.events_total();
    Ok(ImportFigures {
        store: if options.base.postgres.is_some() { "postgres" } else { "sqlite" },
        users: options.users,
        rows: manifest.rows,
        generate_seconds,
        import_seconds: report.seconds,
        rows_per_second: rows as f64 / report.seconds,
        events,
        events_per_second: events as f64 / report.seconds,
        quarantined: report.tally.quarantined_total(),
        peak_rss_mib,
    })
}
