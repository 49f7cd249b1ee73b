//! The ledger as the hub uses it, against SQLite in a temporary directory and, when
//! `SWITCHYARD_TEST_POSTGRES_URL` is set, against PostgreSQL in a fresh schema per test.

use std::collections::HashSet;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use chrono::{DateTime, SubsecRound, Utc};
use serde_json::json;
use switchyard::store::{
    AttemptOutcome, AttemptRecord, Backend, DeadLetterFilter, Deferral, DeliveryFilter, DeliveryState,
    NewEvent, RedriveSelection, Route, StateCount, Store, Verification, VerificationStep,
};

use tempfile::TempDir;

use crate::support::ledger::ledgers;

const LEASE: Duration = Duration::from_secs(60);

fn event(event_id: &str, legacy_id: Option<&str>, systems: &[&str]) -> NewEvent {
    NewEvent {
        source: "legacy-export".into(),
        event_id: event_id.into(),
        event_type: "enrollment.created".into(),
        version: 1,
        time: Some(Utc::now()),
        data: json!({"student": legacy_id, "course": "RUST-101"}),
        legacy_id: legacy_id.map(str::to_owned),
        routes: systems
            .iter()
            .map(|system| Route { system: (*system).into(), mapping: format!("enrollment-v1-to-{system}") })
            .collect(),
    }
}

pub fn record(delivery_id: &str, worker_id: &str, outcome: AttemptOutcome) -> AttemptRecord {
    let now = Utc::now();
    AttemptRecord {
        delivery_id: delivery_id.into(),
        worker_id: worker_id.into(),
        started_at: now,
        finished_at: now,
        outcome,
        http_status: Some(200),
        code: None,
        summary: "test".into(),
        verify: None,
    }
}

/// Now plus `seconds`, in whole microseconds (what PostgreSQL keeps).
fn later(seconds: i64) -> DateTime<Utc> {
    (Utc::now() + chrono::Duration::seconds(seconds)).trunc_subsecs(6)
}

fn count(counts: &[StateCount], system: &str, state: DeliveryState) -> u64 {
    counts.iter().find(|c| c.system == system && c.state == state).map_or(0, |c| c.count)
}

async fn single_delivery_state(store: &Store, event_id: &str) -> (DeliveryState, i64) {
    let trace = store.trace(event_id).await.unwrap();
    let delivery = &trace[0].deliveries[0].delivery;
    (delivery.state, delivery.attempts)
}

#[tokio::test]
async fn the_sqlite_ledger_is_created_on_first_open_with_its_pragmas() {
    let dir = TempDir::new().unwrap();
    let data_dir: PathBuf = dir.path().join("data").join("nested");
    let store = Store::open_sqlite(&data_dir).await.unwrap();
    assert_eq!(store.backend(), Backend::Sqlite);
    assert!(data_dir.join("switchyard.db").is_file());
    let pool = store.sqlite_pool().unwrap();
    let journal: String = sqlx::query_scalar("PRAGMA journal_mode").fetch_one(pool).await.unwrap();
    let foreign_keys: i64 = sqlx::query_scalar("PRAGMA foreign_keys").fetch_one(pool).await.unwrap();
    assert_eq!((journal.as_str(), foreign_keys), ("wal", 1));
    // Built without memory statistics (.cargo/config.toml): with them, every allocation SQLite
    // makes would take a process-wide mutex.
    let options: Vec<String> = sqlx::query_scalar("PRAGMA compile_options").fetch_all(pool).await.unwrap();
    assert!(options.iter().any(|option| option == "DEFAULT_MEMSTATUS=0"), "{options:?}");
    store.insert_events(&[event("e1", None, &["crm"])]).await.unwrap();
    store.close().await;

    // Opening again migrates nothing twice and keeps the data.
    let url = format!("sqlite:{}", data_dir.join("switchyard.db").display());
    let store = Store::open_url(&url).await.unwrap();
    assert_eq!(store.trace("e1").await.unwrap().len(), 1);
    assert!(Store::open_url("mysql://localhost/x").await.is_err());
}

