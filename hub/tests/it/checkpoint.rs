//! SQLite's write-ahead log while the ledger's writer is never idle: its pages reach the
//! database file and the log starts again from its beginning, instead of growing with every
//! write (checkpoints run in the background, not in the writer's commits).

use chrono::Utc;
use serde_json::json;
use switchyard::store::{NewEvent, Route, Store};
use tempfile::TempDir;

/// Bytes of event data written in all: many checkpoint intervals' worth in a debug build.
const DATA_WRITTEN: usize = 24 * 1024 * 1024;
const EVENTS_PER_WRITE: usize = 200;

fn events(first: usize, count: usize) -> Vec<NewEvent> {
    // Distinct, incompressible-looking text: SQLite stores it as written.
    (first..first + count)
        .map(|n| NewEvent {
            source: "checkpoint-test".into(),
            event_id: format!("evt-{n}"),
            event_type: "user.migrated".into(),
            version: 1,
            time: Some(Utc::now()),
            data: json!({ "note": format!("{n:08}").repeat(128) }),
            legacy_id: None,
            routes: vec![Route { system: "lms".into(), mapping: "user-v1-to-lms".into() }],
        })
        .collect()
}

fn file_size(path: &std::path::Path) -> u64 {
    std::fs::metadata(path).map_or(0, |metadata| metadata.len())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_busy_writer_s_log_is_checkpointed_and_restarted_not_grown() {
    let dir = TempDir::new().unwrap();
    let store = Store::open_sqlite(dir.path()).await.unwrap();
    let database = dir.path().join("switchyard.db");
    let log = dir.path().join("switchyard.db-wal");

    // Write back to back, as a migration does: the writer is never idle for long.
    let mut written = 0;
    let mut largest_log = 0;
    let mut next = 0;
    while written < DATA_WRITTEN {
        let batch = events(next, EVENTS_PER_WRITE);
        written += batch.iter().map(|event| event.data.to_string().len()).sum::<usize>();
        next += EVENTS_PER_WRITE;
        store.insert_events(&batch).await.unwrap();
        largest_log = largest_log.max(file_size(&log));
    }

    let written = written as u64;
    // Without checkpoints, or with ones that never catch up with the writer, the log would
    // hold every page written: at least the data itself.
    assert!(largest_log < written / 2, "the log grew to {largest_log} bytes for {written} bytes of data");
    assert!(
        file_size(&database) > written / 2,
        "the database file holds the data written before the last checkpoint"
    );
}
