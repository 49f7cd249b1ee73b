//! Migration waves ([waves]): a cohort of imported legacy users, planned (what it costs each
//! downstream system and who owns them), gated on evidence (contract tests, a recent replay
//! with the contract versions in use, map coverage, owners' sign-off), then run by the hub's
//! wave driver: fed at each system's pace, paused by hand or by the auto-pause rules,
//! resumed where it stopped, aborted, and completed once every delivery has settled.

mod cohort;
mod control;
mod driver;
mod gate;
mod notify;
mod plan;
mod report;
mod report_render;
mod rules;
mod standing;
mod status;

pub use cohort::{CohortError, parse_cohort};
pub use control::{ControlError, REDRIVABLE, Started, WaveControl, baseline_count};
pub use driver::{DRIVER_ACTOR, WaveDriver};
pub use gate::{GateReport, GateResult, evaluate};
pub use notify::{Notifier, OwnerNotice, PauseNotice};
pub use plan::{GATES, SystemPlan, WavePlan, plan_of};
pub use report::{
    ReportBuilder, STATUSES, StateCounts, SystemTotals, Totals, WaveReport, reconcile, report_of,
};
pub use report_render::ReportFormat;
pub use rules::{Firing, RULES, SystemObservation, first_firing};
pub use standing::{ReportState, SystemStanding, UserReport};
pub use status::{SystemProgress, WaveStatus};
