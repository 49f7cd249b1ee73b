//! Claiming due deliveries under a lease, and releasing leases that expired (the sweeper).
//! See the module docs for the protocol.

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::QueryBuilder;

use super::{Backend, ClaimedDelivery, Store, StoreError, handed_back_state, on_backend, on_writer};

const CLAIM: &str = "claim due deliveries";
const RELEASE: &str = "release expired leases";
const EVENTS_PER_STATEMENT: usize = 1_000;

/// PostgreSQL: lock the due rows, skipping rows another claimer holds, then lease them.
const CLAIM_POSTGRES: &str = "\
    WITH due AS ( \
        SELECT id FROM deliveries \
        WHERE system = $1 AND state IN ('pending', 'submitted') AND next_attempt_at <= $2 \
        ORDER BY next_attempt_at LIMIT $3 \
        FOR UPDATE SKIP LOCKED) \
    UPDATE deliveries d \
    SET state = 'in_flight', lease_owner = $4, lease_until = $5, updated_at = $2 \
    FROM due WHERE d.id = due.id \
    RETURNING d.id, d.event_row, d.system, d.mapping, d.attempts, \
        d.attempts_before_redrive, d.lease_until, d.ticket";

/// SQLite: one statement, run on its own: it takes the single writer lock when it starts.
const CLAIM_SQLITE: &str = "\
    UPDATE deliveries \
    SET state = 'in_flight', lease_owner = $4, lease_until = $5, updated_at = $2 \
    WHERE id IN ( \
        SELECT id FROM deliveries \
        WHERE system = $1 AND state IN ('pending', 'submitted') AND next_attempt_at <= $2 \
        ORDER BY next_attempt_at LIMIT $3) \
    RETURNING id, event_row, system, mapping, attempts, attempts_before_redrive, lease_until, ticket";

/// PostgreSQL only: serialize one system's claims for the length of the claim's transaction.
const SERIALIZE_POSTGRES: &str = "SELECT pg_advisory_xact_lock(hashtext('switchyard.claim.' || $1))";

#[derive(sqlx::FromRow)]
struct LeasedRow {
    id: String,
    event_row: i64,
    system: String,
    mapping: String,
    attempts: i64,
    attempts_before_redrive: i64,
    lease_until: DateTime<Utc>,
    ticket: Option<String>,
}

#[derive(sqlx::FromRow)]
struct EventRow {
    id: i64,
    source: String,
    event_id: String,
    event_type: String,
    version: i32,
    time: Option<DateTime<Utc>>,
    legacy_id: Option<String>,
    data: Value,
}

impl Store {
    /// Moves up to `limit` of `system`'s `pending` and `submitted` deliveries due at `now` to
    /// `in_flight` (a submitted one keeps its ticket, so the worker collects it),
    /// leased to `worker_id` until `now + lease`, and returns them (oldest id first) with their
    /// events. Concurrent claimers, in this process or others, never get the same delivery.
    pub async fn claim_due(
        &self,
        system: &str,
        limit: u32,
        worker_id: &str,
        lease: Duration,
        now: DateTime<Utc>,
    ) -> Result<Vec<ClaimedDelivery>, StoreError> {
        let lease = chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::MAX);
        let lease_until = now.checked_add_signed(lease).unwrap_or(DateTime::<Utc>::MAX_UTC);
        let claim_sql = match self.backend() {
            Backend::Sqlite => CLAIM_SQLITE,
            Backend::Postgres => CLAIM_POSTGRES,
        };
        let leased: Vec<LeasedRow> = on_writer!(self, |pool, Db, begin| {
            let claim = sqlx::query_as::<Db, LeasedRow>(claim_sql)
                .bind(system)
                .bind(now)
                .bind(i64::from(limit))
                .bind(worker_id)
                .bind(lease_until);
            if self.backend() == Backend::Sqlite {
                // One statement, no explicit transaction: a write statement takes SQLite's
                // write lock when it starts (as `BEGIN IMMEDIATE` would) and commits when it
                // ends, so the claim is as atomic, in one round trip to the connection's
                // thread instead of three. Each round trip cost ~0.7 ms of holding the writer
                // mid-migration (a claim held it 5.3 ms in all).
                claim.fetch_all(&mut *pool).await.map_err(StoreError::query(CLAIM))
            } else {
                let mut tx = pool.begin_with(begin).await.map_err(StoreError::query(CLAIM))?;
                // Concurrent claimers of one system would otherwise interleave row by row
                // under SKIP LOCKED, each taking every other due delivery: batches would stop
                // filling whole calls (a Contact in one, its Enrollment in the other, racing).
                // One claim at a time per system keeps each batch the oldest due run, as on
                // SQLite; a claim holds the lock for milliseconds.
                sqlx::query(SERIALIZE_POSTGRES)
                    .bind(system)
                    .execute(&mut *tx)
                    .await
                    .map_err(StoreError::query(CLAIM))?;
                let leased = claim.fetch_all(&mut *tx).await.map_err(StoreError::query(CLAIM))?;
                tx.commit().await.map_err(StoreError::query(CLAIM))?;
                Ok::<_, StoreError>(leased)
            }
        })?;
        // Read after the claim commits, from the readers' pool: the writer is not held while
        // events are read and decoded (an event's row never changes once recorded).
        if leased.is_empty() {
            return Ok(Vec::new());
        }
        let mut event_rows: Vec<i64> = leased.iter().map(|row| row.event_row).collect();
        event_rows.sort_unstable();
        event_rows.dedup();
        let mut events = self.events_by_row(&event_rows).await?;

