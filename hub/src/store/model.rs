//! Ledger vocabulary: delivery states, attempt outcomes, and the records the store takes and
//! hands to workers. Pure values, no IO. Event `data` is personal data: the `Debug` impls leave it out.
//! What the ledger shows back (traces, listings, counts) lives in `views.rs`.

use std::fmt;

use chrono::{DateTime, Utc};
use serde_json::Value;

/// Where one delivery stands. Stored as [`DeliveryState::as_str`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    /// Waiting for `next_attempt_at`, then claimable.
    Pending,
    /// Claimed by a worker under a lease.
    InFlight,
    /// Handed to the downstream for asynchronous processing (a Bulk API job): the result is
    /// collected from `next_attempt_at` on, with the adapter's ticket.
    Submitted,
    /// The downstream accepted it; confirmation may follow.
    Delivered,
    /// The downstream refused it for good, with a reason.
    Rejected,
    /// Attempts exhausted; can be redriven.
    DeadLettered,
    /// Delivered and the expected downstream effect was read back.
    Confirmed,
    /// Delivered, but the expected downstream effect never appeared.
    SilentFailure,
    /// Paused (a wave on hold): not claimable, attempts not spent.
    Held,
}

impl DeliveryState {
    /// Every state, in lifecycle order.
    pub const ALL: [DeliveryState; 9] = [
        Self::Pending,
        Self::InFlight,
        Self::Submitted,
        Self::Delivered,
        Self::Rejected,
        Self::DeadLettered,
        Self::Confirmed,
        Self::SilentFailure,
        Self::Held,
    ];

    /// The name stored in the ledger and shown to users.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::InFlight => "in_flight",
            Self::Submitted => "submitted",
            Self::Delivered => "delivered",
            Self::Rejected => "rejected",
            Self::DeadLettered => "dead_lettered",
            Self::Confirmed => "confirmed",
            Self::SilentFailure => "silent_failure",
            Self::Held => "held",
        }
    }

    /// The state named `name`, if it is one.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|state| state.as_str() == name)
    }
}

impl fmt::Display for DeliveryState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What one attempt ended in, as decided by the hub's retry policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttemptOutcome {
    /// Accepted downstream; `downstream_id` is what the downstream calls the record.
    Delivered { downstream_id: Option<String> },
    /// Failed in a way worth retrying at `next_attempt_at`.
    Retry { next_attempt_at: DateTime<Utc>, reason: String },
    /// Refused for good by the downstream.
    Rejected { reason: String },
    /// Failed and out of attempts.
    DeadLettered { reason: String },
}

impl AttemptOutcome {
    /// The kind of outcome, without its details.
    pub fn kind(&self) -> OutcomeKind {
        match self {
            Self::Delivered { .. } => OutcomeKind::Delivered,
            Self::Retry { .. } => OutcomeKind::Retry,
            Self::Rejected { .. } => OutcomeKind::Rejected,
            Self::DeadLettered { .. } => OutcomeKind::DeadLettered,
        }
    }

    /// The delivery state this outcome moves a delivery to.
    pub fn next_state(&self) -> DeliveryState {
        match self {
            Self::Delivered { .. } => DeliveryState::Delivered,
            Self::Retry { .. } => DeliveryState::Pending,
            Self::Rejected { .. } => DeliveryState::Rejected,
            Self::DeadLettered { .. } => DeliveryState::DeadLettered,
        }
    }

    /// The reason kept on the delivery (`last_reason`), if any.
    pub fn reason(&self) -> Option<&str> {
        match self {
            Self::Delivered { .. } => None,
            Self::Retry { reason, .. } | Self::Rejected { reason } | Self::DeadLettered { reason } => {
                Some(reason)
            }
        }
    }
}

/// What reading a delivered record back found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verification {
    /// The expected downstream effect is there.
    Confirmed,
    /// It is not, though the downstream accepted the delivery.
    SilentFailure { reason: String },
}

impl Verification {
    /// The delivery state this verdict moves a `delivered` delivery to.
    pub fn next_state(&self) -> DeliveryState {
        match self {
            Self::Confirmed => DeliveryState::Confirmed,
            Self::SilentFailure { .. } => DeliveryState::SilentFailure,
        }
    }
}

/// The kind of an [`AttemptOutcome`], as stored in the `attempts.outcome` column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OutcomeKind {
    Delivered,
    Retry,
    Rejected,
    DeadLettered,
}

impl OutcomeKind {
    const ALL: [OutcomeKind; 4] = [Self::Delivered, Self::Retry, Self::Rejected, Self::DeadLettered];

    /// The name stored in the ledger.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Delivered => "delivered",
            Self::Retry => "retry",
            Self::Rejected => "rejected",
            Self::DeadLettered => "dead_lettered",
        }
    }

    /// The kind named `name`, if it is one.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == name)
    }
}

/// Which system an event goes to, through which mapping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    pub system: String,
    pub mapping: String,
}

/// A validated event to record, with the deliveries routing chose for it. Staged migration
/// events are held without routes (a wave's release chooses them) and always have a `legacy_id`.
#[derive(Clone, sqlx::FromRow)]
pub struct NewEvent {
    pub source: String,
    pub event_id: String,
    pub event_type: String,
    pub version: i32,
    pub time: Option<DateTime<Utc>>,
    pub data: Value,
    /// The legacy platform's user id, when there is one (for `switchyard trace`).
    pub legacy_id: Option<String>,
    /// One delivery per route; a system may appear once.
    #[sqlx(skip)]
    pub routes: Vec<Route>,
}

