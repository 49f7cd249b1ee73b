//! The runtime of commands that run the hub (`serve`, `demo`): its async workers are
//! `SCHED_BATCH`, so they yield the CPU to the ledger's writer thread instead of preempting
//! it (see [`crate::scheduling`]).

use super::output::runtime_with;

/// The multi-threaded runtime with `SCHED_BATCH` workers on Linux; says why on stderr if it
/// cannot start.
pub fn hub_runtime() -> Option<tokio::runtime::Runtime> {
    runtime_with(|builder| {
        builder.on_thread_start(crate::scheduling::batch_scheduling);
    })
}
