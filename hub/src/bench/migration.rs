//! `switchyard bench migration`: a whole migration at scale. A generated export of `--users`
//! users is imported (in this process, its peak memory measured), planned as wave 1 (1%) and
//! wave 2 (the rest), and both waves run by a real `switchyard serve` child process (its peak
//! memory measured alone) to the Salesforce org simulator (latency off) and an LMS webhook
//! receiver in this process. Reported: wall time, records/s, API calls per system against
//! the minimum, peak memory, and the users the reconciliation does not account for.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use chrono::Utc;
use serde::Serialize;
use switchyard_sandbox::legacy::{GenerateOptions, LegacyExport, MigrateOptions, generate_into_dir};

use super::child::{ChildHub, peak_rss_mib};
use super::run::{BenchError, prepare};
use crate::demo::{DemoOptions, Partners, demo_weights};
use crate::legacy::import_export;
use crate::store::CohortFilter;
use crate::waves::{WaveControl, report_of};

/// Feeding as fast as the hub takes it: no ramp, a rate no system reaches, a deep queue.
const BENCH_FEED: &str = "rate = 1000000\nin_flight = 40000\nramp = \"0s\"\n";
/// How long one wave may take before the benchmark gives up.
const WAVE_LIMIT: Duration = Duration::from_secs(1800);

#[derive(Debug, Clone)]
pub struct MigrationBenchOptions {
    pub users: u64,
    pub seed: u64,
    pub edge_share: f64,
    /// Where the temporary data directory goes.
    pub work_dir: PathBuf,
}

/// The figures of one whole migration.
#[derive(Debug, Clone, Serialize)]
pub struct MigrationFigures {
    pub users: u64,
    pub customers_exported: u64,
    pub generate_seconds: f64,
    pub import_seconds: f64,
    pub import_peak_rss_mib: Option<f64>,
    /// From the first wave's start to the last one's completion.
    pub waves_seconds: f64,
    /// Import and waves.
    pub wall_seconds: f64,
    /// Records settled per system.
    pub records: BTreeMap<String, i64>,
    pub records_per_second: f64,
    /// Salesforce data calls (deliveries and read-backs) and the plan's minimum for them:
    /// one Collections call per 200 records of an object, one query per 200 read-backs.
    pub salesforce_api_calls: u64,
    pub salesforce_minimum_calls: i64,
    /// LMS requests and the minimum: one per full batch.
    pub lms_requests: u64,
    pub lms_minimum_requests: i64,
    /// The `serve` child's peak resident memory.
    pub hub_peak_rss_mib: Option<f64>,
    pub users_in_waves: i64,
    pub quarantined_accounts: i64,
    /// Users of a wave not in a terminal state, or miscounted: must be 0.
    pub unaccounted: i64,
}

