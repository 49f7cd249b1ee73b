//! The ledger's rows as the ops API shows them: DTOs converted from the store's views, so the
//! API's contract (and its OpenAPI schemas) changes only on purpose.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::schema::{DeliveryStateSchema, OutcomeKindSchema};
use crate::store::{AttemptEntry, DeliveryRecord, DeliveryState, OutcomeKind};

/// A delivery: one (event, system) pair and where it stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct DeliveryOut {
    /// The delivery id (a ULID).
    pub id: String,
    pub system: String,
    /// The mapping that turns the event into the system's record.
    pub mapping: String,
    #[schema(value_type = DeliveryStateSchema)]
    pub state: DeliveryState,
    /// Attempts recorded over the delivery's whole life (redrives included).
    pub attempts: i64,
    /// When a `pending` delivery is due.
    pub next_attempt_at: DateTime<Utc>,
    /// The worker holding an `in_flight` delivery, and until when.
    pub lease_owner: Option<String>,
    pub lease_until: Option<DateTime<Utc>>,
    /// The latest failure or rejection reason.
    pub last_reason: Option<String>,
    /// What the downstream calls the record, once delivered.
    pub downstream_id: Option<String>,
    pub redriven_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<DeliveryRecord> for DeliveryOut {
    fn from(record: DeliveryRecord) -> Self {
        Self {
            id: record.id,
            system: record.system,
            mapping: record.mapping,
            state: record.state,
            attempts: record.attempts,
            next_attempt_at: record.next_attempt_at,
            lease_owner: record.lease_owner,
            lease_until: record.lease_until,
            last_reason: record.last_reason,
            downstream_id: record.downstream_id,
            redriven_at: record.redriven_at,
            created_at: record.created_at,
            updated_at: record.updated_at,
        }
    }
}

/// One recorded attempt; never rewritten, redrives included.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct AttemptOut {
    /// 1, 2, ... per delivery.
    pub number: i64,
    pub worker_id: String,
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
    #[schema(value_type = OutcomeKindSchema)]
    pub outcome: OutcomeKind,
    pub http_status: Option<i32>,
    /// The downstream's error code, if it gave one.
    pub code: Option<String>,
    /// A short summary of the response.
    pub summary: String,
}

impl From<AttemptEntry> for AttemptOut {
    fn from(entry: AttemptEntry) -> Self {
        Self {
            number: entry.number,
            worker_id: entry.worker_id,
            started_at: entry.started_at,
            finished_at: entry.finished_at,
            outcome: entry.outcome,
            http_status: entry.http_status,
            code: entry.code,
            summary: entry.summary,
        }
    }
}
