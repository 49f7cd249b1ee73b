//! `switchyard serve [--listen <addr:port>] [--data-dir <dir>] [--config <file>]`.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Args;

use super::Outcome;
use super::hub_runtime::hub_runtime;
use super::output::print_error_chain;
use crate::config::HubConfig;

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The TOML configuration (see hub/switchyard.example.toml); `SWITCHYARD_*` variables
    /// override it, and these flags override both.
    #[arg(long, env = "SWITCHYARD_CONFIG", value_name = "FILE")]
    config: Option<PathBuf>,
    /// Where to listen (default 127.0.0.1:8080; port 0 picks a free port).
    #[arg(long, value_name = "ADDR:PORT")]
    listen: Option<SocketAddr>,
    /// Holds the SQLite ledger and anything else local (default ./switchyard-data).
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,
}

pub fn run(args: ServeArgs) -> Outcome {
    init_logging();
    let mut config = match HubConfig::load(args.config.as_deref(), std::env::vars()) {
        Ok(config) => config,
        Err(err) => {
            eprintln!("error: {err}");
            return Outcome::Unusable;
        }
    };
    if let Some(listen) = args.listen {
        config.listen = listen;
    }
    if let Some(data_dir) = args.data_dir {
        config.data_dir = data_dir;
    }
    let Some(runtime) = hub_runtime() else { return Outcome::Unusable };
    let served = runtime.block_on(crate::serve::serve(config, |addr| {
        // Scripts and tests read this line to learn the address (port 0 resolved).
        println!("switchyard listening on http://{addr}");
        let _ = std::io::stdout().flush();
    }));
    match served {
        Ok(()) => Outcome::Clean,
        Err(err) => {
            print_error_chain(&err);
            Outcome::Unusable
        }
    }
}

/// Structured logs on stderr; `SWITCHYARD_LOG` sets the filter (default `info`).
fn init_logging() {
    init_logging_at("info");
}

/// As `init_logging`, with another default filter (the demo keeps its narration clear).
pub(super) fn init_logging_at(default: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("SWITCHYARD_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(ansi)
        .with_writer(std::io::stderr)
        .try_init();
}
