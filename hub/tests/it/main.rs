//! The `switchyard` command as a user runs it: exit codes, outputs and files.

mod allocator;
mod checkpoint;
mod contracts_cli;
mod delivery;
mod demo;
mod ingest;
mod ledger_upgrade;
mod legacy_cli;
mod legacy_staging;
mod ops_api;
mod pact;
mod queue;
mod replay;
mod replay_contracts;
mod replay_edge_cases;
mod replay_webhook;
mod salesforce_bulk;
mod salesforce_delivery;
mod salesforce_verification;
mod sandbox_cli;
mod sandbox_legacy_cli;
#[cfg(target_os = "linux")]
mod scheduling;
mod serve;
mod store;
mod submitted;
mod support;
mod wave_cli;
mod wave_report;
mod wave_run;
mod waves;
