//! The `switchyard` command as a user runs it: exit codes, outputs and files.

mod contracts_cli;
mod ingest;
mod ops_api;
mod serve;
mod store;
