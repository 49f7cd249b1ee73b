//! Dead letters: listing them for ops and redriving them (one, by filter, or all since a
//! time). Redriving keeps the attempt history and marks `redriven_at`.

use chrono::{DateTime, Utc};
use sqlx::{Database, Encode, QueryBuilder, Type};

use super::{DeadLetter, DeadLetterFilter, RedriveSelection, Store, StoreError, on_backend, on_writer};

const LIST: &str = "list dead letters";
const REDRIVE: &str = "redrive dead letters";

#[derive(sqlx::FromRow)]
struct DeadLetterRow {
    id: String,
    source: String,
    event_id: String,
    legacy_id: Option<String>,
    system: String,
    mapping: String,
    attempts: i64,
    last_reason: Option<String>,
    updated_at: DateTime<Utc>,
}

impl From<DeadLetterRow> for DeadLetter {
    fn from(row: DeadLetterRow) -> Self {
        Self {
            delivery_id: row.id,
            source: row.source,
            event_id: row.event_id,
            legacy_id: row.legacy_id,
            system: row.system,
            mapping: row.mapping,
            attempts: row.attempts,
            last_reason: row.last_reason,
            // A dead letter's row does not change until it is redriven.
            dead_lettered_at: row.updated_at,
        }
    }
}

impl Store {
    /// Dead-lettered deliveries matching `filter`, oldest first.
    pub async fn dead_letters(&self, filter: &DeadLetterFilter) -> Result<Vec<DeadLetter>, StoreError> {
        on_backend!(self, |pool, Db, begin| {
            let mut select = QueryBuilder::<Db>::new(
                "SELECT d.id, e.source, e.event_id, e.legacy_id, d.system, d.mapping, \
                     d.attempts, d.last_reason, d.updated_at \
                 FROM deliveries d JOIN events e ON e.id = d.event_row ",
            );
            push_filter(&mut select, filter);
            let rows: Vec<DeadLetterRow> =
                select.build_query_as().fetch_all(pool).await.map_err(StoreError::query(LIST))?;
            Ok(rows.into_iter().map(DeadLetter::from).collect())
        })
    }

    /// Moves the selected dead letters back to `pending`, due at `now`, with `redriven_at =
    /// now` and a fresh retry budget (`attempts` keeps counting, so attempt numbers stay
    /// unique and the history stays whole). Returns how many were redriven.
    pub async fn redrive(&self, selection: &RedriveSelection, now: DateTime<Utc>) -> Result<u64, StoreError> {
        on_writer!(self, |pool, Db, begin| {
            let mut update = QueryBuilder::<Db>::new(
                "UPDATE deliveries SET state = 'pending', attempts_before_redrive = attempts, ",
            );
            update.push("next_attempt_at = ").push_bind(now);
            update.push(", redriven_at = ").push_bind(now);
            update.push(", updated_at = ").push_bind(now);
            update.push(" WHERE state = 'dead_lettered' AND id ");
            match selection {
                RedriveSelection::One(id) => {
                    update.push("= ").push_bind(id.clone());
                }
                RedriveSelection::Matching(filter) => {
                    update.push("IN (SELECT d.id FROM deliveries d ");
                    push_filter(&mut update, filter);
                    update.push(")");
                }
            }
            let redriven = update.build().execute(&mut *pool).await.map_err(StoreError::query(REDRIVE))?;
            Ok(redriven.rows_affected())
        })
    }
}

/// `WHERE … ORDER BY … LIMIT …` selecting dead letters from `deliveries d`.
fn push_filter<DB>(query: &mut QueryBuilder<DB>, filter: &DeadLetterFilter)
where
    DB: Database,
    String: for<'q> Encode<'q, DB> + Type<DB>,
    DateTime<Utc>: for<'q> Encode<'q, DB> + Type<DB>,
    i64: for<'q> Encode<'q, DB> + Type<DB>,
{
    query.push("WHERE d.state = 'dead_lettered'");
    if let Some(system) = &filter.system {
        query.push(" AND d.system = ").push_bind(system.clone());
    }
    if let Some(since) = filter.since {
        query.push(" AND d.updated_at >= ").push_bind(since);
    }
    query.push(" ORDER BY d.updated_at, d.id");
    if let Some(limit) = filter.limit {
        query.push(" LIMIT ").push_bind(i64::from(limit));
    }
}
