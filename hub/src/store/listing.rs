//! Listing deliveries for ops: filtered by system, state and time, paged by delivery id
//! (keyset pagination: ids are ULIDs, so id order is creation order to the millisecond).

use chrono::{DateTime, Utc};
use sqlx::QueryBuilder;

use super::trace::{DeliveryRow, delivery_record};
use super::{DeliveryRecord, DeliveryState, Store, StoreError, on_backend};

const LIST: &str = "list deliveries";

/// Which deliveries to list. The default lists the first [`DeliveryFilter::DEFAULT_LIMIT`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryFilter {
    pub system: Option<String>,
    pub state: Option<DeliveryState>,
    /// Last changed (`updated_at`) at or after this time.
    pub since: Option<DateTime<Utc>>,
    /// Only deliveries whose id sorts after this one: the last id of the previous page.
    pub after: Option<String>,
    /// At most this many rows.
    pub limit: u32,
}

impl DeliveryFilter {
    pub const DEFAULT_LIMIT: u32 = 100;
}

impl Default for DeliveryFilter {
    fn default() -> Self {
        Self { system: None, state: None, since: None, after: None, limit: Self::DEFAULT_LIMIT }
    }
}

/// One delivery as listed: its ledger row and which event it carries (never the event's data).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DeliveryListing {
    pub delivery: DeliveryRecord,
    pub source: String,
    pub event_id: String,
    pub event_type: String,
    pub legacy_id: Option<String>,
}

#[derive(sqlx::FromRow)]
struct ListingRow {
    #[sqlx(flatten)]
    delivery: DeliveryRow,
    source: String,
    event_id: String,
    event_type: String,
    legacy_id: Option<String>,
}

impl TryFrom<ListingRow> for DeliveryListing {
    type Error = StoreError;

    fn try_from(row: ListingRow) -> Result<Self, StoreError> {
        Ok(Self {
            delivery: delivery_record(LIST, row.delivery)?,
            source: row.source,
            event_id: row.event_id,
            event_type: row.event_type,
            legacy_id: row.legacy_id,
        })
    }
}

impl Store {
    /// Deliveries matching `filter`, in id order (oldest first), at most `filter.limit`.
    pub async fn deliveries(&self, filter: &DeliveryFilter) -> Result<Vec<DeliveryListing>, StoreError> {
        on_backend!(self, |pool, Db, begin| {
            let mut select = QueryBuilder::<Db>::new(
                "SELECT d.id, d.system, d.mapping, d.state, d.attempts, d.next_attempt_at, \
                     d.lease_owner, d.lease_until, d.last_reason, d.downstream_id, d.redriven_at, \
                     d.created_at, d.updated_at, e.source, e.event_id, e.event_type, e.legacy_id \
                 FROM deliveries d JOIN events e ON e.id = d.event_row",
            );
            let mut keyword = " WHERE ";
            if let Some(system) = &filter.system {
                select.push(keyword).push("d.system = ").push_bind(system.clone());
                keyword = " AND ";
            }
            if let Some(state) = filter.state {
                select.push(keyword).push("d.state = ").push_bind(state.as_str());
                keyword = " AND ";
            }
            if let Some(since) = filter.since {
                select.push(keyword).push("d.updated_at >= ").push_bind(since);
                keyword = " AND ";
            }
            if let Some(after) = &filter.after {
                select.push(keyword).push("d.id > ").push_bind(after.clone());
            }
            select.push(" ORDER BY d.id LIMIT ").push_bind(i64::from(filter.limit));
            let rows: Vec<ListingRow> =
                select.build_query_as().fetch_all(pool).await.map_err(StoreError::query(LIST))?;
            rows.into_iter().map(DeliveryListing::try_from).collect()
        })
    }
}