#[tokio::test]
async fn a_repeated_event_is_acknowledged_as_a_duplicate_and_stored_once() {
    for ledger in ledgers().await {
        let store = &ledger.store;
        let first = store.insert_events(&[event("e1", None, &["crm", "lms"])]).await.unwrap();
        assert!(!first[0].duplicate);
        assert_eq!(first[0].delivery_ids.len(), 2);

        let batch =
            [event("e1", None, &["crm", "lms"]), event("e2", None, &["crm"]), event("e2", None, &["crm"])];
        let again = store.insert_events(&batch).await.unwrap();
        let duplicates: Vec<bool> = again.iter().map(|r| r.duplicate).collect();
        assert_eq!(duplicates, [true, false, true], "{:?}", store.backend());
        assert!(again[0].delivery_ids.is_empty() && again[2].delivery_ids.is_empty());

        assert_eq!(store.trace("e1").await.unwrap().len(), 1);
        assert_eq!(store.trace("e2").await.unwrap().len(), 1);
        let counts = store.state_counts().await.unwrap();
        assert_eq!(count(&counts, "crm", DeliveryState::Pending), 2);
        assert_eq!(count(&counts, "lms", DeliveryState::Pending), 1);
        ledger.finish().await;
    }
}

#[tokio::test]
async fn a_batch_with_a_failing_row_stores_nothing() {
    for ledger in ledgers().await {
        let store = &ledger.store;
        // A routing bug sending one event to the same system twice violates
        // UNIQUE(event, system) after the first event and its delivery were written.
        let batch = [event("ok", None, &["crm"]), event("bad", None, &["crm", "crm"])];
        let err = store.insert_events(&batch).await.unwrap_err();
        assert!(err.is_constraint_violation(), "{:?}: {err:?}", store.backend());

        assert!(store.trace("ok").await.unwrap().is_empty());
        assert!(store.state_counts().await.unwrap().is_empty());
        // The good event can be sent again and is not a duplicate.
        let receipts = store.insert_events(&batch[..1]).await.unwrap();
        assert!(!receipts[0].duplicate);
        ledger.finish().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_concurrent_claimers_get_disjoint_sets_covering_every_due_delivery() {
    for ledger in ledgers().await {
        let events: Vec<NewEvent> = (0..1_000).map(|i| event(&format!("e{i}"), None, &["crm"])).collect();
        ledger.store.insert_events(&events).await.unwrap();
        ledger.store.insert_events(&[event("other", None, &["lms"])]).await.unwrap();
        let now = later(1);

        let mut claimers = Vec::new();
        for worker in ["worker-a", "worker-b"] {
            let store = ledger.reopen().await;
            claimers.push(tokio::spawn(async move {
                let mut mine = Vec::new();
                loop {
                    let batch = store.claim_due("crm", 25, worker, LEASE, now).await.unwrap();
                    if batch.is_empty() {
                        break mine;
                    }
                    mine.extend(batch.into_iter().map(|d| d.delivery_id));
                }
            }));
        }
        let mut seen = HashSet::new();
        let mut total = 0;
        for claimer in claimers {
            let mine = claimer.await.unwrap();
            eprintln!("{:?}: one claimer got {}", ledger.store.backend(), mine.len());
            total += mine.len();
            seen.extend(mine);
        }
        assert_eq!((total, seen.len()), (1_000, 1_000), "{:?}", ledger.store.backend());
        let counts = ledger.store.state_counts().await.unwrap();
        assert_eq!(count(&counts, "crm", DeliveryState::InFlight), 1_000);
        assert_eq!(count(&counts, "lms", DeliveryState::Pending), 1);
        ledger.finish().await;
    }
}

#[tokio::test]
async fn recorded_outcomes_move_deliveries_on_and_keep_every_attempt() {
    for ledger in ledgers().await {
        let store = &ledger.store;
        let ids = ["retry", "ok", "refused", "exhausted"];
        let events: Vec<NewEvent> = ids.iter().map(|id| event(id, None, &["crm"])).collect();
        store.insert_events(&events).await.unwrap();
        let claimed = store.claim_due("crm", 10, "w1", LEASE, later(1)).await.unwrap();
        assert_eq!(claimed.len(), 4);
        assert!(claimed.iter().all(|d| d.attempts == 0 && d.mapping == "enrollment-v1-to-crm"));
        let delivery =
            |event_id: &str| claimed.iter().find(|d| d.event_id == event_id).unwrap().delivery_id.clone();
        assert_eq!(claimed[0].data["course"], "RUST-101");

        let retry_at = later(3_600);
        let outcomes = [
            record(
                &delivery("retry"),
                "w1",
                AttemptOutcome::Retry { next_attempt_at: retry_at, reason: "HTTP 503".into() },
            ),
            record(&delivery("ok"), "w1", AttemptOutcome::Delivered { downstream_id: Some("003XYZ".into()) }),
            record(
                &delivery("refused"),
                "w1",
                AttemptOutcome::Rejected { reason: "FIELD_CUSTOM_VALIDATION_EXCEPTION".into() },
            ),
            record(
                &delivery("exhausted"),
                "w1",
                AttemptOutcome::DeadLettered { reason: "attempts exhausted".into() },
            ),
        ];
        let report = store.record_outcomes(&outcomes).await.unwrap();
        assert_eq!((report.recorded, report.stale.len()), (4, 0));

        let trace = store.trace("ok").await.unwrap();
        let ok = &trace[0].deliveries[0];
        assert_eq!(ok.delivery.state, DeliveryState::Delivered);
        assert_eq!(ok.delivery.downstream_id.as_deref(), Some("003XYZ"));
        assert_eq!(ok.delivery.lease_owner, None);
        assert_eq!(ok.attempts.len(), 1);
        let trace = store.trace("refused").await.unwrap();
        let refused = &trace[0].deliveries[0].delivery;
        assert_eq!(refused.state, DeliveryState::Rejected);
        assert_eq!(refused.last_reason.as_deref(), Some("FIELD_CUSTOM_VALIDATION_EXCEPTION"));
        let exhausted = single_delivery_state(store, "exhausted").await;
        assert_eq!(exhausted, (DeliveryState::DeadLettered, 1));

        // The retry is not due before its time, then comes back with its attempt counted.
        assert!(store.claim_due("crm", 10, "w1", LEASE, later(60)).await.unwrap().is_empty());
        let again = store.claim_due("crm", 10, "w2", LEASE, later(7_200)).await.unwrap();
        assert_eq!((again.len(), again[0].attempts), (1, 1));
        let delivered = AttemptOutcome::Delivered { downstream_id: None };
        store.record_outcomes(&[record(&again[0].delivery_id, "w2", delivered)]).await.unwrap();
        let trace = store.trace("retry").await.unwrap();
        let history = &trace[0].deliveries[0];
        assert_eq!(history.delivery.state, DeliveryState::Delivered);
        let numbers: Vec<(i64, &str)> =
            history.attempts.iter().map(|a| (a.number, a.worker_id.as_str())).collect();
        assert_eq!(numbers, [(1, "w1"), (2, "w2")]);
        assert_eq!(history.attempts[0].outcome.as_str(), "retry");
        ledger.finish().await;
    }
}

#[tokio::test]
async fn a_record_from_a_worker_that_no_longer_holds_the_lease_is_ignored() {
    for ledger in ledgers().await {
        let store = &ledger.store;
        store.insert_events(&[event("e1", None, &["crm"])]).await.unwrap();
        let claimed = store.claim_due("crm", 10, "w1", LEASE, later(1)).await.unwrap();
        let id = claimed[0].delivery_id.clone();
        let delivered = AttemptOutcome::Delivered { downstream_id: None };

        // Another worker reporting on w1's delivery changes nothing.
        let report = store.record_outcomes(&[record(&id, "w2", delivered.clone())]).await.unwrap();
        assert_eq!(report.recorded, 0);
        assert_eq!(report.stale[0].found_state, Some(DeliveryState::InFlight));
        assert_eq!(report.stale[0].found_lease_owner.as_deref(), Some("w1"));

        let first = store.record_outcomes(&[record(&id, "w1", delivered.clone())]).await.unwrap();
        assert_eq!(first.recorded, 1);
        // The handler runs twice: the second report finds the ledger state.
        let twice = store.record_outcomes(&[record(&id, "w1", delivered)]).await.unwrap();
        assert_eq!(twice.recorded, 0);
        assert_eq!(twice.stale[0].found_state, Some(DeliveryState::Delivered));
        assert_eq!(single_delivery_state(store, "e1").await, (DeliveryState::Delivered, 1));
        ledger.finish().await;
    }
}

/// The store binds a worker and its times once per run of records that share them: one call
/// that mixes workers and times must still keep each attempt's own and check each lease.
#[tokio::test]
async fn one_report_mixing_workers_and_times_keeps_each_attempts_own_and_checks_each_lease() {
    for ledger in ledgers().await {
        let store = &ledger.store;
        let events = ["a", "b", "c", "d"].map(|id| event(id, None, &["crm"]));
        store.insert_events(&events).await.unwrap();
        let by_w1 = store.claim_due("crm", 2, "w1", LEASE, later(1)).await.unwrap();
        let by_w2 = store.claim_due("crm", 2, "w2", LEASE, later(1)).await.unwrap();
        let delivered = AttemptOutcome::Delivered { downstream_id: None };
        let (t10, t40) = (later(10), later(40));
        let at = |started_at: DateTime<Utc>, record: AttemptRecord| AttemptRecord {
            started_at,
            finished_at: started_at + chrono::Duration::seconds(1),
            ..record
        };
        // Neighbours share a worker with different times, and times with different workers.
        let records = [
            at(t10, record(&by_w1[0].delivery_id, "w1", delivered.clone())),
            at(t40, record(&by_w1[1].delivery_id, "w1", delivered.clone())),
            // w1 reporting on one of w2's deliveries.
            at(t40, record(&by_w2[0].delivery_id, "w1", delivered.clone())),
            at(t40, record(&by_w2[1].delivery_id, "w2", delivered)),
        ];
        let report = store.record_outcomes(&records).await.unwrap();
        assert_eq!((report.recorded, report.stale.len()), (3, 1));
        assert_eq!(report.stale[0].delivery_id, by_w2[0].delivery_id);
        assert_eq!(report.stale[0].found_lease_owner.as_deref(), Some("w2"));

        let expected = [
            (&by_w1[0], Some(&records[0])),
            (&by_w1[1], Some(&records[1])),
            (&by_w2[0], None),
            (&by_w2[1], Some(&records[3])),
        ];
        for (claimed, record) in expected {
            let trace = store.trace(&claimed.event_id).await.unwrap();
            let attempts: Vec<_> = trace[0].deliveries[0]
                .attempts
                .iter()
                .map(|a| (a.worker_id.clone(), a.started_at, a.finished_at))
                .collect();
            let want: Vec<_> =
                record.iter().map(|r| (r.worker_id.clone(), r.started_at, r.finished_at)).collect();
            assert_eq!(attempts, want, "event {}", claimed.event_id);
        }
        ledger.finish().await;
    }
}

#[tokio::test]
async fn an_expired_lease_is_released_without_spending_an_attempt() {
    for ledger in ledgers().await {
        let store = &ledger.store;
        store.insert_events(&[event("e1", None, &["crm"])]).await.unwrap();
        let t0 = later(1);
        let lease = Duration::from_secs(30);
        let claimed = store.claim_due("crm", 10, "w1", lease, t0).await.unwrap();
        assert_eq!(claimed[0].lease_until, t0 + chrono::Duration::seconds(30));
        let id = claimed[0].delivery_id.clone();

        assert_eq!(store.release_expired_leases(t0 + chrono::Duration::seconds(10)).await.unwrap(), 0);
        let expired = t0 + chrono::Duration::seconds(31);
        assert_eq!(store.release_expired_leases(expired).await.unwrap(), 1);
        assert_eq!(single_delivery_state(store, "e1").await, (DeliveryState::Pending, 0));

        let retaken = store.claim_due("crm", 10, "w2", lease, expired).await.unwrap();
        assert_eq!((retaken[0].delivery_id.as_str(), retaken[0].attempts), (id.as_str(), 0));
        // The first worker wakes up late: its report is stale.
        let late = AttemptOutcome::Delivered { downstream_id: None };
        let report = store.record_outcomes(&[record(&id, "w1", late)]).await.unwrap();
        assert_eq!(report.stale.len(), 1);
        ledger.finish().await;
    }
}

#[tokio::test]
async fn a_stopping_hub_hands_back_only_its_own_leases_and_deferrals_spend_no_attempt() {
    for ledger in ledgers().await {
        let store = &ledger.store;
        store
            .insert_events(&[
                event("e1", None, &["crm"]),
                event("e2", None, &["crm"]),
                event("e3", None, &["crm"]),
            ])
            .await
            .unwrap();
        let t0 = later(1);
        let lease = Duration::from_secs(30);
        let ours = store.claim_due("crm", 1, "hub-1_a/step", lease, t0).await.unwrap();
        let theirs = store.claim_due("crm", 1, "hub-1xa/step", lease, t0).await.unwrap();
        let deferred = store.claim_due("crm", 1, "hub-2/step", lease, t0).await.unwrap();
        assert!(!store.has_due("crm", t0).await.unwrap(), "all three are in flight");

        // `_` in the prefix matches only itself, not any character.
        assert_eq!(store.release_leases_held_by("hub-1_a/", t0).await.unwrap(), 1);
        assert_eq!(single_delivery_state(store, &ours[0].event_id).await, (DeliveryState::Pending, 0));
        assert_eq!(single_delivery_state(store, &theirs[0].event_id).await, (DeliveryState::InFlight, 0));

        let not_before = t0 + chrono::Duration::seconds(5);
        let deferral = Deferral {
            delivery_id: deferred[0].delivery_id.clone(),
            worker_id: "hub-2/step".into(),
            not_before,
        };
        assert_eq!(store.defer(std::slice::from_ref(&deferral)).await.unwrap(), 1);
        assert_eq!(single_delivery_state(store, &deferred[0].event_id).await, (DeliveryState::Pending, 0));
        // A deferral from a worker that no longer holds the lease changes nothing.
        assert_eq!(store.defer(&[deferral]).await.unwrap(), 0);
        // Due again only at `not_before`; the released one is due at once.
        let retaken =
            store.claim_due("crm", 10, "hub-3/step", lease, t0 + chrono::Duration::seconds(1)).await.unwrap();
        assert_eq!(
            retaken.iter().map(|c| c.event_id.as_str()).collect::<Vec<_>>(),
            vec![ours[0].event_id.as_str()]
        );
        assert!(store.has_due("crm", not_before).await.unwrap());
        ledger.finish().await;
    }
}

#[tokio::test]
async fn dead_letters_are_listed_and_redriven_with_their_history_kept() {
    for ledger in ledgers().await {
        let store = &ledger.store;
        let events =
            [event("e1", None, &["crm", "lms"]), event("e2", None, &["crm"]), event("e3", None, &["crm"])];
        store.insert_events(&events).await.unwrap();
        let before = Utc::now();
        for system in ["crm", "lms"] {
            let claimed = store.claim_due(system, 10, "w1", LEASE, later(1)).await.unwrap();
            let records: Vec<AttemptRecord> = claimed
                .iter()
                .map(|d| {
                    record(
                        &d.delivery_id,
                        "w1",
                        AttemptOutcome::DeadLettered { reason: format!("{system} kept failing") },
                    )
                })
                .collect();
            store.record_outcomes(&records).await.unwrap();
        }

        let all = store.dead_letters(&DeadLetterFilter::default()).await.unwrap();
        assert_eq!(all.len(), 4);
        let crm = DeadLetterFilter { system: Some("crm".into()), ..Default::default() };
        assert_eq!(store.dead_letters(&crm).await.unwrap().len(), 3);
        let limited = DeadLetterFilter { limit: Some(1), ..crm.clone() };
        assert_eq!(store.dead_letters(&limited).await.unwrap().len(), 1);
        let future = DeadLetterFilter { since: Some(later(60)), ..Default::default() };
        assert!(store.dead_letters(&future).await.unwrap().is_empty());
        let lms = all.iter().find(|d| d.system == "lms").unwrap();
        assert_eq!(lms.last_reason.as_deref(), Some("lms kept failing"));
        assert_eq!((lms.event_id.as_str(), lms.attempts), ("e1", 1));

        // One by id; a second redrive of the same one finds nothing to do.
        let one = RedriveSelection::One(lms.delivery_id.clone());
        assert_eq!(store.redrive(&one, Utc::now()).await.unwrap(), 1);
        assert_eq!(store.redrive(&one, Utc::now()).await.unwrap(), 0);
        let retaken = store.claim_due("lms", 10, "w2", LEASE, later(1)).await.unwrap();
        assert_eq!((retaken[0].attempts, retaken[0].attempts_since_redrive), (1, 0));
        let delivered = AttemptOutcome::Delivered { downstream_id: None };
        store.record_outcomes(&[record(&lms.delivery_id, "w2", delivered)]).await.unwrap();
        let trace = store.trace(&lms.delivery_id).await.unwrap();
        let lms_trace = trace[0].deliveries.iter().find(|d| d.delivery.system == "lms").unwrap();
        assert!(lms_trace.delivery.redriven_at.is_some());
        let outcomes: Vec<&str> = lms_trace.attempts.iter().map(|a| a.outcome.as_str()).collect();
        assert_eq!(outcomes, ["dead_lettered", "delivered"]);

        // By filter (one of crm's), then all since a time.
        let some = RedriveSelection::Matching(limited);
        assert_eq!(store.redrive(&some, Utc::now()).await.unwrap(), 1);
        let since =
            RedriveSelection::Matching(DeadLetterFilter { since: Some(before), ..Default::default() });
        assert_eq!(store.redrive(&since, Utc::now()).await.unwrap(), 2);
        assert!(store.dead_letters(&DeadLetterFilter::default()).await.unwrap().is_empty());
        let counts = store.state_counts().await.unwrap();
        assert_eq!(count(&counts, "crm", DeliveryState::Pending), 3);
        ledger.finish().await;
    }
}

#[tokio::test]
async fn trace_finds_events_by_event_id_legacy_id_or_delivery_id() {
    for ledger in ledgers().await {
        let store = &ledger.store;
        let receipts = store
            .insert_events(&[
                event("enrol-1", Some("legacy-42"), &["crm", "lms"]),
                event("enrol-2", Some("legacy-42"), &["crm"]),
                event("enrol-3", Some("legacy-7"), &["crm"]),
            ])
            .await
            .unwrap();

        let by_legacy = store.trace("legacy-42").await.unwrap();
        let found: Vec<&str> = by_legacy.iter().map(|t| t.event.event_id.as_str()).collect();
        assert_eq!(found, ["enrol-1", "enrol-2"]);
        let systems: Vec<&str> = by_legacy[0].deliveries.iter().map(|d| d.delivery.system.as_str()).collect();
        assert_eq!(systems, ["crm", "lms"]);

        let by_event = store.trace("enrol-3").await.unwrap();
        assert_eq!(by_event[0].event.legacy_id.as_deref(), Some("legacy-7"));
        assert_eq!(by_event[0].event.data["course"], "RUST-101");
        let by_delivery = store.trace(&receipts[1].delivery_ids[0]).await.unwrap();
        assert_eq!(by_delivery[0].event.event_id, "enrol-2");
        assert!(store.trace("nobody").await.unwrap().is_empty());
        ledger.finish().await;
    }
}

#[tokio::test]
async fn state_counts_report_every_system_and_state() {
    for ledger in ledgers().await {
        let store = &ledger.store;
        let events: Vec<NewEvent> = (0..5).map(|i| event(&format!("e{i}"), None, &["crm", "lms"])).collect();
        store.insert_events(&events).await.unwrap();
        let claimed = store.claim_due("crm", 3, "w1", LEASE, later(1)).await.unwrap();
        let delivered = AttemptOutcome::Delivered { downstream_id: None };
        store.record_outcomes(&[record(&claimed[0].delivery_id, "w1", delivered)]).await.unwrap();

        let counts = store.state_counts().await.unwrap();
        let summary: Vec<(&str, &str, u64)> =
            counts.iter().map(|c| (c.system.as_str(), c.state.as_str(), c.count)).collect();
        assert_eq!(
            summary,
            [("crm", "delivered", 1), ("crm", "in_flight", 2), ("crm", "pending", 2), ("lms", "pending", 5),]
        );
        ledger.finish().await;
    }
}

#[tokio::test]
async fn deliveries_are_listed_by_filter_and_paged_by_id() {
    for ledger in ledgers().await {
        let store = &ledger.store;
        let events: Vec<NewEvent> =
            (0..5).map(|i| event(&format!("e{i}"), Some("u1"), &["crm", "lms"])).collect();
        store.insert_events(&events).await.unwrap();
        let before_attempts = Utc::now();
        let claimed = store.claim_due("crm", 2, "w1", LEASE, Utc::now()).await.unwrap();
        let dead = AttemptOutcome::DeadLettered { reason: "attempts exhausted".into() };
        store.record_outcomes(&[record(&claimed[0].delivery_id, "w1", dead)]).await.unwrap();
        let backend = store.backend();

        let all =
            store.deliveries(&DeliveryFilter { limit: 100, ..DeliveryFilter::default() }).await.unwrap();
        assert_eq!(all.len(), 10, "{backend:?}");
        let ids: Vec<&str> = all.iter().map(|l| l.delivery.id.as_str()).collect();
        assert!(ids.is_sorted(), "{backend:?}: in id order");
        assert!(all.iter().all(|l| l.source == "legacy-export" && l.legacy_id.as_deref() == Some("u1")));

        let filter = |system: Option<&str>, state: Option<DeliveryState>| DeliveryFilter {
            system: system.map(str::to_owned),
            state,
            ..DeliveryFilter::default()
        };
        let dead_letters = store.deliveries(&filter(None, Some(DeliveryState::DeadLettered))).await.unwrap();
        assert_eq!(dead_letters.len(), 1, "{backend:?}");
        assert_eq!(dead_letters[0].delivery.id, claimed[0].delivery_id);
        assert_eq!(dead_letters[0].delivery.last_reason.as_deref(), Some("attempts exhausted"));
        assert_eq!(
            store.deliveries(&filter(Some("crm"), Some(DeliveryState::InFlight))).await.unwrap().len(),
            1
        );
        assert_eq!(
            store.deliveries(&filter(Some("lms"), Some(DeliveryState::Pending))).await.unwrap().len(),
            5
        );
        assert!(store.deliveries(&filter(Some("erp"), None)).await.unwrap().is_empty());

        let changed = DeliveryFilter { since: Some(before_attempts), ..DeliveryFilter::default() };
        let changed = store.deliveries(&changed).await.unwrap();
        assert_eq!(changed.len(), 2, "{backend:?}: the two claimed deliveries changed since");

        let mut after = None;
        let mut paged = Vec::new();
        loop {
            let page = DeliveryFilter { after: after.clone(), limit: 3, ..DeliveryFilter::default() };
            let page = store.deliveries(&page).await.unwrap();
            if page.is_empty() {
                break;
            }
            after = page.last().map(|l| l.delivery.id.clone());
            paged.extend(page.into_iter().map(|l| l.delivery.id));
        }
        assert_eq!(paged, ids, "{backend:?}: pages cover every delivery once, in order");
        ledger.finish().await;
    }
}

#[tokio::test]
async fn a_verification_verdict_applies_only_to_a_delivered_delivery() {
    for ledger in ledgers().await {
        let store = &ledger.store;
        store.insert_events(&[event("e1", None, &["crm", "lms"])]).await.unwrap();
        let crm = store.claim_due("crm", 1, "w1", LEASE, later(1)).await.unwrap();
        let crm = crm[0].delivery_id.clone();
        let delivered = AttemptOutcome::Delivered { downstream_id: None };
        store.record_outcomes(&[record(&crm, "w1", delivered)]).await.unwrap();

        let silent = Verification::SilentFailure { reason: "Flow did not set Status__c".into() };
        assert!(store.record_verification(&crm, &silent, Utc::now()).await.unwrap());
        // Twice, or on a delivery that was never delivered: nothing changes.
        assert!(!store.record_verification(&crm, &Verification::Confirmed, Utc::now()).await.unwrap());
        let trace = store.trace("e1").await.unwrap();
        let states: Vec<(&str, DeliveryState)> =
            trace[0].deliveries.iter().map(|d| (d.delivery.system.as_str(), d.delivery.state)).collect();
        assert_eq!(states, [("crm", DeliveryState::SilentFailure), ("lms", DeliveryState::Pending)]);
        let lms = trace[0].deliveries[1].delivery.id.clone();
        assert!(!store.record_verification(&lms, &Verification::Confirmed, Utc::now()).await.unwrap());
        assert_eq!(
            trace[0].deliveries[0].delivery.last_reason.as_deref(),
            Some("Flow did not set Status__c")
        );
        ledger.finish().await;
    }
}

/// A read-back step's verdicts record in one statement; more than one statement's worth in one
/// transaction. Either way only deliveries still `delivered` change.
#[tokio::test]
async fn verification_steps_apply_to_delivered_deliveries_in_one_statement_or_in_one_transaction() {
    for ledger in ledgers().await {
        let store = &ledger.store;
        let events: Vec<NewEvent> = (0..1_003).map(|i| event(&format!("e{i}"), None, &["crm"])).collect();
        store.insert_events(&events).await.unwrap();
        let claimed = store.claim_due("crm", 2_000, "w1", LEASE, later(1)).await.unwrap();
        assert_eq!(claimed.len(), 1_003);
        let delivered = AttemptOutcome::Delivered { downstream_id: None };
        let records: Vec<AttemptRecord> =
            claimed.iter().map(|d| record(&d.delivery_id, "w1", delivered.clone())).collect();
        store.record_outcomes(&records).await.unwrap();
        let verdict = |delivery_id: &str, verification: Verification| {
            (delivery_id.to_owned(), VerificationStep::Verdict(verification))
        };

        let first: Vec<_> =
            claimed[..3].iter().map(|d| verdict(&d.delivery_id, Verification::Confirmed)).collect();
        assert_eq!(store.apply_verification_steps(&first, Utc::now()).await.unwrap(), 3);
        // All 1,003 again (two statements): the 3 already confirmed stay as they are.
        let silent = || Verification::SilentFailure { reason: "Flow did not set Status__c".into() };
        let all: Vec<_> = claimed
            .iter()
            .enumerate()
            .map(|(i, d)| {
                verdict(&d.delivery_id, if i % 2 == 0 { silent() } else { Verification::Confirmed })
            })
            .collect();
        assert_eq!(store.apply_verification_steps(&all, Utc::now()).await.unwrap(), 1_000);

        let counts = store.state_counts().await.unwrap();
        // Of the 1,000 not confirmed first, those at even places (500) failed silently.
        assert_eq!(count(&counts, "crm", DeliveryState::Confirmed), 503);
        assert_eq!(count(&counts, "crm", DeliveryState::SilentFailure), 500);
        ledger.finish().await;
    }
}

/// A measurement, not an assertion: `cargo test --release -p switchyard --test it
/// insert_throughput -- --ignored --nocapture`.
#[tokio::test]
#[ignore = "measurement; run on demand with --release"]
async fn insert_throughput() {
    for ledger in ledgers().await {
        let events: Vec<NewEvent> =
            (0..10_000).map(|i| event(&format!("e{i}"), Some(&format!("legacy-{i}")), &["crm"])).collect();
        let started = Instant::now();
        for batch in events.chunks(500) {
            ledger.store.insert_events(batch).await.unwrap();
        }
        let seconds = started.elapsed().as_secs_f64();
        eprintln!(
            "{:?}: 10,000 events (+10,000 deliveries) in batches of 500: {:.2} s, {:.0} events/s",
            ledger.store.backend(),
            seconds,
            10_000.0 / seconds
        );
        ledger.finish().await;
    }
}
