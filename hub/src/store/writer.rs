//! SQLite's single writer connection, and transactions sent to it as one command.
//!
//! sqlx runs each SQLite connection on a thread of its own and every statement is a round trip
//! to it: the statement goes over a channel, the task waits for the answer, then sends the
//! next. Mid-migration, with both cores busy, each round trip held the writer ~0.6 ms without
//! work (`BEGIN` alone took that long), and a transaction of four statements held it for four.
//! A transaction written as one command (`BEGIN IMMEDIATE; …; COMMIT`) runs all of it on the
//! connection's thread in one round trip. It can stop part way — a statement fails, or the
//! task that sent it is cancelled and the thread stops at its next answer — and then the
//! connection is left inside the transaction: [`SqliteWriter`] remembers that it may be, and
//! rolls it back before anything else runs on the connection.

use sqlx::sqlite::{SqliteArguments, SqliteRow};
use sqlx::{FromRow, Sqlite, SqliteConnection};

/// The connection every SQLite write goes through (see [`super::Pool`]).
#[derive(Debug)]
pub(super) struct SqliteWriter {
    connection: SqliteConnection,
    /// A one-command transaction was sent and not seen to finish: the connection may still
    /// be inside it.
    unfinished: bool,
}

impl SqliteWriter {
    pub(super) fn new(connection: SqliteConnection) -> Self {
        Self { connection, unfinished: false }
    }

    /// The connection, outside any transaction: one a cancelled or failed one-command
    /// transaction left open is rolled back first.
    pub(super) async fn connection(&mut self) -> &mut SqliteConnection {
        if self.unfinished {
            roll_back(&mut self.connection).await;
            // Only now: if this turn is cancelled while rolling back, the next one tries again.
            self.unfinished = false;
        }
        &mut self.connection
    }

    /// Runs `transaction`, the statements of one whole transaction (`BEGIN IMMEDIATE; …;
    /// COMMIT`) as one command, and returns the rows its statements returned, in order. If it
    /// fails, nothing of it stays: the transaction is rolled back before the error returns
    /// (or, if this future is dropped part way, before the connection's next use).
    pub(super) async fn fetch_all_as_one_command<'q, O>(
        &mut self,
        transaction: sqlx::query::QueryAs<'q, Sqlite, O, SqliteArguments>,
    ) -> Result<Vec<O>, sqlx::Error>
    where
        O: Send + Unpin + for<'r> FromRow<'r, SqliteRow>,
    {
        self.connection().await;
        self.unfinished = true;
        let result = transaction.fetch_all(&mut self.connection).await;
        if result.is_err() {
            roll_back(&mut self.connection).await;
        }
        self.unfinished = false;
        result
    }
}

/// Rolls back whatever transaction `connection` is in; none is fine (the command had finished,
/// or failed before `BEGIN` took effect).
async fn roll_back(connection: &mut SqliteConnection) {
    match sqlx::query("ROLLBACK").execute(&mut *connection).await {
        Ok(_) => tracing::debug!("rolled back a one-command transaction that stopped part way"),
        Err(err) if err.to_string().contains("no transaction is active") => {}
        Err(err) => tracing::warn!(error = %err, "could not roll back a one-command transaction"),
    }
}

#[cfg(test)]
mod tests {
    use futures_util::FutureExt as _;
    use sqlx::Connection as _;

    use super::*;

    /// A writer on a fresh file with one table, and a second connection to look from.
    async fn writer_and_observer(dir: &tempfile::TempDir) -> (SqliteWriter, SqliteConnection) {
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("ledger.db").display());
        let mut connection = SqliteConnection::connect(&url).await.unwrap();
        sqlx::query("PRAGMA journal_mode = WAL").execute(&mut connection).await.unwrap();
        sqlx::query("CREATE TABLE t (id INTEGER PRIMARY KEY)").execute(&mut connection).await.unwrap();
        let observer = SqliteConnection::connect(&url).await.unwrap();
        (SqliteWriter::new(connection), observer)
    }

    async fn rows_seen(observer: &mut SqliteConnection) -> i64 {
        sqlx::query_scalar("SELECT COUNT(*) FROM t").fetch_one(observer).await.unwrap()
    }

    fn transaction(sql: &'static str) -> sqlx::query::QueryAs<'static, Sqlite, (i64,), SqliteArguments> {
        sqlx::query_as(sql)
    }

    #[tokio::test]
    async fn a_whole_transaction_in_one_command_commits_and_returns_its_rows() {
        let dir = tempfile::tempdir().unwrap();
        let (mut writer, mut observer) = writer_and_observer(&dir).await;
        let rows = writer
            .fetch_all_as_one_command(transaction(
                "BEGIN IMMEDIATE; INSERT INTO t VALUES (1), (2) RETURNING id; INSERT INTO t VALUES (3) RETURNING id; COMMIT",
            ))
            .await
            .unwrap();
        assert_eq!(rows, vec![(1,), (2,), (3,)]);
        assert_eq!(rows_seen(&mut observer).await, 3);
    }

    #[tokio::test]
    async fn a_statement_failing_part_way_leaves_nothing_and_the_connection_outside_the_transaction() {
        let dir = tempfile::tempdir().unwrap();
        let (mut writer, mut observer) = writer_and_observer(&dir).await;
        let failed = writer
            .fetch_all_as_one_command(transaction(
                "BEGIN IMMEDIATE; INSERT INTO t VALUES (1) RETURNING id; INSERT INTO t VALUES (1) RETURNING id; COMMIT",
            ))
            .await;
        assert!(failed.is_err(), "the second insert breaks the primary key");
        assert_eq!(rows_seen(&mut observer).await, 0, "the first insert was rolled back");

        // The next write commits on its own: the connection is not left inside the transaction.
        sqlx::query("INSERT INTO t VALUES (7)").execute(writer.connection().await).await.unwrap();
        assert_eq!(rows_seen(&mut observer).await, 1);
    }

    #[tokio::test]
    async fn a_cancelled_command_is_rolled_back_before_the_next_write() {
        let dir = tempfile::tempdir().unwrap();
        let (mut writer, mut observer) = writer_and_observer(&dir).await;
        // Polled once (the command reaches the connection's thread) and dropped: the thread
        // runs `BEGIN IMMEDIATE`, finds nobody waiting for its answer and stops there.
        let cancelled = writer
            .fetch_all_as_one_command(transaction(
                "BEGIN IMMEDIATE; INSERT INTO t VALUES (1) RETURNING id; COMMIT",
            ))
            .now_or_never();
        assert!(cancelled.is_none(), "the command cannot have finished within one poll");

        sqlx::query("INSERT INTO t VALUES (7)").execute(writer.connection().await).await.unwrap();
        let ids: Vec<i64> =
            sqlx::query_scalar("SELECT id FROM t ORDER BY id").fetch_all(&mut observer).await.unwrap();
        // The thread stops at `BEGIN`'s answer, unless it ran the whole command before the drop:
        // all of the cancelled transaction or none of it, and the next write committed.
        assert!(ids == vec![7] || ids == vec![1, 7], "seen: {ids:?}");
    }
}
