//! What the ledger shows: traces, dead-letter listings and state counts. Pure values; event
//! `data` is personal data, so `EventRecord`'s `Debug` leaves it out.

use std::fmt;

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::{DeliveryState, OutcomeKind};

/// A dead-lettered delivery, as listed for ops.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DeadLetter {
    pub delivery_id: String,
    pub source: String,
    pub event_id: String,
    pub legacy_id: Option<String>,
    pub system: String,
    pub mapping: String,
    pub attempts: i64,
    pub last_reason: Option<String>,
    pub dead_lettered_at: DateTime<Utc>,
}

/// Deliveries per system per state.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StateCount {
    pub system: String,
    pub state: DeliveryState,
    pub count: u64,
}

/// One event with its deliveries and their attempts: the answer to "where is user X?".
#[derive(Debug, Clone, serde::Serialize)]
pub struct EventTrace {
    pub event: EventRecord,
    pub deliveries: Vec<DeliveryTrace>,
}

/// A recorded event.
#[derive(Clone, serde::Serialize)]
pub struct EventRecord {
    pub source: String,
    pub event_id: String,
    pub event_type: String,
    pub version: i32,
    pub time: Option<DateTime<Utc>>,
    pub legacy_id: Option<String>,
    pub received_at: DateTime<Utc>,
    pub data: Value,
}

impl fmt::Debug for EventRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventRecord")
            .field("source", &self.source)
            .field("event_id", &self.event_id)
            .field("event_type", &self.event_type)
            .field("version", &self.version)
            .field("received_at", &self.received_at)
            .finish_non_exhaustive()
    }
}

/// One delivery with its attempts, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DeliveryTrace {
    pub delivery: DeliveryRecord,
    pub attempts: Vec<AttemptEntry>,
}

/// A delivery's ledger row.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DeliveryRecord {
    pub id: String,
    pub system: String,
    pub mapping: String,
    pub state: DeliveryState,
    pub attempts: i64,
    pub next_attempt_at: DateTime<Utc>,
    pub lease_owner: Option<String>,
    pub lease_until: Option<DateTime<Utc>>,
    pub last_reason: Option<String>,
    pub downstream_id: Option<String>,
    pub redriven_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// One recorded attempt.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AttemptEntry {
    pub number: i64,
    pub worker_id: String,
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
    pub outcome: OutcomeKind,
    pub http_status: Option<i32>,
    pub code: Option<String>,
    pub summary: String,
}
