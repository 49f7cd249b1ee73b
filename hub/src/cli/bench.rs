//! `switchyard bench`: the hub's throughput and memory in one run (see `crate::bench`).

use std::path::PathBuf;

use clap::Args;

use super::Outcome;
use super::output::{Format, print_error_chain, print_json, runtime};
use crate::bench::{
    BenchError, BenchOptions, BenchReport, HubRun, ImportBenchOptions, ImportFigures, MigrationBenchOptions,
    MigrationFigures, SalesforceBenchOptions, SalesforceReport, run, run_import, run_migration,
    run_salesforce,
};

/// What `switchyard bench` measures.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Scenario {
    /// The hub's queue, end-to-end ingest and delivery, and a backlog (see `crate::bench`).
    #[default]
    Hub,
    /// Learners and enrollments through the hub to the Salesforce org simulator.
    Salesforce,
    /// A generated legacy export imported into a fresh store (`switchyard legacy import`).
    Import,
    /// A whole migration: import, two waves through a `serve` child to the Salesforce
    /// simulator and an LMS receiver, reconciliation.
    Migration,
}

#[derive(Debug, Args)]
pub struct BenchArgs {
    /// `hub` (default), `salesforce`, `import` or `migration`.
    #[arg(value_enum, default_value_t)]
    scenario: Scenario,
    /// salesforce: learners (a Contact and an Enrollment__c each) of the main run.
    #[arg(long, default_value_t = 50_000)]
    learners: usize,
    /// salesforce: learners of the run with the simulator's latency model on; 0 skips it.
    #[arg(long, default_value_t = 4_000)]
    latency_learners: usize,
    /// salesforce: the hub's delivery concurrency (steps at once) for Salesforce.
    #[arg(long, default_value_t = 4)]
    concurrency: usize,
    /// import, migration: users in the generated export.
    #[arg(long, default_value_t = 400_000)]
    users: u64,
    /// import: the generator's seed.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// import: the share of users shaped as an edge case.
    #[arg(long, default_value_t = 0.05)]
    edge_share: f64,
    /// No-op apalis jobs for the baseline.
    #[arg(long, default_value_t = 100_000)]
    noop_jobs: usize,
    /// apalis worker concurrency for the baseline (100 is the best found on this machine).
    #[arg(long, default_value_t = 100)]
    noop_concurrency: usize,
    /// Jobs the baseline's worker fetches per poll (apalis fetches at most this many per
    /// 10 ms poll, so it caps the drain rate; 1000 was the best found on this machine).
    #[arg(long, default_value_t = 1000)]
    noop_fetch_batch: usize,
    /// Events sent end to end over HTTP.
    #[arg(long, default_value_t = 100_000)]
    events: usize,
    /// Deliveries queued in the backlog measurement; 0 skips it.
    #[arg(long, default_value_t = 1_000_000)]
    queued: usize,
    /// Run on PostgreSQL (a fresh schema per measurement) instead of SQLite, e.g.
    /// postgres://postgres@127.0.0.1:5432/test.
    #[arg(long, value_name = "URL")]
    postgres: Option<String>,
    /// Where temporary data goes (default: a new directory under the system's temp dir,
    /// removed afterwards).
    #[arg(long, value_name = "DIR")]
    work_dir: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

pub fn run_bench(args: BenchArgs) -> Outcome {
    let temporary = match &args.work_dir {
        Some(_) => None,
        None => match tempfile::Builder::new().prefix("switchyard-bench-").tempdir() {
            Ok(dir) => Some(dir),
            Err(err) => {
                eprintln!("error: cannot create a temporary directory: {err}");
                return Outcome::Unusable;
            }
        },
    };
    let work_dir = args.work_dir.clone().or_else(|| temporary.as_ref().map(|dir| dir.path().to_path_buf()));
    let options = BenchOptions {
        noop_jobs: args.noop_jobs,
        noop_concurrency: args.noop_concurrency,
        noop_fetch_batch: args.noop_fetch_batch,
        events: args.events,
        queued: args.queued,
        postgres: args.postgres.clone(),
        work_dir: work_dir.unwrap_or_default(),
    };
    let Some(runtime) = runtime() else { return Outcome::Unusable };
    if args.scenario == Scenario::Import {
        let options = ImportBenchOptions {
            base: options,
            users: args.users,
            seed: args.seed,
            edge_share: args.edge_share,
        };
        let result = runtime.block_on(run_import(&options, |step| eprintln!("bench: {step}")));
        return finish(result, args.format, print_import);
    }
    if args.scenario == Scenario::Migration {
        let options = MigrationBenchOptions {
            users: args.users,
            seed: args.seed,
            edge_share: args.edge_share,
            work_dir: options.work_dir.clone(),
        };
        let result = runtime.block_on(run_migration(&options, |step| eprintln!("bench: {step}")));
        return finish(result, args.format, print_migration);
    }
    if args.scenario == Scenario::Salesforce {
        let options = SalesforceBenchOptions {
            base: options,
            learners: args.learners,
            latency_learners: args.latency_learners,
            concurrency: args.concurrency.max(1),
        };
        let result = runtime.block_on(run_salesforce(&options, |step| eprintln!("bench: {step}")));
        return finish(result, args.format, print_salesforce);
    }
    finish(runtime.block_on(run(&options, |step| eprintln!("bench: {step}"))), args.format, print_text)
}

/// Prints a finished run's figures, or why it stopped.
fn finish<R: serde::Serialize>(result: Result<R, BenchError>, format: Format, text: fn(&R)) -> Outcome {
    match result {
        Ok(report) => {
            match format {
                Format::Json => print_json(&report),
                Format::Text => text(&report),
            }
            Outcome::Clean
        }
        Err(err) => {
            print_error_chain(&err);
            Outcome::Unusable
        }
    }
}

fn print_import(figures: &ImportFigures) {
    let rows = &figures.rows;
    println!("store: {}", figures.store);
    println!(
        "export: {} users: {} customers, {} addresses, {} enrollments (generated in {:.1} s)",
        figures.users, rows.customers, rows.addresses, rows.enrollments, figures.generate_seconds
    );
    println!(
        "import: {:.1} s: {:.0} rows/s, {} events staged ({:.0} events/s), {} quarantined; peak RSS {}",
        figures.import_seconds,
        figures.rows_per_second,
        figures.events,
        figures.events_per_second,
        figures.quarantined,
        figures.peak_rss_mib.map_or("n/a".to_owned(), |mib| format!("{mib:.0} MiB"))
    );
    for (contract, count) in &figures.events_by_contract {
        println!("  {count:>10}  {contract}");
    }
}

fn print_text(report: &BenchReport) {
    let mib = |value: Option<f64>| value.map_or("n/a".to_owned(), |value| format!("{value:.0} MiB"));
    let noop = &report.noop;
    println!("store: {}", report.store);
    println!(
        "(a) raw apalis no-op jobs: {} jobs, concurrency {}, fetch {} per {} ms poll: push {:.0}/s, drain {:.0}/s ({:.1} s)",
        noop.jobs,
        noop.concurrency,
        noop.fetch_batch,
        noop.poll_interval_ms,
        noop.push_per_second,
        noop.drain_per_second,
        noop.drain_seconds
    );
    let e2e = &report.end_to_end;
    println!(
        "(b) end to end: {} events ({} deliveries) in {:.1} s: {:.0} events/s; hub peak RSS {}",
        e2e.events,
        e2e.deliveries,
        e2e.seconds,
        e2e.events_per_second,
        mib(e2e.hub_peak_rss_mib)
    );
    println!(
        "    ratio end-to-end events/s : no-op jobs/s = {:.2}",
        e2e.events_per_second / noop.drain_per_second
    );
    if let Some(backlog) = &report.backlog {
        println!(
            "(c) backlog: {} deliveries queued (filled in {:.1} s); {} drained in {:.1} s ({:.0}/s); hub peak RSS {}",
            backlog.deliveries_queued,
            backlog.fill_seconds,
            backlog.drained,
            backlog.drain_seconds,
            backlog.drain_per_second,
            mib(backlog.hub_peak_rss_mib)
        );
    }
}

fn print_salesforce(report: &SalesforceReport) {
    let run_line = |label: &str, run: &HubRun| {
        println!(
            "{label}: {} records in {:.2} s: {:.0} records/s; {} data calls for ceil(records/200) = {} ({:.3}x); hub peak RSS {}",
            run.records,
            run.seconds,
            run.records_per_second,
            run.data_calls,
            run.minimum_calls,
            run.data_calls as f64 / run.minimum_calls.max(1) as f64,
            run.hub_peak_rss_mib.map_or("n/a".to_owned(), |mib| format!("{mib:.0} MiB")),
        );
    };
    println!("store: {}, hub concurrency {}", report.store, report.concurrency);
    run_line("(a) collections through the hub, latency off", &report.collections);
    let naive = &report.naive;
    println!(
        "(b) naive client, one call per record: {} records in {:.2} s: {:.0} records/s; {} data calls",
        naive.records, naive.seconds, naive.records_per_second, naive.data_calls
    );
    println!(
        "    ratio hub : naive = {:.1}x records/s, {:.4}x data calls",
        report.collections.records_per_second / naive.records_per_second,
        report.collections.data_calls as f64 / naive.data_calls.max(1) as f64
    );
    if let Some(latency) = &report.latency {
        run_line(
            &format!(
                "(c) latency model on ({} ms per call + {} ms per record)",
                latency.latency_fixed_ms, latency.latency_per_record_ms
            ),
            &latency.run,
        );
        println!(
            "    floor at concurrency {}: {:.2} s; time : floor = {:.2}",
            report.concurrency,
            latency.floor_seconds,
            latency.run.seconds / latency.floor_seconds
        );
    }
}

fn print_migration(figures: &MigrationFigures) {
    println!(
        "migration of {} users ({} customers exported): import {:.1} s (peak RSS {}), waves {:.1} s, wall {:.1} s",
        figures.users,
        figures.customers_exported,
        figures.import_seconds,
        mib(figures.import_peak_rss_mib),
        figures.waves_seconds,
        figures.wall_seconds
    );
    let records: Vec<String> = figures.records.iter().map(|(system, n)| format!("{n} to {system}")).collect();
    println!("  records settled: {} ({:.0} records/s)", records.join(", "), figures.records_per_second);
    println!(
        "  Salesforce API calls: {} (minimum {}); LMS requests: {} (minimum {})",
        figures.salesforce_api_calls,
        figures.salesforce_minimum_calls,
        figures.lms_requests,
        figures.lms_minimum_requests
    );
    println!(
        "  hub (serve child) peak RSS {}; {} users in waves, {} accounts quarantined whole, {} unaccounted",
        mib(figures.hub_peak_rss_mib),
        figures.users_in_waves,
        figures.quarantined_accounts,
        figures.unaccounted
    );
}

fn mib(value: Option<f64>) -> String {
    value.map_or_else(|| "unknown".to_owned(), |mib| format!("{mib:.0} MiB"))
}
