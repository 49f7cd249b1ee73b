//! Delivery policies as pure decisions: when to retry a delivery, and whether a system's
//! circuit lets deliveries through. No IO, no sleeping: callers pass the clock and the RNG.

mod circuit;
mod retry;

pub use circuit::{
    Admission, CallOutcome, Circuit, CircuitRules, CircuitRulesError, CircuitSnapshot, CircuitState,
};
pub use retry::{RetryDecision, RetrySchedule, RetryScheduleError};
