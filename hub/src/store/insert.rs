//! Recording events with their deliveries: one transaction per call, multi-row statements,
//! `source`+`event_id` stored once.

use std::collections::{HashMap, HashSet};

use chrono::Utc;
use sqlx::QueryBuilder;
use ulid::Ulid;

use super::{DeliveryState, NewEvent, Receipt, Route, Store, StoreError, on_writer};

const OPERATION: &str = "insert events";
/// Rows per multi-row INSERT: well under SQLite's 32,766 and PostgreSQL's 65,535 bind limits.
const EVENTS_PER_STATEMENT: usize = 500;
const DELIVERIES_PER_STATEMENT: usize = 1_000;
const STAGED_PER_STATEMENT: usize = 5_000;

impl Store {
    /// Records `events` and one `pending`, due-now delivery per route, all in one transaction:
    /// if any row fails, nothing is stored. An event whose `source`+`event_id` is already
    /// recorded (or appears earlier in `events`) is acknowledged as a duplicate and adds
    /// nothing. Receipts come back in input order.
    pub async fn insert_events(&self, events: &[NewEvent]) -> Result<Vec<Receipt>, StoreError> {
        self.insert_events_for(events, None).await
    }

    /// As [`Store::insert_events`]; with a `wave`, the deliveries carry its name and are
    /// `held` unless the wave is running, decided in the same transaction as a pause (which
    /// holds the wave's queued deliveries): a release racing a pause never leaves deliveries
    /// out for the workers.
    pub async fn insert_events_for(
        &self,
        events: &[NewEvent],
        wave: Option<&str>,
    ) -> Result<Vec<Receipt>, StoreError> {
        self.insert_staged_events(events, wave, &[]).await
    }

    /// As [`Store::insert_events_for`], marking the `staged` events (ids in `staged_events`)
    /// released in the same transaction.
    pub(super) async fn insert_staged_events(
        &self,
        events: &[NewEvent],
        wave: Option<&str>,
        staged: &[i64],
    ) -> Result<Vec<Receipt>, StoreError> {
        if events.is_empty() && staged.is_empty() {
            return Ok(Vec::new());
        }
        let now = Utc::now();
        let mut initial = DeliveryState::Pending.as_str();
        let mut seen = HashSet::new();
        let first_seen: Vec<bool> = events
            .iter()
            .map(|event| seen.insert((event.source.as_str(), event.event_id.as_str())))
            .collect();
        let candidates: Vec<&NewEvent> =
            events.iter().zip(&first_seen).filter_map(|(event, first)| first.then_some(event)).collect();

        on_writer!(self, |pool, Db, begin| {
            let mut tx = pool.begin_with(begin).await.map_err(StoreError::query(OPERATION))?;
            if let Some(wave) = wave {
                // PostgreSQL: lock the wave's row, so a pause commits before or after this.
                // SQLite: `BEGIN IMMEDIATE` already serializes the two.
                let sql = if self.backend() == super::Backend::Postgres {
                    "SELECT state FROM waves WHERE name = $1 FOR UPDATE"
                } else {
                    "SELECT state FROM waves WHERE name = $1"
                };
                let state: Option<(String,)> = sqlx::query_as(sql)
                    .bind(wave)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(StoreError::query(OPERATION))?;
                if state.is_none_or(|(state,)| state != "running") {
                    initial = DeliveryState::Held.as_str();
                }
            }

            let mut inserted: HashMap<(String, String), i64> = HashMap::new();
            for chunk in candidates.chunks(EVENTS_PER_STATEMENT) {
                let mut insert = QueryBuilder::<Db>::new(
                    "INSERT INTO events \
                     (source, event_id, event_type, version, time, data, legacy_id, received_at) ",
                );
                insert.push_values(chunk, |mut row, event| {
                    row.push_bind(&event.source)
                        .push_bind(&event.event_id)
                        .push_bind(&event.event_type)
                        .push_bind(event.version)
                        .push_bind(event.time)
                        .push_bind(&event.data)
                        .push_bind(&event.legacy_id)
                        .push_bind(now);
                });
                insert.push(" ON CONFLICT (source, event_id) DO NOTHING RETURNING id, source, event_id");
                let rows: Vec<(i64, String, String)> = insert
                    .build_query_as()
                    .fetch_all(&mut *tx)
                    .await
                    .map_err(StoreError::query(OPERATION))?;
                inserted.extend(rows.into_iter().map(|(id, source, event_id)| ((source, event_id), id)));
            }

            let mut receipts = Vec::with_capacity(events.len());
            let mut deliveries: Vec<(String, i64, &Route)> = Vec::new();
            for (event, first) in events.iter().zip(&first_seen) {
                let key = (event.source.clone(), event.event_id.clone());
                let row = if *first { inserted.get(&key).copied() } else { None };
                let mut receipt = Receipt {
                    source: key.0,
                    event_id: key.1,
                    duplicate: row.is_none(),
                    delivery_ids: Vec::new(),
                };
                if let Some(row) = row {
                    for route in &event.routes {
                        let id = Ulid::generate().to_string();
                        receipt.delivery_ids.push(id.clone());
                        deliveries.push((id, row, route));
                    }
                }
                receipts.push(receipt);
            }

            for chunk in deliveries.chunks(DELIVERIES_PER_STATEMENT) {
                // What every delivery of the call shares is bound once, not once a row: on
                // SQLite every bound text is a copy the writer's thread frees (`outcomes.rs`).
                let mut insert = QueryBuilder::<Db>::new("WITH c (state, created, wave) AS (VALUES (");
                insert.separated(", ").push_bind(initial).push_bind(now).push_bind(wave);
                insert.push(")), v (id, event_row, system, mapping) AS (");
                insert.push_values(chunk, |mut row, (id, event_row, route)| {
                    row.push_bind(id)
                        .push_bind(*event_row)
                        .push_bind(&route.system)
                        .push_bind(&route.mapping);
                });
                insert.push(
                    ") INSERT INTO deliveries \
                     (id, event_row, system, mapping, state, next_attempt_at, created_at, updated_at, wave) \
                     SELECT v.id, v.event_row, v.system, v.mapping, c.state, c.created, c.created, c.created, c.wave \
                     FROM v CROSS JOIN c",
                );
                insert.build().execute(&mut *tx).await.map_err(StoreError::query(OPERATION))?;
            }

            for chunk in staged.chunks(STAGED_PER_STATEMENT) {
                let mut update = QueryBuilder::<Db>::new("UPDATE staged_events SET released_at = ");
                update.push_bind(now).push(" WHERE id IN (");
                let mut list = update.separated(", ");
                for id in chunk {
                    list.push_bind(*id);
                }
                update.push(")");
                update.build().execute(&mut *tx).await.map_err(StoreError::query(OPERATION))?;
            }

            tx.commit().await.map_err(StoreError::query(OPERATION))?;
            Ok(receipts)
        })
    }
}
