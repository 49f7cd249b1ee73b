//! The queue on the ledger's database: apalis's tables are set up beside the ledger with the
//! project's query-plan workarounds in place, jobs reach their system's worker, scheduled jobs
//! wait for their time, and the sweeper turns a lost job or a dead worker's lease back into
//! work.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use switchyard::delivery::{Sweeper, SweptSystem};
use switchyard::ingest::BoxFuture;
use switchyard::metrics::HubMetrics;
use switchyard::queue::{DeliveryJob, JobCause, JobHandler, JobQueue, QueueWorker, ScheduledJob};
use switchyard::store::{DeliveryState, Store};
use tokio::sync::{Notify, watch};
use ulid::Ulid;

use crate::support::hub::migrated_user;
use crate::support::ledger::ledgers;

async fn open_queue(store: &Store) -> JobQueue {
    // A prefix per test: PostgreSQL tests share the `apalis` schema.
    let prefix = format!("t{}", Ulid::generate().to_string().to_lowercase());
    JobQueue::open(store, &prefix, Duration::from_millis(20)).await.expect("queue setup")
}

#[tokio::test]
async fn sqlite_setup_drops_the_lock_by_index_and_keeps_ledger_writes_durable() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_sqlite(dir.path()).await.unwrap();
    open_queue(&store).await;
    // Setting up twice (a restart) is harmless.
    open_queue(&store).await;
    let pool = store.sqlite_pool().unwrap();
    let lidx: Option<String> =
        sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'index' AND name = 'LIdx'")
            .fetch_optional(pool)
            .await
            .unwrap();
    assert_eq!(lidx, None, "apalis's lock_by index is gone");
    // apalis's ack statement now finds each job by its unique id, not by scanning lock_by.
    let plan = ack_plan(pool).await;
    assert!(!plan.contains("LIdx") && plan.contains("sqlite_autoindex_Jobs"), "{plan}");
    // apalis's setup sets synchronous=OFF on its connection; none of the ledger's has it.
    let mut connections = Vec::new();
    for _ in 0..pool.options().get_max_connections() {
        connections.push(pool.acquire().await.unwrap());
    }
    for connection in &mut connections {
        let synchronous: i64 =
            sqlx::query_scalar("PRAGMA synchronous").fetch_one(&mut **connection).await.unwrap();
        assert_eq!(synchronous, 1, "NORMAL on every ledger connection");
    }
}

/// apalis-sqlite 1.0's ack statement (`queries/task/ack.sql`), as it runs for every batch of
/// finished jobs.
const APALIS_ACK: &str = "WITH j AS (SELECT value ->> 'task_id' AS task_id, value ->> 'attempt' AS attempt, \
     value ->> 'result' AS result, value ->> 'status' AS status FROM json_each(?1)) \
     UPDATE Jobs SET status = j.status, attempts = j.attempt, last_result = j.result, \
     done_at = strftime('%s', 'now') FROM j WHERE Jobs.id = j.task_id AND Jobs.lock_by = ?2";

async fn ack_plan(pool: &sqlx::SqlitePool) -> String {
    let plan: Vec<(i64, i64, i64, String)> =
        sqlx::query_as(sqlx::AssertSqlSafe(format!("EXPLAIN QUERY PLAN {APALIS_ACK}")))
            .bind("[]")
            .bind("worker")
            .fetch_all(pool)
            .await
            .unwrap();
    plan.into_iter().map(|row| row.3).collect::<Vec<_>>().join(" | ")
}

#[tokio::test]
async fn stock_apalis_sqlite_acks_through_the_lock_by_index() {
    // The other side of the test above: without the project's migration, SQLite's planner
    // takes LIdx for the ack, so the check above can tell the difference.
    let pool =
        sqlx::sqlite::SqlitePoolOptions::new().max_connections(1).connect("sqlite::memory:").await.unwrap();
    apalis_sqlite::SqliteStorage::setup(&pool).await.unwrap();
    let plan = ack_plan(&pool).await;
    assert!(plan.contains("LIdx"), "{plan}");
}

#[tokio::test]
async fn postgres_setup_fixes_the_get_jobs_plan() {
    let Some(ledger) = ledgers().await.into_iter().find(|ledger| ledger.store.postgres_pool().is_some())
    else {
        return;
    };
    open_queue(&ledger.store).await;
    open_queue(&ledger.reopen().await).await;
    let config: Vec<String> = sqlx::query_scalar(
        "SELECT unnest(proconfig) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace \
         WHERE n.nspname = 'apalis' AND p.proname = 'get_jobs'",
    )
    .fetch_all(ledger.store.postgres_pool().unwrap())
    .await
    .unwrap();
    assert!(config.contains(&"enable_hashjoin=off".to_owned()), "{config:?}");
    assert!(config.contains(&"enable_mergejoin=off".to_owned()), "{config:?}");
    ledger.finish().await;
}

