//! Creating apalis's tables beside the ledger, and the project's workarounds for two apalis
//! 1.0 query plans (see `shared/reference/apalis-1.0-notes.md`), applied after apalis's own
//! migrations on every start. Both are idempotent and covered by tests.

use sqlx::postgres::PgPoolOptions;
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
const POSTGRES_GET_JOBS_PLAN: [(&str, &str); 2] = [
    ("enable_hashjoin=off", "ALTER FUNCTION apalis.get_jobs(text, text, integer) SET enable_hashjoin = off"),
    (
        "enable_mergejoin=off",
        "ALTER FUNCTION apalis.get_jobs(text, text, integer) SET enable_mergejoin = off",
    ),
];

/// Runs apalis-sqlite's migrations, then drops `LIdx`.
///
/// Only the migrations, not `SqliteStorage::setup`: that also sets pragmas on whichever pooled
/// connection it runs on — `synchronous = OFF` (the ledger's writes on that connection would
/// no longer be durable) and `cache_size = 64000` pages before `PRAGMA optimize`, which on a
/// ledger holding a million deliveries read ~250 MB into that connection's cache at start
/// (measured: the hub's peak RSS went from ~70 MB to 304 MB). The ledger already runs WAL.
pub(super) async fn sqlite(pool: &SqlitePool) -> Result<(), QueueError> {
    let mut migrator = apalis_sqlite::SqliteStorage::<()>::migrations();
    // A newer hub may have applied newer apalis migrations: tolerate them.
    migrator.set_ignore_missing(true);
    migrator
        .run(pool)
        .await
        .map_err(|source| QueueError::Setup { step: "apalis-sqlite migrations", source: source.into() })?;
    sqlx::query(SQLITE_DROP_LOCK_BY_INDEX)
        .execute(pool)
        .await
        .map_err(|source| QueueError::Setup { step: "drop apalis index LIdx", source: source.into() })?;
    Ok(())
}

/// Connections the queue keeps on PostgreSQL (pushes, fetches, heartbeats of every worker).
const POSTGRES_QUEUE_CONNECTIONS: u32 = 8;

/// The advisory lock every hub takes while it sets the queue up, so that hubs starting at once
/// on one database never race on the schema, the extensions or the function settings.
const POSTGRES_SETUP_LOCK: i64 = 0x5357_4954_4348_5144; // "SWITCHQD"

/// Runs apalis-postgres's migrations, fixes `apalis.get_jobs`'s plan, and returns the pool the
/// queue uses.
///
/// apalis's objects live in the schema `apalis`, but sqlx records applied migrations in the
/// first schema of the connection's `search_path`, and apalis creates its extensions (hstore,
/// pgcrypto: it needs a role that may create them the first time) and refers to their types
/// through the `search_path` too. So the queue has a pool of its own whose `search_path` starts
/// with `apalis`: every hub (and every test schema) on one database then shares one record of
/// the migrations and finds the types, whatever `search_path` the ledger's pool uses.
/// Migrations a newer hub applied are tolerated, so hubs can be upgraded one at a time.
pub(super) async fn postgres(ledger_pool: &PgPool) -> Result<PgPool, QueueError> {
    let options = (*ledger_pool.connect_options()).clone().options([("search_path", "apalis, public")]);
    let pool = PgPoolOptions::new()
        .max_connections(POSTGRES_QUEUE_CONNECTIONS)
        .connect_with(options)
        .await
        .map_err(|source| QueueError::Setup { step: "connect the queue", source: source.into() })?;
    let step =
        |step: &'static str| move |source: sqlx::Error| QueueError::Setup { step, source: source.into() };
    let mut conn = pool.acquire().await.map_err(step("connect for the queue's setup"))?;
    sqlx::query("SELECT pg_advisory_lock($1)")
        .bind(POSTGRES_SETUP_LOCK)
        .execute(&mut *conn)
        .await
        .map_err(step("take the setup lock"))?;
    let set_up = postgres_locked(&mut conn).await;
    let unlocked =
        sqlx::query("SELECT pg_advisory_unlock($1)").bind(POSTGRES_SETUP_LOCK).execute(&mut *conn).await;
    set_up?;
    unlocked.map_err(step("release the setup lock"))?;
    Ok(pool)
}

async fn postgres_locked(conn: &mut sqlx::PgConnection) -> Result<(), QueueError> {
    let step =
        |step: &'static str| move |source: sqlx::Error| QueueError::Setup { step, source: source.into() };
    sqlx::query("CREATE SCHEMA IF NOT EXISTS apalis")
        .execute(&mut *conn)
        .await
        .map_err(step("create schema apalis"))?;
    let mut migrator = apalis_postgres::PostgresStorage::<()>::migrations();
    migrator.set_ignore_missing(true);
    migrator
        .run(&mut *conn)
        .await
        .map_err(|source| QueueError::Setup { step: "apalis-postgres migrations", source: source.into() })?;
    let settings: Vec<String> = sqlx::query_scalar(
        "SELECT unnest(proconfig) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace \
         WHERE n.nspname = 'apalis' AND p.proname = 'get_jobs'",
    )
    .fetch_all(&mut *conn)
    .await
    .map_err(step("read apalis.get_jobs's settings"))?;
    for (setting, statement) in POSTGRES_GET_JOBS_PLAN {
        // Only when missing: ALTER FUNCTION needs the function's owner.
        if !settings.iter().any(|present| present == setting) {
            sqlx::query(statement).execute(&mut *conn).await.map_err(step("tune apalis.get_jobs"))?;
        }
    }
    Ok(())
}