pub async fn run_migration(
    options: &MigrationBenchOptions,
    progress: impl Fn(&str),
) -> Result<MigrationFigures, BenchError> {
    let dir = tempfile::tempdir_in(&options.work_dir).map_err(prepare("a data directory"))?;
    let export = dir.path().join("export");
    progress(&format!("generating an export of {} users", options.users));
    let generate = GenerateOptions {
        weights: demo_weights(),
        ..GenerateOptions::new(options.users, options.seed, options.edge_share)
    };
    let started = Instant::now();
    let into = export.clone();
    let manifest = tokio::task::spawn_blocking(move || generate_into_dir(&generate, &into))
        .await
        .map_err(prepare("the generator"))?
        .map_err(prepare("the export"))?;
    let generate_seconds = started.elapsed().as_secs_f64();

    let demo = DemoOptions::default();
    let partners = Partners::start(&demo, dir.path(), BENCH_FEED).await.map_err(prepare("the partners"))?;
    let config_file = dir.path().join("switchyard.toml");
    std::fs::write(&config_file, &partners.toml).map_err(prepare("the configuration"))?;
    let control = partners.control(dir.path()).await.map_err(prepare("the ledger"))?;

    progress("importing it");
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let wall = Instant::now();
    let catalog = (*partners.catalog).clone();
    let export = LegacyExport::in_dir(&export);
    let imported = import_export(control.store(), catalog, export, MigrateOptions::new(Utc::now()))
        .await
        .map_err(prepare("the import"))?;
    let import_seconds = wall.elapsed().as_secs_f64();
    let import_peak_rss_mib = peak_rss_mib(std::process::id());
    progress(&format!("imported {} events in {import_seconds:.1} s", imported.tally.events_total()));

    let waves = [("wave-1", Some(0.01)), ("wave-2", None)];
    for (name, share) in waves {
        let filter = CohortFilter { share, ..CohortFilter::default() };
        control.store().plan_wave(name, "benchmark", &filter, "bench").await.map_err(prepare("a plan"))?;
    }
    let log = dir.path().join("hub.log");
    let hub = ChildHub::start(&config_file, dir.path(), &log)?;
    let waves_started = Instant::now();
    for (name, _) in waves {
        progress(&format!("running {name}"));
        run_wave(&control, name).await?;
    }
    let waves_seconds = waves_started.elapsed().as_secs_f64();
    let wall_seconds = wall.elapsed().as_secs_f64();
    let hub_peak_rss_mib = hub.peak_rss_mib();
    hub.stop()?;

    progress("reconciling");
    let mut figures = MigrationFigures {
        users: options.users,
        customers_exported: manifest.rows.customers,
        generate_seconds,
        import_seconds,
        import_peak_rss_mib,
        waves_seconds,
        wall_seconds,
        records: BTreeMap::new(),
        records_per_second: 0.0,
        salesforce_api_calls: partners.simulator.stats().api_calls,
        salesforce_minimum_calls: 0,
        lms_requests: partners.receiver.stats().requests,
        lms_minimum_requests: 0,
        hub_peak_rss_mib,
        users_in_waves: 0,
        quarantined_accounts: 0,
        unaccounted: 0,
    };
    let lms_batch = partners.config(dir.path()).map_err(prepare("the configuration"))?;
    let lms_batch = lms_batch
        .delivery_for(&switchyard_contracts::SystemId::parse("lms").map_err(prepare("the lms id"))?)
        .batch_size
        .max(1) as i64;
    for (name, _) in waves {
        let plan = control.plan(name).await.map_err(prepare("a plan"))?;
        let status = control.status(name).await.map_err(prepare("a status"))?;
        for system in &status.systems {
            *figures.records.entry(system.system.clone()).or_default() += system.settled();
        }
        for system in plan.impacted() {
            let records: i64 = system.records.values().sum();
            match system.system.as_str() {
                "salesforce" => {
                    figures.salesforce_minimum_calls += system.delivery_calls + system.read_back_calls
                }
                "lms" => figures.lms_minimum_requests += (records + lms_batch - 1) / lms_batch,
                _ => {}
            }
        }
        let report = report_of(control.store(), &plan).await?;
        figures.users_in_waves += report.totals.all.total;
        figures.unaccounted += report.unfinished + (report.cohort() - report.totals.all.total).abs();
        figures.quarantined_accounts = report.quarantined_whole_accounts.accounts;
    }
    let records: i64 = figures.records.values().sum();
    figures.records_per_second = records as f64 / waves_seconds.max(f64::EPSILON);
    control.store().close().await;
    Ok(figures)
}

/// Starts wave `name` through the gates a benchmark has no evidence for, and waits for it.
async fn run_wave(control: &WaveControl, name: &str) -> Result<(), BenchError> {
    let gates = control.gates(name).await.map_err(prepare("the gates"))?;
    let failing: Vec<String> = gates.failing().map(|gate| gate.gate.to_owned()).collect();
    control
        .start(name, "bench", &failing, Some("benchmark: no replay or sign-off evidence"))
        .await
        .map_err(prepare("a start"))?;
    let deadline = Instant::now() + WAVE_LIMIT;
    loop {
        let state = control.store().wave_run(name).await?.map(|run| run.state).unwrap_or_default();
        match state.as_str() {
            "completed" => return Ok(()),
            "running" if Instant::now() < deadline => {}
            state => {
                let status = control.status(name).await.map_err(prepare("a status"))?;
                return Err(BenchError::Prepare {
                    what: format!("wave {name}"),
                    source: format!("it is {state}, not completed:\n{}", status.to_text()).into(),
                });
            }
        }
        // The child hub writes the ledger: there is nothing to await but the next look.
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}
