//! Legacy import staging: an import run, the migrated users, their validated migration events
//! and the quarantined rows, written in one transaction per batch with multi-row statements.
//! Nothing staged is delivered: a wave releases it into the ledger (`release.rs`).

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::QueryBuilder;
use ulid::Ulid;

use super::{NewEvent, Store, StoreError, on_backend, on_writer};

const START: &str = "start an import";
const STAGE: &str = "stage an import batch";
const FINISH: &str = "finish an import";
const LIST_IMPORTS: &str = "list imports";
const LIST_QUARANTINE: &str = "list quarantined rows";

/// Rows per multi-row INSERT: 9 binds a row stays well under SQLite's 32,766 bind limit.
pub(super) const ROWS_PER_STATEMENT: usize = 500;

/// A legacy account that becomes a migrated user.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
pub struct StagedUser {
    pub legacy_id: String,
    pub user_id: String,
    /// `active`, `inactive` or `expired`.
    pub status: String,
    pub created_at: Option<DateTime<Utc>>,
    pub partner_code: Option<String>,
    pub website: Option<String>,
    /// Enrollment rows the account had in the export.
    pub enrollments: i64,
}

/// A row that did not become an event: its place and why. The reason names columns and
/// rules, never values.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
pub struct QuarantineEntry {
    pub file: String,
    /// The line the row starts on (1 is the header).
    pub line: i64,
    pub legacy_id: Option<String>,
    pub reason: String,
    /// The edge-case class the row belongs to, when known.
    pub class: Option<String>,
}

/// What one call to [`Store::stage`] writes.
#[derive(Debug, Clone, Default)]
pub struct ImportBatch {
    pub users: Vec<StagedUser>,
    /// Validated migration events, each with its `legacy_id`; their `routes` are not staged
    /// (a wave's release routes them as ingest would then).
    pub events: Vec<NewEvent>,
    pub quarantined: Vec<QuarantineEntry>,
}

impl ImportBatch {
    pub fn is_empty(&self) -> bool {
        self.users.is_empty() && self.events.is_empty() && self.quarantined.is_empty()
    }

    /// Rows in the batch, of every kind.
    pub fn len(&self) -> usize {
        self.users.len() + self.events.len() + self.quarantined.len()
    }
}

/// What staging wrote and what it found already staged (by `legacy_id` for users,
/// `source`+`event_id` for events), summed over batches.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct StageReport {
    pub users_staged: u64,
    pub users_already_staged: u64,
    pub events_staged: u64,
    pub events_already_staged: u64,
    pub quarantined: u64,
}

impl std::ops::AddAssign for StageReport {
    fn add_assign(&mut self, other: Self) {
        self.users_staged += other.users_staged;
        self.users_already_staged += other.users_already_staged;
        self.events_staged += other.events_staged;
        self.events_already_staged += other.events_already_staged;
        self.quarantined += other.quarantined;
    }
}

/// One import run as recorded.
#[derive(Debug, Clone, PartialEq, serde::Serialize, sqlx::FromRow)]
pub struct ImportRun {
    pub id: String,
    pub started_at: DateTime<Utc>,
    /// `None` while it runs (or if it stopped before the end).
    pub finished_at: Option<DateTime<Utc>>,
    /// The files it read, by role (`customers`, `addresses`, `enrollments`).
    pub files: Value,
    /// Its counts, once finished.
    pub counts: Option<Value>,
}

impl Store {
    /// Records the start of an import of `files`; returns its id (a ULID).
    pub async fn start_import(&self, files: &Value) -> Result<String, StoreError> {
        let id = Ulid::generate().to_string();
        on_writer!(self, |pool, Db, begin| {
            sqlx::query("INSERT INTO imports (id, started_at, files) VALUES ($1, $2, $3)")
                .bind(&id)
                .bind(Utc::now())
                .bind(files)
                .execute(&mut *pool)
                .await
                .map_err(StoreError::query(START))?;
            Ok(id)
        })
    }

