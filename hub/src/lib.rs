//! The Switchyard hub as a library: the command line today; ingest, ledger, queue, delivery,
//! verification and waves as they arrive. `main.rs` only starts it.

pub mod cli;
pub mod config;
pub mod http;
pub mod ingest;
pub mod metrics;
pub mod policy;
pub mod routing;
pub mod serve;
pub mod store;
