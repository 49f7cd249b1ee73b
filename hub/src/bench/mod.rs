//! `switchyard bench`: the hub's throughput and memory, measured in one run on one store.
//!
//! 1. **Baseline**: raw apalis no-op jobs on the hub's own queue set-up (pushed in bulk, then
//!    drained by one worker at the given concurrency) — the ceiling one job per record could
//!    reach.
//! 2. **End to end**: the real `switchyard serve` as a child process; events posted over HTTP
//!    in batched mode by several clients; each is validated, committed durably with its
//!    deliveries, routed, mapped and delivered to a local Standard Webhooks receiver that
//!    answers at once. Events per second from the first request to the last event received,
//!    and the hub's peak RSS.
//! 3. **Backlog**: a ledger holding `--queued` pending deliveries (half to the LMS, half to
//!    Salesforce, which has no adapter and so stays queued), then the hub started on it and
//!    left to drain the LMS half: its peak RSS with that many deliveries queued, and the drain
//!    rate.
//!
//! `switchyard bench salesforce` measures the Salesforce path instead (see `salesforce.rs`),
//! `switchyard bench import` the legacy import (see `import.rs`).

mod child;
mod import;
mod migration;
mod noop;
mod run;
mod salesforce;
mod traffic;

pub use child::{ChildError, ChildHub, peak_rss_mib};
pub use import::{ImportBenchOptions, ImportFigures, run_import};
pub use migration::{MigrationBenchOptions, MigrationFigures, run_migration};
pub use noop::NoopFigures;
pub use run::{BacklogFigures, BenchError, BenchOptions, BenchReport, EndToEndFigures, run};
pub use salesforce::{
    HubRun, LatencyRun, NaiveRun, SalesforceBenchOptions, SalesforceReport, run_salesforce,
};
pub use traffic::{routed_user, send_users, user_data, user_event};
