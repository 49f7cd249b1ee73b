//! Delivery: the workers that drain the ledger. A queue job names a system; the worker claims
//! one batch of its due deliveries under a lease, maps each through its contract mapping,
//! hands the batch to the system's adapter, decides every item (delivered, retry at a time
//! with jitter, rejected, dead-lettered, deferred) and records it, then pushes the jobs that
//! keep the work going. The circuit per system holds batches back, attempts unspent, while the
//! downstream is failing. The sweeper makes lost jobs and dead workers harmless.

mod decide;
mod deliverer;
mod in_flight;
mod lane;
mod prepare;
mod sweeper;
mod wake;

pub use decide::{ItemDecision, batch_health, decide};
pub use deliverer::{Deliverer, StepReport};
pub use in_flight::{InFlight, StepGuard};
pub use lane::{LaneError, SystemLane, build_lanes};
pub use prepare::{Prepared, event_attributes, prepare, prepare_guarded};
pub use sweeper::{SweepReport, Sweeper, SweptSystem};
pub use wake::{Waker, top_up};
