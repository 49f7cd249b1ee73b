//! Command-line parsing and dispatch. Exit codes everywhere: 0 all good, 1 findings
//! (incompatible, failing fixture, invalid map), 2 unusable input.

mod bench;
mod contracts;
mod demo;
mod hub_runtime;
mod ledger;
mod legacy;
mod map;
mod map_adapter;
mod output;
mod replay;
mod replay_target;
mod sandbox;
mod serve;
mod wave;
mod wave_report;
pub mod wave_run;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Switchyard: a CRM and downstream integration hub that moves users and their data into
/// Salesforce and other downstream systems, and never lets a migration break a partner silently.
#[derive(Debug, Parser)]
#[command(name = "switchyard", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// The whole migration story on embedded defaults, narrated: import, gated waves, a
    /// CRM flow change caught live, the fix, and the reconciliation.
    Demo(demo::DemoArgs),
    /// Event and target contracts, mappings, compatibility and contract tests.
    Contracts(contracts::ContractsArgs),
    /// Run the hub: the HTTP API, the delivery workers and the sweeper, on the ledger.
    Serve(serve::ServeArgs),
    /// Measure the hub: raw queue throughput, end-to-end events/s and memory.
    Bench(bench::BenchArgs),
    /// Partner simulators on their own: a Salesforce org, a webhook receiver.
    Sandbox(sandbox::SandboxArgs),
    /// Where is this event or user? Event -> deliveries -> attempts -> outcome.
    Trace(ledger::TraceArgs),
    /// Deliveries in the ledger.
    Deliveries(ledger::DeliveriesArgs),
    /// Dead letters: list, show, redrive.
    DeadLetters(ledger::DeadLettersArgs),
    /// The dependency map: validate, impact analysis, render.
    Map(map::MapArgs),
    /// The legacy export: import it as migration events held for a wave, list what it quarantined.
    Legacy(legacy::LegacyArgs),
    /// Migration waves: plan a cohort, sign off, evaluate the gates.
    Wave(wave::WaveArgs),
}

impl Command {
    /// Whether the command reports and ends. The others run servers and child processes
    /// (`serve`, `demo`, `bench`, `sandbox`), which keep ignoring SIGPIPE: a reader going away
    /// there is an error to handle, never a reason to die mid-work.
    fn ends_when_printed(&self) -> bool {
        !matches!(self, Command::Serve(_) | Command::Demo(_) | Command::Bench(_) | Command::Sandbox(_))
    }
}

/// How a command ended, as a process exit code. Ordered: of two parts of a command, the
/// worse outcome wins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Outcome {
    /// Everything checked out.
    Clean = 0,
    /// The command ran and found problems (incompatibilities, failing fixtures, ...).
    Findings = 1,
    /// The input could not be used (malformed files, unknown names).
    Unusable = 2,
}

impl From<Outcome> for ExitCode {
    fn from(outcome: Outcome) -> Self {
        ExitCode::from(outcome as u8)
    }
}

pub fn run() -> ExitCode {
    let cli = Cli::parse();
    if cli.command.ends_when_printed() {
        // `switchyard deliveries | head` ends quietly, as Unix tools do, instead of panicking
        // on the closed pipe (Rust ignores SIGPIPE unless told otherwise).
        sigpipe::reset();
    }
    let outcome = match cli.command {
        Command::Demo(args) => demo::run(args),
        Command::Contracts(args) => contracts::run(args),
        Command::Serve(args) => serve::run(args),
        Command::Bench(args) => bench::run_bench(args),
        Command::Sandbox(args) => sandbox::run(args),
        Command::Trace(args) => ledger::trace(args),
        Command::Deliveries(args) => ledger::deliveries(args),
        Command::DeadLetters(args) => ledger::dead_letters(args),
        Command::Map(args) => map::run(args),
        Command::Legacy(args) => legacy::run(args),
        Command::Wave(args) => wave::run(args),
    };
    outcome.into()
}
