//! Creating apalis's tables beside the ledger, and the project's workarounds for two apalis
//! 1.0 query plans (see `shared/reference/apalis-1.0-notes.md`), applied after apalis's own
//! migrations on every start. Both are idempotent and covered by tests.

use sqlx::postgres::PgPoolOptions;
use sqlx::sqlite::SqlitePoolOptions;
use sqlx::{PgPool, SqlitePool};

use super::QueueError;

/// apalis-sqlite acks a job with `WHERE id = ? AND lock_by = ?`; with the `LIdx` index on
/// `lock_by` SQLite's planner picks it and scans every row this worker ever locked, so acking
/// gets slower with every job (measured: ~127 jobs/s and falling). Without it the unique index
/// on `id` answers in one seek (~6,800 jobs/s at concurrency 10).
const SQLITE_DROP_LOCK_BY_INDEX: &str = "DROP INDEX IF EXISTS LIdx";

/// apalis-postgres fetches through the SQL function `apalis.get_jobs`, whose generic plan
/// hash-joins a full scan of `apalis.jobs` (54 ms per fetch at 100k rows); with hash and merge
/// joins off inside that function it is a nested loop on the primary key (1 ms).
const POSTGRES_GET_JOBS_PLAN: [&str; 2] = [
    "ALTER FUNCTION apalis.get_jobs(text, text, integer) SET enable_hashjoin = off",
    "ALTER FUNCTION apalis.get_jobs(text, text, integer) SET enable_mergejoin = off",
];

/// Runs apalis-sqlite's migrations, then drops `LIdx`.
///
/// `SqliteStorage::setup` sets `PRAGMA synchronous = OFF` on whichever connection it runs on,
/// which would make the ledger's writes on that pooled connection non-durable. So it runs on a
/// connection of its own, closed afterwards; the ledger's pool keeps `synchronous = NORMAL`.
pub(super) async fn sqlite(pool: &SqlitePool) -> Result<(), QueueError> {
    let options = (*pool.connect_options()).clone();
    let setup_pool =
        SqlitePoolOptions::new().max_connections(1).connect_with(options).await.map_err(|source| {
            QueueError::Setup { step: "connect for apalis setup", source: source.into() }
        })?;
    let migrated = apalis_sqlite::SqliteStorage::setup(&setup_pool).await;
    setup_pool.close().await;
    migrated
        .map_err(|source| QueueError::Setup { step: "apalis-sqlite migrations", source: source.into() })?;
    sqlx::query(SQLITE_DROP_LOCK_BY_INDEX)
        .execute(pool)
        .await
        .map_err(|source| QueueError::Setup { step: "drop apalis index LIdx", source: source.into() })?;
    Ok(())
}

/// Connections the queue keeps on PostgreSQL (pushes, fetches, heartbeats of every worker).
const POSTGRES_QUEUE_CONNECTIONS: u32 = 8;

/// Runs apalis-postgres's migrations, fixes `apalis.get_jobs`'s plan, and returns the pool the
/// queue uses.
///
/// apalis's objects live in the schema `apalis`, but sqlx records applied migrations in the
/// first schema of the connection's `search_path`, and apalis creates its extensions (hstore,
/// pgcrypto: it needs a role that may create them the first time) and refers to their types
/// through the `search_path` too. So the queue has a pool of its own whose `search_path` starts
/// with `apalis`: every hub (and every test schema) on one database then shares one record of
/// the migrations and finds the types, whatever `search_path` the ledger's pool uses.
pub(super) async fn postgres(ledger_pool: &PgPool) -> Result<PgPool, QueueError> {
    sqlx::query("CREATE SCHEMA IF NOT EXISTS apalis")
        .execute(ledger_pool)
        .await
        .map_err(|source| QueueError::Setup { step: "create schema apalis", source: source.into() })?;
    let options = (*ledger_pool.connect_options()).clone().options([("search_path", "apalis, public")]);
    let pool = PgPoolOptions::new()
        .max_connections(POSTGRES_QUEUE_CONNECTIONS)
        .connect_with(options)
        .await
        .map_err(|source| QueueError::Setup { step: "connect the queue", source: source.into() })?;
    apalis_postgres::PostgresStorage::setup(&pool)
        .await
        .map_err(|source| QueueError::Setup { step: "apalis-postgres migrations", source: source.into() })?;
    for statement in POSTGRES_GET_JOBS_PLAN {
        sqlx::query(statement)
            .execute(&pool)
            .await
            .map_err(|source| QueueError::Setup { step: "tune apalis.get_jobs", source: source.into() })?;
    }
    Ok(pool)
}