        let mut claimed: Vec<ClaimedDelivery> = leased
            .into_iter()
            .filter_map(|row| {
                // The foreign key guarantees the event exists.
                // One system's claim holds each event once (deliveries are unique per
                // event and system), so the event's row moves out instead of being copied.
                let event = events.remove(&row.event_row)?;
                Some(ClaimedDelivery {
                    delivery_id: row.id,
                    system: row.system,
                    mapping: row.mapping,
                    attempts: row.attempts,
                    attempts_since_redrive: row.attempts - row.attempts_before_redrive,
                    lease_until: row.lease_until,
                    source: event.source,
                    event_id: event.event_id,
                    event_type: event.event_type,
                    version: event.version,
                    time: event.time,
                    legacy_id: event.legacy_id,
                    data: event.data,
                    ticket: row.ticket,
                })
            })
            .collect();
        claimed.sort_by(|a, b| a.delivery_id.cmp(&b.delivery_id));
        Ok(claimed)
    }

    /// The events of `rows` by row id, from the readers' pool.
    async fn events_by_row(&self, rows: &[i64]) -> Result<HashMap<i64, EventRow>, StoreError> {
        let mut events = HashMap::with_capacity(rows.len());
        on_backend!(self, |pool, Db, begin| {
            for chunk in rows.chunks(EVENTS_PER_STATEMENT) {
                let mut select = QueryBuilder::<Db>::new(
                    "SELECT id, source, event_id, event_type, version, time, legacy_id, data \
                     FROM events WHERE id IN (",
                );
                let mut ids = select.separated(", ");
                for id in chunk {
                    ids.push_bind(*id);
                }
                select.push(")");
                let found: Vec<EventRow> =
                    select.build_query_as().fetch_all(pool).await.map_err(StoreError::query(CLAIM))?;
                events.extend(found.into_iter().map(|row| (row.id, row)));
            }
            Ok(events)
        })
    }

    /// Returns `in_flight` deliveries whose lease ended before `now` to `pending` (or to
    /// `submitted`, when they hold a ticket), due at once, without spending an attempt (the
    /// worker died or hung). Returns how many.
    pub async fn release_expired_leases(&self, now: DateTime<Utc>) -> Result<u64, StoreError> {
        on_writer!(self, |pool, Db, begin| {
            let released = sqlx::query(concat!(
                "UPDATE deliveries SET state = ",
                handed_back_state!(),
                ", lease_owner = NULL, lease_until = NULL, next_attempt_at = $1, updated_at = $1 \
                 WHERE state = 'in_flight' AND lease_until < $1"
            ))
            .bind(now)
            .execute(&mut *pool)
            .await
            .map_err(StoreError::query(RELEASE))?;
            Ok(released.rows_affected())
        })
    }
}
