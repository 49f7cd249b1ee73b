//! The Switchyard hub as a library: the command line today; ingest, ledger, queue, delivery,
//! verification and waves as they arrive. `main.rs` only starts it.

pub mod cli;
