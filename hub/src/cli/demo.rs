//! `switchyard demo [--users N] [--seed N] [--serve] [--listen ADDR] [--data-dir DIR]`: the
//! migration rehearsal of `crate::demo`, narrated on stdout.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Args;

use super::Outcome;
use super::hub_runtime::hub_runtime;
use crate::demo::{DemoOptions, run as run_demo};

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Customers in the generated export (400000 for the full scale).
    #[arg(long, default_value_t = DemoOptions::default().users)]
    users: u64,
    #[arg(long, default_value_t = DemoOptions::default().seed)]
    seed: u64,
    /// Keep the hub running at the end, at the printed URL, until Ctrl-C.
    #[arg(long)]
    serve: bool,
    /// Where the hub listens (default: a free loopback port).
    #[arg(long, value_name = "ADDR:PORT")]
    listen: Option<SocketAddr>,
    /// Keep the ledger and the export here (default: a temporary directory, deleted at the end).
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,
}

pub fn run(args: DemoArgs) -> Outcome {
    // The partner simulators warn on every record they fail on purpose: keep them quiet.
    super::serve::init_logging_at("warn,switchyard_sandbox=error");
    let Some(runtime) = hub_runtime() else { return Outcome::Unusable };
    let options = DemoOptions {
        users: args.users,
        seed: args.seed,
        data_dir: args.data_dir,
        serve: args.serve,
        listen: args.listen.unwrap_or(DemoOptions::default().listen),
    };
    match runtime.block_on(run_demo(options)) {
        Ok(summary) => {
            println!("\ndemo finished in {:.1} s", summary.seconds);
            Outcome::Clean
        }
        Err(err) => {
            eprintln!("error: the demo stopped: {err}");
            Outcome::Findings
        }
    }
}