    /// Writes one batch of an import in one transaction: users and events already staged
    /// are left as they are and counted.
    pub async fn stage(&self, import_id: &str, batch: &ImportBatch) -> Result<StageReport, StoreError> {
        let mut report =
            StageReport { quarantined: batch.quarantined.len() as u64, ..StageReport::default() };
        on_writer!(self, |pool, Db, begin| {
            let mut tx = pool.begin_with(begin).await.map_err(StoreError::query(STAGE))?;
            for chunk in batch.users.chunks(ROWS_PER_STATEMENT) {
                let mut insert = QueryBuilder::<Db>::new(
                    "INSERT INTO legacy_users (legacy_id, user_id, status, created_at, partner_code, \
                     website, enrollments, import_id) ",
                );
                insert.push_values(chunk, |mut row, user| {
                    row.push_bind(&user.legacy_id)
                        .push_bind(&user.user_id)
                        .push_bind(&user.status)
                        .push_bind(user.created_at)
                        .push_bind(&user.partner_code)
                        .push_bind(&user.website)
                        .push_bind(user.enrollments)
                        .push_bind(import_id);
                });
                insert.push(" ON CONFLICT (legacy_id) DO NOTHING");
                let written =
                    insert.build().execute(&mut *tx).await.map_err(StoreError::query(STAGE))?.rows_affected();
                report.users_staged += written;
                report.users_already_staged += chunk.len() as u64 - written;
            }
            for chunk in batch.events.chunks(ROWS_PER_STATEMENT) {
                let mut insert = QueryBuilder::<Db>::new(
                    "INSERT INTO staged_events (legacy_id, source, event_id, event_type, version, time, \
                     data, import_id) ",
                );
                insert.push_values(chunk, |mut row, event| {
                    row.push_bind(&event.legacy_id)
                        .push_bind(&event.source)
                        .push_bind(&event.event_id)
                        .push_bind(&event.event_type)
                        .push_bind(event.version)
                        .push_bind(event.time)
                        .push_bind(&event.data)
                        .push_bind(import_id);
                });
                insert.push(" ON CONFLICT (source, event_id) DO NOTHING");
                let written =
                    insert.build().execute(&mut *tx).await.map_err(StoreError::query(STAGE))?.rows_affected();
                report.events_staged += written;
                report.events_already_staged += chunk.len() as u64 - written;
            }
            for chunk in batch.quarantined.chunks(ROWS_PER_STATEMENT) {
                let mut insert = QueryBuilder::<Db>::new(
                    "INSERT INTO quarantine (import_id, file, line, legacy_id, reason, class) ",
                );
                insert.push_values(chunk, |mut row, entry| {
                    row.push_bind(import_id)
                        .push_bind(&entry.file)
                        .push_bind(entry.line)
                        .push_bind(&entry.legacy_id)
                        .push_bind(&entry.reason)
                        .push_bind(&entry.class);
                });
                insert.build().execute(&mut *tx).await.map_err(StoreError::query(STAGE))?;
            }
            tx.commit().await.map_err(StoreError::query(STAGE))?;
            Ok(report)
        })
    }

    /// Records the end of an import with its counts.
    pub async fn finish_import(&self, import_id: &str, counts: &Value) -> Result<(), StoreError> {
        on_writer!(self, |pool, Db, begin| {
            sqlx::query("UPDATE imports SET finished_at = $1, counts = $2 WHERE id = $3")
                .bind(Utc::now())
                .bind(counts)
                .bind(import_id)
                .execute(&mut *pool)
                .await
                .map_err(StoreError::query(FINISH))?;
            Ok(())
        })
    }

    /// The import with this id, or the latest one when `id` is `None`.
    pub async fn import_run(&self, id: Option<&str>) -> Result<Option<ImportRun>, StoreError> {
        on_backend!(self, |pool, Db, begin| {
            sqlx::query_as(
                "SELECT id, started_at, finished_at, files, counts FROM imports \
                 WHERE $1 IS NULL OR id = $1 ORDER BY started_at DESC, id DESC LIMIT 1",
            )
            .bind(id)
            .fetch_optional(pool)
            .await
            .map_err(StoreError::query(LIST_IMPORTS))
        })
    }

    /// The rows the import quarantined, in file and line order.
    pub async fn quarantined(&self, import_id: &str) -> Result<Vec<QuarantineEntry>, StoreError> {
        on_backend!(self, |pool, Db, begin| {
            sqlx::query_as(
                "SELECT file, line, legacy_id, reason, class FROM quarantine \
                 WHERE import_id = $1 ORDER BY file, line, reason",
            )
            .bind(import_id)
            .fetch_all(pool)
            .await
            .map_err(StoreError::query(LIST_QUARANTINE))
        })
    }
}
