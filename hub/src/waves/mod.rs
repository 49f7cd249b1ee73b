//! Migration waves ([waves]): a cohort of imported legacy users, planned (what it costs each
//! downstream system and who owns them), gated on evidence (contract tests, a recent replay
//! with the contract versions in use, map coverage, owners' sign-off). Running, pausing and
//! reconciling a wave build on these.

mod cohort;
mod gate;
mod plan;
mod report;
mod report_render;
mod standing;

pub use cohort::{CohortError, parse_cohort};
pub use gate::{GateReport, GateResult, evaluate};
pub use plan::{GATES, SystemPlan, WavePlan, plan_of};
pub use report::{
    ReportBuilder, STATUSES, StateCounts, SystemTotals, Totals, WaveReport, reconcile, report_of,
};
pub use report_render::ReportFormat;
pub use standing::{ReportState, SystemStanding, UserReport};