/// Remembers the jobs it ran and tells the test.
#[derive(Default)]
struct Recorder {
    jobs: Mutex<Vec<DeliveryJob>>,
    ran: Notify,
}

impl JobHandler for Recorder {
    fn handle(&self, job: DeliveryJob) -> BoxFuture<'_, ()> {
        Box::pin(async move {
            self.jobs.lock().unwrap().push(job);
            self.ran.notify_one();
        })
    }
}

#[tokio::test]
async fn pushed_jobs_reach_their_system_worker_and_scheduled_ones_wait() {
    for ledger in ledgers().await {
        let queue = open_queue(&ledger.store).await;
        let recorder = Arc::new(Recorder::default());
        let (stop, stopping) = watch::channel(false);
        let workers = vec![QueueWorker {
            system: "lms".into(),
            concurrency: 2,
            fetch_batch: 2,
            name: format!("w-{}", Ulid::generate()),
        }];
        let running = {
            let queue = queue.clone();
            let handler: Arc<dyn JobHandler> = recorder.clone();
            tokio::spawn(async move {
                let mut stopping = stopping;
                let shutdown = async move {
                    let _ = stopping.wait_for(|stop| *stop).await;
                };
                queue.run_workers(workers, handler, shutdown, Duration::from_secs(5)).await
            })
        };
        let later = Utc::now() + chrono::Duration::hours(1);
        queue
            .push(vec![
                ScheduledJob::now("lms", JobCause::Ingest),
                ScheduledJob::at("lms", JobCause::Retry, later),
                ScheduledJob::now("salesforce", JobCause::Ingest),
            ])
            .await
            .unwrap();
        tokio::time::timeout(Duration::from_secs(20), recorder.ran.notified()).await.expect("the job ran");
        let ran = recorder.jobs.lock().unwrap().clone();
        assert_eq!(ran, vec![DeliveryJob { system: "lms".into(), cause: JobCause::Ingest }]);
        stop.send(true).unwrap();
        running.await.unwrap().unwrap();
        // The retry waits for its hour; the other system's job waits for its own worker.
        assert_eq!(queue.live_jobs("lms").await.unwrap(), 0);
        assert_eq!(queue.live_jobs("salesforce").await.unwrap(), 1);
        assert_eq!(queue.pending_jobs().await.unwrap(), 2);
        ledger.finish().await;
    }
}

#[tokio::test]
async fn the_sweeper_wakes_systems_whose_deliveries_lost_their_job_and_frees_dead_leases() {
    for ledger in ledgers().await {
        let store = &ledger.store;
        let queue = open_queue(store).await;
        // Committed with no job pushed: as after a crash between commit and enqueue.
        store.insert_events(&[migrated_user(1), migrated_user(2)]).await.unwrap();
        // A worker that died holding one of them.
        let now = Utc::now();
        let held = store.claim_due("lms", 1, "dead-worker/1", Duration::from_secs(1), now).await.unwrap();
        assert_eq!(held.len(), 1);
        let sweeper = Sweeper {
            store: store.clone(),
            queue: queue.clone(),
            systems: vec![SweptSystem { system: "lms".into(), concurrency: 3 }],
            interval: Duration::from_secs(60),
            keep_finished_jobs: Duration::from_secs(600),
            metrics: HubMetrics::new(),
        };
        // Two seconds on, the dead worker's one-second lease has run out.
        let report = sweeper.sweep_at(now + chrono::Duration::seconds(2)).await;
        assert_eq!(report.leases_released, 1);
        assert_eq!(report.jobs_pushed, 3, "topped up to the system's concurrency");
        assert_eq!(queue.live_jobs("lms").await.unwrap(), 3);
        let trace = store.trace(&held[0].event_id).await.unwrap();
        assert_eq!(trace[0].deliveries[0].delivery.state, DeliveryState::Pending);
        assert_eq!(trace[0].deliveries[0].attempts.len(), 0, "a released lease spends no attempt");
        // Jobs are already waiting: another sweep adds none.
        assert_eq!(sweeper.sweep_at(now + chrono::Duration::seconds(3)).await.jobs_pushed, 0);
        ledger.finish().await;
    }
}
