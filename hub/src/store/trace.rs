//! Read-only views: an event's trace (event -> deliveries -> attempts) and delivery counts per
//! system and state.

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::{
    AttemptEntry, DeliveryRecord, DeliveryState, DeliveryTrace, EventRecord, EventTrace, OutcomeKind,
    StateCount, Store, StoreError, on_backend,
};

const TRACE: &str = "trace";
const COUNTS: &str = "count deliveries by state";

#[derive(sqlx::FromRow)]
struct EventRow {
    id: i64,
    source: String,
    event_id: String,
    event_type: String,
    version: i32,
    time: Option<DateTime<Utc>>,
    legacy_id: Option<String>,
    received_at: DateTime<Utc>,
    data: Value,
}

/// A delivery's columns, as `SELECT`ed here and (flattened) by the listing.
#[derive(sqlx::FromRow)]
pub(super) struct DeliveryRow {
    id: String,
    system: String,
    mapping: String,
    state: String,
    attempts: i64,
    next_attempt_at: DateTime<Utc>,
    lease_owner: Option<String>,
    lease_until: Option<DateTime<Utc>>,
    last_reason: Option<String>,
    downstream_id: Option<String>,
    redriven_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct AttemptRow {
    number: i64,
    worker_id: String,
    started_at: DateTime<Utc>,
    finished_at: DateTime<Utc>,
    outcome: String,
    http_status: Option<i32>,
    code: Option<String>,
    summary: String,
}

impl Store {
    /// Every event whose event id or legacy id is `query` (or that owns the delivery with id
    /// `query`), oldest first, each with its deliveries and their attempts.
    pub async fn trace(&self, query: &str) -> Result<Vec<EventTrace>, StoreError> {
        on_backend!(self, |pool, Db, begin| {
            let events: Vec<EventRow> = sqlx::query_as(
                "SELECT id, source, event_id, event_type, version, time, legacy_id, \
                     received_at, data \
                 FROM events \
                 WHERE event_id = $1 OR legacy_id = $1 \
                    OR id IN (SELECT event_row FROM deliveries WHERE id = $1) \
                 ORDER BY received_at, id",
            )
            .bind(query)
            .fetch_all(pool)
            .await
            .map_err(StoreError::query(TRACE))?;

            let mut traces = Vec::with_capacity(events.len());
            for event in events {
                let rows: Vec<DeliveryRow> = sqlx::query_as(
                    "SELECT id, system, mapping, state, attempts, next_attempt_at, lease_owner, \
                         lease_until, last_reason, downstream_id, redriven_at, created_at, \
                         updated_at \
                     FROM deliveries WHERE event_row = $1 ORDER BY system",
                )
                .bind(event.id)
                .fetch_all(pool)
                .await
                .map_err(StoreError::query(TRACE))?;
                let mut deliveries = Vec::with_capacity(rows.len());
                for row in rows {
                    let attempts: Vec<AttemptRow> = sqlx::query_as(
                        "SELECT number, worker_id, started_at, finished_at, outcome, \
                             http_status, code, summary \
                         FROM attempts WHERE delivery_id = $1 ORDER BY number",
                    )
                    .bind(&row.id)
                    .fetch_all(pool)
                    .await
                    .map_err(StoreError::query(TRACE))?;
                    deliveries.push(DeliveryTrace {
                        delivery: delivery_record(TRACE, row)?,
                        attempts: attempts.into_iter().map(attempt_entry).collect::<Result<_, _>>()?,
                    });
                }
                traces.push(EventTrace {
                    event: EventRecord {
                        source: event.source,
                        event_id: event.event_id,
                        event_type: event.event_type,
                        version: event.version,
                        time: event.time,
                        legacy_id: event.legacy_id,
                        received_at: event.received_at,
                        data: event.data,
                    },
                    deliveries,
                });
            }
            Ok(traces)
        })
    }

    /// How many deliveries each system has in each state (states with none are left out).
    pub async fn state_counts(&self) -> Result<Vec<StateCount>, StoreError> {
        on_backend!(self, |pool, Db, begin| {
            let rows: Vec<(String, String, i64)> = sqlx::query_as(
                // Grouped in `deliveries_due`'s order (state first): only the few groups
                // are sorted, not every delivery.
                "SELECT system, state, COUNT(*) FROM deliveries \
                 GROUP BY state, system ORDER BY system, state",
            )
            .fetch_all(pool)
            .await
            .map_err(StoreError::query(COUNTS))?;
            rows.into_iter()
                .map(|(system, state, count)| {
                    Ok(StateCount {
                        system,
                        state: parse_state(COUNTS, state)?,
                        count: u64::try_from(count).unwrap_or_default(),
                    })
                })
                .collect()
        })
    }
}

fn parse_state(operation: &'static str, value: String) -> Result<DeliveryState, StoreError> {
    DeliveryState::parse(&value).ok_or(StoreError::UnknownValue {
        operation,
        column: "deliveries.state",
        value,
    })
}

pub(super) fn delivery_record(
    operation: &'static str,
    row: DeliveryRow,
) -> Result<DeliveryRecord, StoreError> {
    Ok(DeliveryRecord {
        state: parse_state(operation, row.state)?,
        id: row.id,
        system: row.system,
        mapping: row.mapping,
        attempts: row.attempts,
        next_attempt_at: row.next_attempt_at,
        lease_owner: row.lease_owner,
        lease_until: row.lease_until,
        last_reason: row.last_reason,
        downstream_id: row.downstream_id,
        redriven_at: row.redriven_at,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

fn attempt_entry(row: AttemptRow) -> Result<AttemptEntry, StoreError> {
    Ok(AttemptEntry {
        outcome: OutcomeKind::parse(&row.outcome).ok_or(StoreError::UnknownValue {
            operation: TRACE,
            column: "attempts.outcome",
            value: row.outcome,
        })?,
        number: row.number,
        worker_id: row.worker_id,
        started_at: row.started_at,
        finished_at: row.finished_at,
        http_status: row.http_status,
        code: row.code,
        summary: row.summary,
    })
}
