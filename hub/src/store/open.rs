//! Opening the ledger: SQLite in a data directory (created on first open) or PostgreSQL from a
//! URL; migrations run on every open.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::ConnectOptions;
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

use super::{Pool, Store, StoreError};

/// The SQLite file inside the data directory.
pub const SQLITE_FILE_NAME: &str = "switchyard.db";

/// Our own migrations table, so the queue's (apalis) migrations in the same database neither
/// collide with ours nor look like "applied but missing" to either migrator.
const MIGRATIONS_TABLE: &str = "_switchyard_migrations";

/// How long a SQLite connection waits for the writer lock before giving up.
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(30);
/// Rows a connection's worker thread hands over before it waits for the task reading them
/// (sqlx's default is 50): a statement that returns a batch (`UPDATE … RETURNING` of 200
/// claimed deliveries) runs to its end without waiting on the reader. No change was measured
/// in the migration benchmark; kept because the writer should never wait on a reader.
const SQLITE_ROW_BUFFER: usize = 2_048;
/// Readers (the writer has a connection of its own, see `Pool`).
const SQLITE_MAX_CONNECTIONS: u32 = 8;
/// The writer's page cache: the indexes' hot pages of a 400,000-user migration's ledger.
/// Readers keep SQLite's default (2 MiB): another connection's write empties a reader's
/// cache anyway.
const WRITER_CACHE_KIB: u32 = 64 * 1024;
const POSTGRES_MAX_CONNECTIONS: u32 = 16;

impl Store {
    /// Opens (creating on first use) `<data_dir>/switchyard.db`.
    pub async fn open_sqlite(data_dir: &Path) -> Result<Self, StoreError> {
        std::fs::create_dir_all(data_dir)
            .map_err(|source| StoreError::CreateDataDir { path: data_dir.to_path_buf(), source })?;
        let options = SqliteConnectOptions::new().filename(data_dir.join(SQLITE_FILE_NAME));
        Self::open_sqlite_with(options).await
    }

    /// Opens `sqlite:<path>` or `postgres://…` (also `postgresql://`).
    pub async fn open_url(url: &str) -> Result<Self, StoreError> {
        let scheme = url.split(':').next().unwrap_or_default();
        match scheme {
            "sqlite" => {
                let options = SqliteConnectOptions::from_str(url).map_err(|source| StoreError::Open {
                    backend: "sqlite",
                    target: url.to_owned(),
                    source,
                })?;
                Self::open_sqlite_with(options).await
            }
            "postgres" | "postgresql" => {
                let options = PgConnectOptions::from_str(url).map_err(|source| StoreError::Open {
                    backend: "postgres",
                    target: "(unparsable URL)".to_owned(),
                    source,
                })?;
                Self::open_postgres(options).await
            }
            other => Err(StoreError::UnsupportedUrl { scheme: other.to_owned() }),
        }
    }

    /// Opens SQLite with our pragmas applied on every connection: WAL, `synchronous=NORMAL`
    /// (durable across process crashes, fast), a busy timeout, and foreign keys; one writer's
    /// connection and a pool of readers.
    pub async fn open_sqlite_with(options: SqliteConnectOptions) -> Result<Self, StoreError> {
        let target = options.get_filename().display().to_string();
        let options = options
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(SQLITE_BUSY_TIMEOUT)
            .foreign_keys(true)
            // Sorts and statement journals in memory, not in temporary files.
            .pragma("temp_store", "memory")
            // Checkpoints run in the background, not in whichever commit fills the log
            // (`checkpoint.rs`).
            .pragma("wal_autocheckpoint", "0")
            .pragma("journal_size_limit", super::checkpoint::WAL_SIZE_LIMIT_BYTES.to_string())
            .row_buffer_size(SQLITE_ROW_BUFFER);
        let open_failed = |source| StoreError::Open { backend: "sqlite", target: target.clone(), source };
        // The writer first: it creates the file and runs the migrations.
        // On a `SCHED_OTHER` thread: the connection's own thread inherits its policy, and the
        // writer must not be `SCHED_BATCH` like the async workers (`crate::scheduling`).
        let writer_options = options.clone().pragma("cache_size", format!("-{WRITER_CACHE_KIB}"));
        let connect = move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
            runtime.block_on(writer_options.connect())
        };
        let mut write = crate::scheduling::on_normal_thread(connect)
            .await
            .unwrap_or_else(|| Err(sqlx::Error::WorkerCrashed))
            .map_err(open_failed)?;
        migrate(sqlx::migrate!("./migrations/sqlite"), &mut write).await?;
        let write = std::sync::Arc::new(tokio::sync::Mutex::new(super::writer::SqliteWriter::new(write)));
        super::checkpoint::spawn(options.clone(), std::sync::Arc::downgrade(&write));
        let read = SqlitePoolOptions::new()
            .max_connections(SQLITE_MAX_CONNECTIONS)
            .connect_with(options)
            .await
            .map_err(open_failed)?;
        Ok(Self { pool: Pool::Sqlite { read, write } })
    }

    /// Opens PostgreSQL. Tests pass options with a `search_path` to isolate a schema.
    pub async fn open_postgres(options: PgConnectOptions) -> Result<Self, StoreError> {
        let target = format!(
            "{}:{}/{}",
            options.get_host(),
            options.get_port(),
            options.get_database().unwrap_or_default()
        );
        let pool = PgPoolOptions::new()
            .max_connections(POSTGRES_MAX_CONNECTIONS)
            .connect_with(options)
            .await
            .map_err(|source| StoreError::Open { backend: "postgres", target, source })?;
        migrate(sqlx::migrate!("./migrations/postgres"), &pool).await?;
        Ok(Self { pool: Pool::Postgres(pool) })
    }
}

async fn migrate<'a, A>(mut migrator: Migrator, pool: A) -> Result<(), StoreError>
where
    A: sqlx::Acquire<'a>,
    <A::Connection as std::ops::Deref>::Target: sqlx::migrate::Migrate,
{
    migrator.dangerous_set_table_name(MIGRATIONS_TABLE);
    migrator.set_ignore_missing(true);
    migrator.run(pool).await.map_err(|source| StoreError::Migrate { source })
}