impl fmt::Debug for NewEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewEvent")
            .field("source", &self.source)
            .field("event_id", &self.event_id)
            .field("event_type", &self.event_type)
            .field("version", &self.version)
            .field("routes", &self.routes)
            .finish_non_exhaustive()
    }
}

/// What `insert_events` did with one event, in input order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    pub source: String,
    pub event_id: String,
    /// The same `source`+`id` was already recorded (or came earlier in the batch).
    pub duplicate: bool,
    /// The deliveries created for it (empty for a duplicate).
    pub delivery_ids: Vec<String>,
}

/// A delivery a worker now holds under a lease, with what it needs to map and send it.
#[derive(Clone)]
pub struct ClaimedDelivery {
    pub delivery_id: String,
    pub system: String,
    pub mapping: String,
    /// Attempts recorded so far, over the delivery's whole life.
    pub attempts: i64,
    /// Attempts recorded since the last redrive (what a retry budget should count).
    pub attempts_since_redrive: i64,
    pub lease_until: DateTime<Utc>,
    pub source: String,
    pub event_id: String,
    pub event_type: String,
    pub version: i32,
    /// The event's `time` attribute, when it had one.
    pub time: Option<DateTime<Utc>>,
    pub legacy_id: Option<String>,
    pub data: Value,
    /// The adapter's ticket when the delivery was `submitted`: collect its result instead of
    /// sending it again.
    pub ticket: Option<String>,
}

impl fmt::Debug for ClaimedDelivery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClaimedDelivery")
            .field("delivery_id", &self.delivery_id)
            .field("system", &self.system)
            .field("mapping", &self.mapping)
            .field("attempts", &self.attempts)
            .field("event_id", &self.event_id)
            .field("ticket", &self.ticket)
            .finish_non_exhaustive()
    }
}

/// One finished attempt, reported by the worker that held the delivery's lease.
#[derive(Debug, Clone)]
pub struct AttemptRecord {
    pub delivery_id: String,
    pub worker_id: String,
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
    pub outcome: AttemptOutcome,
    pub http_status: Option<u16>,
    /// The downstream's error code, if it gave one.
    pub code: Option<String>,
    /// A short response summary. Must not carry personal data.
    pub summary: String,
    /// For a delivered item whose expectations are to be read back: when to check first, and
    /// when it becomes a silent failure if they still do not hold.
    pub verify: Option<VerifyWindow>,
}

/// When a delivered delivery's expectations are read back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VerifyWindow {
    pub first_check_at: DateTime<Utc>,
    pub deadline: DateTime<Utc>,
}

/// A claimed delivery the downstream took for asynchronous processing: it becomes
/// `submitted` with `ticket`, collected from `check_at` on, without an attempt.
#[derive(Debug, Clone)]
pub struct Submission {
    pub delivery_id: String,
    pub worker_id: String,
    pub ticket: String,
    pub check_at: DateTime<Utc>,
}

/// What `record_outcomes` applied and what it ignored.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OutcomeReport {
    pub recorded: usize,
    /// Records whose delivery was no longer in flight under that worker's lease.
    pub stale: Vec<StaleRecord>,
}

/// A record ignored because the ledger had moved on (the handler ran twice, or its lease
/// expired and another worker took the delivery).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaleRecord {
    pub delivery_id: String,
    pub worker_id: String,
    /// The delivery's state as found; `None` if there is no such delivery.
    pub found_state: Option<DeliveryState>,
    pub found_lease_owner: Option<String>,
}

/// A claimed delivery handed back unsent (an adapter's own limit held it back): it returns to
/// `pending`, due at `not_before`, without an attempt.
#[derive(Debug, Clone)]
pub struct Deferral {
    pub delivery_id: String,
    pub worker_id: String,
    pub not_before: DateTime<Utc>,
}

/// Which dead letters to list or redrive. The default matches all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeadLetterFilter {
    pub system: Option<String>,
    /// Dead-lettered at or after this time.
    pub since: Option<DateTime<Utc>>,
    pub limit: Option<u32>,
}

/// Which dead letters to send again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RedriveSelection {
    /// One delivery by id.
    One(String),
    /// Every dead letter the filter matches; `DeadLetterFilter { since: Some(t), ..}` is
    /// "all since a time".
    Matching(DeadLetterFilter),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_state_parses_back_from_its_name() {
        for state in DeliveryState::ALL {
            assert_eq!(DeliveryState::parse(state.as_str()), Some(state));
        }
        assert_eq!(DeliveryState::parse("done"), None);
    }

    #[test]
    fn every_outcome_kind_parses_back_from_its_name() {
        for kind in OutcomeKind::ALL {
            assert_eq!(OutcomeKind::parse(kind.as_str()), Some(kind));
        }
    }

    #[test]
    fn a_retry_returns_the_delivery_to_pending_with_its_reason() {
        let outcome = AttemptOutcome::Retry { next_attempt_at: Utc::now(), reason: "503".into() };
        assert_eq!(outcome.next_state(), DeliveryState::Pending);
        assert_eq!(outcome.reason(), Some("503"));
        assert_eq!(outcome.kind().as_str(), "retry");
    }

    #[test]
    fn debug_output_leaves_event_data_out() {
        let event = NewEvent {
            source: "legacy".into(),
            event_id: "e1".into(),
            event_type: "enrollment.created".into(),
            version: 1,
            time: None,
            data: serde_json::json!({"email": "ada@example.com"}),
            legacy_id: None,
            routes: vec![],
        };
        assert!(!format!("{event:?}").contains("ada@example.com"));
    }
}
