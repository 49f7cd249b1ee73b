//! What a queue job carries: the id of the system that has work due, and why it was pushed.
//! Never the deliveries themselves: the handler claims what is due from the ledger.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// "System `system` has deliveries due": the worker claims up to one batch of them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryJob {
    pub system: String,
    pub cause: JobCause,
}

/// Why a job was pushed, for logs and tests; the handler does the same work whatever the cause.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobCause {
    /// Ingest committed new deliveries.
    Ingest,
    /// The previous job claimed a full batch: there may be more.
    Continue,
    /// A retry (or a deferral) comes due.
    Retry,
    /// The system's circuit lets a probe through.
    Circuit,
    /// The sweeper found due deliveries without a job.
    Sweep,
    /// Results of submitted deliveries (a Bulk API job) are due to be collected.
    Collect,
    /// Delivered records are due to be read back against their expectations.
    Verify,
    /// A cause this hub does not know (a newer hub on the same database pushed it): the job
    /// still runs, since every job does the same work.
    #[serde(other)]
    Other,
}

/// A job and when it should run (`None`: now).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduledJob {
    pub job: DeliveryJob,
    pub not_before: Option<DateTime<Utc>>,
}

impl ScheduledJob {
    pub fn now(system: impl Into<String>, cause: JobCause) -> Self {
        Self { job: DeliveryJob { system: system.into(), cause }, not_before: None }
    }

    pub fn at(system: impl Into<String>, cause: JobCause, not_before: DateTime<Utc>) -> Self {
        Self { job: DeliveryJob { system: system.into(), cause }, not_before: Some(not_before) }
    }

    /// The whole second apalis should run it at. apalis schedules in whole seconds and may
    /// fire up to a second early, so round up and add a second: a job that still fires early
    /// claims nothing, and the sweeper picks the delivery up.
    pub(super) fn run_at_unix(&self) -> Option<u64> {
        let at = self.not_before?;
        let seconds = at.timestamp() + i64::from(at.timestamp_subsec_nanos() > 0) + 1;
        Some(u64::try_from(seconds).unwrap_or(0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scheduled_jobs_never_run_before_their_time() {
        let at = DateTime::parse_from_rfc3339("2026-12-01T10:00:00.250Z").unwrap().to_utc();
        let job = ScheduledJob::at("lms", JobCause::Retry, at);
        // 10:00:00.25 -> the second after 10:00:01, so even a second-early fire is late enough.
        assert_eq!(job.run_at_unix(), Some(at.timestamp() as u64 + 2));
        assert_eq!(ScheduledJob::now("lms", JobCause::Ingest).run_at_unix(), None);
    }

    #[test]
    fn a_job_serializes_to_ids_only() {
        let job = DeliveryJob { system: "lms".into(), cause: JobCause::Sweep };
        assert_eq!(
            serde_json::to_value(&job).unwrap(),
            serde_json::json!({"system": "lms", "cause": "sweep"})
        );
    }
}
