//! Replay runs in the ledger: which contracts, catalog and map a replay ran with, against
//! what, when, and how it went — the evidence a wave gate checks.

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::{Store, StoreError, on_backend, on_writer};

const RECORD: &str = "record a replay run";
const LIST: &str = "list replay runs";

/// One replay run as recorded.
#[derive(Debug, Clone, PartialEq, serde::Serialize, sqlx::FromRow)]
pub struct ReplayRun {
    pub id: String,
    pub system: String,
    pub target: String,
    pub contracts: Value,
    pub catalog_digest: String,
    pub map_digest: String,
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
    pub cases: i64,
    pub passed: i64,
    pub failed: i64,
    /// The whole report (cases and evidence). Holds no record data beyond ids and codes.
    pub report: Value,
}

impl Store {
    pub async fn record_replay_run(&self, run: &ReplayRun) -> Result<(), StoreError> {
        on_writer!(self, |pool, Db, begin| {
            sqlx::query(
                "INSERT INTO replay_runs (id, system, target, contracts, catalog_digest, map_digest, \
                     started_at, finished_at, cases, passed, failed, report) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
            )
            .bind(&run.id)
            .bind(&run.system)
            .bind(&run.target)
            .bind(&run.contracts)
            .bind(&run.catalog_digest)
            .bind(&run.map_digest)
            .bind(run.started_at)
            .bind(run.finished_at)
            .bind(run.cases)
            .bind(run.passed)
            .bind(run.failed)
            .bind(&run.report)
            .execute(&mut *pool)
            .await
            .map_err(StoreError::query(RECORD))?;
            Ok(())
        })
    }

    /// The system's replay runs, newest first.
    pub async fn replay_runs(&self, system: &str, limit: u32) -> Result<Vec<ReplayRun>, StoreError> {
        on_backend!(self, |pool, Db, begin| {
            sqlx::query_as(
                "SELECT id, system, target, contracts, catalog_digest, map_digest, started_at, finished_at, \
                     cases, passed, failed, report \
                 FROM replay_runs WHERE system = $1 ORDER BY finished_at DESC, id DESC LIMIT $2",
            )
            .bind(system)
            .bind(i64::from(limit))
            .fetch_all(pool)
            .await
            .map_err(StoreError::query(LIST))
        })
    }
}
