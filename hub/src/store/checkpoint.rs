//! Moving committed pages from SQLite's write-ahead log into the database file, off the
//! writer's path.
//!
//! By default the connection whose commit takes the WAL past 1,000 pages runs the checkpoint
//! inside that commit: it reads every frame back, writes the pages into the database file and
//! syncs both files. Mid-migration that was the writer, about twenty times a second (2,193
//! `fsync` calls in the 56 s of a 50,000-user run's waves), each time holding the one
//! connection every ledger write waits for. Here every connection has automatic checkpoints
//! off and one connection of its own checkpoints in the background, in two passes each time:
//!
//! 1. without the writer (`PASSIVE`: it never blocks a reader or the writer), copying what the
//!    log holds when it starts, a page written by many commits once;
//! 2. holding the writer, copying the little the writer appended meanwhile. The log is then
//!    wholly in the database file and the writer's next commit starts it again from its
//!    beginning (`journal_size_limit` truncates the file then). Without this pass the log never
//!    restarts while the writer is busy — every checkpoint ends behind the frames appended
//!    during it — and it grew to 2.3 GB in 40 s of a migration.
//!
//! The writer itself only appends to the log.

use std::sync::Weak;
use std::time::Duration;

use sqlx::ConnectOptions;
use sqlx::SqliteConnection;
use sqlx::sqlite::SqliteConnectOptions;
use tokio::sync::Mutex;

use super::writer::SqliteWriter;

/// How often a checkpoint runs. At a migration's write rate (tens of megabytes of log a
/// second) this keeps the log file to tens of megabytes.
pub(super) const CHECKPOINT_INTERVAL: Duration = Duration::from_millis(250);
/// The size the log file is truncated to once it restarts (SQLite: `journal_size_limit`).
pub(super) const WAL_SIZE_LIMIT_BYTES: u64 = 64 * 1024 * 1024;

/// Checkpoints every [`CHECKPOINT_INTERVAL`] on a connection of its own (see the module
/// docs), for as long as the store's `writer` exists: once the last clone of the store is
/// dropped the task ends and its connection closes. If the connection cannot be opened, the
/// writer checkpoints as SQLite does by default (logged), so the log never grows unchecked.
pub(super) fn spawn(options: SqliteConnectOptions, writer: Weak<Mutex<SqliteWriter>>) {
    tokio::spawn(async move {
        let mut connection = match options.connect().await {
            Ok(connection) => connection,
            Err(err) => {
                tracing::warn!(error = %err, "could not open the checkpoint connection; the writer checkpoints instead");
                if let Some(writer) = writer.upgrade() {
                    let mut writer = writer.lock().await;
                    let restore = sqlx::query("PRAGMA wal_autocheckpoint = 1000");
                    if let Err(err) = restore.execute(writer.connection().await).await {
                        tracing::warn!(error = %err, "could not restore the writer's checkpoints");
                    }
                }
                return;
            }
        };
        let mut ticks = tokio::time::interval(CHECKPOINT_INTERVAL);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            let Some(writer) = writer.upgrade() else { break };
            checkpoint(&mut connection, "without the writer").await;
            let held = writer.lock().await;
            checkpoint(&mut connection, "holding the writer").await;
            drop(held);
        }
    });
}

/// One passive checkpoint; a failure is logged and the next tick tries again.
async fn checkpoint(connection: &mut SqliteConnection, pass: &'static str) {
    // (busy, frames in the log, frames copied): busy is 0 for a passive checkpoint.
    let result: Result<(i64, i64, i64), _> =
        sqlx::query_as("PRAGMA wal_checkpoint(PASSIVE)").fetch_one(connection).await;
    match result {
        Ok((_, log_frames, copied)) => tracing::trace!(pass, log_frames, copied, "checkpoint"),
        Err(err) => tracing::warn!(pass, error = %err, "checkpoint failed; the next one tries again"),
    }
}
