//! A ledger written before the `submitted` state and verification existed opens on today's
//! hub with everything it held: SQLite's table rebuild keeps every delivery, its attempts and
//! their link, and the new columns start empty.

use std::path::Path;

use sqlx::Row;
use sqlx::migrate::Migrator;
use sqlx::sqlite::SqliteConnectOptions;
use switchyard::store::{DeliveryState, Store};

const FIRST_MIGRATION: &str = "20261124000001_ledger.sql";

/// A ledger as the first release created it: only the first migration applied.
async fn first_release_ledger(dir: &Path) -> sqlx::SqlitePool {
    let migrations = dir.join("migrations");
    std::fs::create_dir_all(&migrations).unwrap();
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations/sqlite").join(FIRST_MIGRATION);
    std::fs::copy(shipped, migrations.join(FIRST_MIGRATION)).unwrap();
    let options = SqliteConnectOptions::new()
        .filename(dir.join("switchyard.db"))
        .create_if_missing(true)
        .foreign_keys(true);
    let pool = sqlx::SqlitePool::connect_with(options).await.unwrap();
    let mut migrator = Migrator::new(migrations.as_path()).await.unwrap();
    migrator.dangerous_set_table_name("_switchyard_migrations");
    migrator.run(&pool).await.unwrap();
    pool
}

#[tokio::test]
async fn a_first_release_sqlite_ledger_is_upgraded_in_place_without_losing_a_row() {
    let dir = tempfile::tempdir().unwrap();
    let old = first_release_ledger(dir.path()).await;
    for statement in [
        "INSERT INTO events (id, source, event_id, event_type, version, data, received_at) \
         VALUES (1, 'legacy', 'e-1', 'user.migrated', 1, '{}', '2026-11-30T10:00:00Z')",
        "INSERT INTO deliveries (id, event_row, system, mapping, state, attempts, next_attempt_at, \
             downstream_id, created_at, updated_at) \
         VALUES ('01D1', 1, 'salesforce', 'contact-from-user-migrated', 'delivered', 1, \
             '2026-11-30T10:00:00Z', '003000000000001AAA', '2026-11-30T10:00:00Z', '2026-11-30T10:00:01Z'), \
                ('01D2', 1, 'lms', 'learner-from-user-migrated', 'pending', 0, '2026-11-30T10:00:00Z', \
             NULL, '2026-11-30T10:00:00Z', '2026-11-30T10:00:00Z')",
        "INSERT INTO attempts (delivery_id, number, worker_id, started_at, finished_at, outcome, summary) \
         VALUES ('01D1', 1, 'w', '2026-11-30T10:00:00Z', '2026-11-30T10:00:01Z', 'delivered', 'delivered')",
    ] {
        sqlx::query(statement).execute(&old).await.unwrap();
    }
    old.close().await;

    let store = Store::open_sqlite(dir.path()).await.expect("the old ledger opens and is upgraded");
    let trace = store.trace("e-1").await.unwrap();
    let deliveries = &trace[0].deliveries;
    assert_eq!(deliveries.len(), 2);
    let salesforce = deliveries.iter().find(|d| d.delivery.system == "salesforce").unwrap();
    assert_eq!(salesforce.delivery.state, DeliveryState::Delivered);
    assert_eq!(salesforce.delivery.downstream_id.as_deref(), Some("003000000000001AAA"));
    assert_eq!(salesforce.attempts.len(), 1, "the attempt still belongs to its delivery");

    let pool = store.sqlite_pool().unwrap();
    let new_columns = sqlx::query("SELECT ticket, verify_at FROM deliveries WHERE id = '01D1'")
        .fetch_one(pool)
        .await
        .unwrap();
    assert!(new_columns.get::<Option<String>, _>("ticket").is_none());
    let broken: Vec<sqlx::sqlite::SqliteRow> =
        sqlx::query("PRAGMA foreign_key_check").fetch_all(pool).await.unwrap();
    assert!(broken.is_empty(), "every attempt still points at its delivery");
    // The rebuilt table takes the new state.
    sqlx::query("UPDATE deliveries SET state = 'submitted', ticket = 'job-1' WHERE id = '01D2'")
        .execute(pool)
        .await
        .unwrap();
    store.close().await;
}
