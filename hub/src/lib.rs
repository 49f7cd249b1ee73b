//! The Switchyard hub as a library: the command line, ingest, the ledger, the queue, delivery
//! workers, the HTTP API and the benchmark; verification and waves as they arrive. `main.rs`
//! only starts it.

pub mod bench;
pub mod cli;
pub mod config;
pub mod delivery;
pub mod demo;
pub mod http;
pub mod ingest;
pub mod legacy;
pub mod metrics;
pub mod pact;
pub mod policy;
pub mod queue;
pub mod replay;
pub mod routing;
pub mod scheduling;
pub mod serve;
pub mod store;
pub mod verify;
pub mod waves;
