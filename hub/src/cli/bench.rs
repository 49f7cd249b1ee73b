//! `switchyard bench`: the hub's throughput and memory in one run (see `crate::bench`).

use std::path::PathBuf;

use clap::Args;

use super::Outcome;
use super::output::{Format, print_error_chain, print_json, runtime};
use crate::bench::{BenchOptions, BenchReport, run};

#[derive(Debug, Args)]
pub struct BenchArgs {
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
    match runtime.block_on(run(&options, |step| eprintln!("bench: {step}"))) {
        Ok(report) => {
            match args.format {
                Format::Json => print_json(&report),
                Format::Text => print_text(&report),
            }
            Outcome::Clean
        }
        Err(err) => {
            print_error_chain(&err);
            Outcome::Unusable
        }
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
