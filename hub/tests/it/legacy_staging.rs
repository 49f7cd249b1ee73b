//! Legacy import staging in the ledger, on SQLite and (when configured) PostgreSQL: staging is
//! idempotent, nothing staged is delivered, and releasing a wave's users records their events
//! with the deliveries routing gives them, once.

use chrono::{SubsecRound, Utc};
use serde_json::json;
use switchyard::config::HubConfig;
use switchyard::legacy::release_users;
use switchyard::routing::Routes;
use switchyard::store::{ImportBatch, NewEvent, QuarantineEntry, Route, StagedUser};
use switchyard_contracts::Catalog;
use switchyard_dependency_map::DependencyMap;

use crate::support::ledger::ledgers;

const SOURCE: &str = "/legacy/magento";

fn user(legacy_id: &str) -> StagedUser {
    StagedUser {
        legacy_id: legacy_id.into(),
        user_id: format!("u-{legacy_id}"),
        status: "active".into(),
        created_at: Some(Utc::now().trunc_subsecs(0)),
        partner_code: None,
        website: Some("base".into()),
        enrollments: 1,
    }
}

fn user_migrated(legacy_id: &str) -> NewEvent {
    NewEvent {
        legacy_id: Some(legacy_id.into()),
        source: SOURCE.into(),
        event_id: format!("user-{legacy_id}"),
        event_type: "user.migrated".into(),
        version: 1,
        time: Some(Utc::now().trunc_subsecs(0)),
        data: json!({"legacy_id": legacy_id, "user_id": format!("u-{legacy_id}"), "status": "active"}),
        routes: Vec::new(),
    }
}

fn batch(legacy_ids: &[&str]) -> ImportBatch {
    ImportBatch {
        users: legacy_ids.iter().map(|id| user(id)).collect(),
        events: legacy_ids.iter().map(|id| user_migrated(id)).collect(),
        quarantined: vec![QuarantineEntry {
            file: "enrollments.csv".into(),
            line: 9,
            legacy_id: Some("77".into()),
            reason: "enrolled_at: zero date".into(),
            class: Some("enrolled-at-zero-date".into()),
        }],
    }
}

fn shipped_routes() -> Routes {
    let map = DependencyMap::load(DependencyMap::shipped_root()).unwrap();
    let catalog = Catalog::load(Catalog::shipped_root()).unwrap();
    Routes::build(&map, &catalog, &HubConfig::default()).unwrap()
}

#[tokio::test]
async fn staging_twice_stages_once_and_delivers_nothing() {
    for ledger in ledgers().await {
        let store = &ledger.store;
        let first = store.start_import(&json!({"customers": "customers.csv"})).await.unwrap();
        let report = store.stage(&first, &batch(&["1", "2"])).await.unwrap();
        assert_eq!((report.users_staged, report.events_staged, report.quarantined), (2, 2, 1));
        store.finish_import(&first, &json!({"users": 2})).await.unwrap();

        let second = store.start_import(&json!({"customers": "customers.csv"})).await.unwrap();
        let again = store.stage(&second, &batch(&["1", "2", "3"])).await.unwrap();
        assert_eq!((again.users_staged, again.users_already_staged), (1, 2), "{:?}", store.backend());
        assert_eq!((again.events_staged, again.events_already_staged), (1, 2));

        // The latest import is the second; each import lists its own quarantine.
        let latest = store.import_run(None).await.unwrap().unwrap();
        assert_eq!(latest.id, second);
        assert_eq!(latest.finished_at, None);
        let earlier = store.import_run(Some(&first)).await.unwrap().unwrap();
        assert_eq!(earlier.counts, Some(json!({"users": 2})));
        let quarantined = store.quarantined(&second).await.unwrap();
        assert_eq!(quarantined.len(), 1);
        assert_eq!((quarantined[0].file.as_str(), quarantined[0].line), ("enrollments.csv", 9));

        assert!(store.state_counts().await.unwrap().is_empty(), "staging must not deliver");
        assert!(store.trace("user-1").await.unwrap().is_empty());
        ledger.finish().await;
    }
}

#[tokio::test]
async fn releasing_users_records_their_events_with_routes_once() {
    let routes = shipped_routes();
    for ledger in ledgers().await {
        let store = &ledger.store;
        let import = store.start_import(&json!({})).await.unwrap();
        store.stage(&import, &batch(&["1", "2", "3"])).await.unwrap();

        // A release that stopped after recording user 3's event but before marking it.
        let mut recorded = user_migrated("3");
        recorded.routes = vec![Route { system: "lms".into(), mapping: "user-from-user-migrated-v1".into() }];
        store.insert_events(&[recorded]).await.unwrap();

        let wave = ["1".to_owned(), "3".to_owned()];
        let report = release_users(store, &routes, &wave).await.unwrap();
        assert_eq!((report.released, report.already_recorded), (2, 1), "{:?}", store.backend());
        // user.migrated@v1 goes to the LMS and to Salesforce; user 3's was already recorded.
        assert_eq!(report.deliveries, 2);
        let traced = store.trace("1").await.unwrap();
        assert_eq!(traced.len(), 1);
        let systems: Vec<&str> = traced[0].deliveries.iter().map(|d| d.delivery.system.as_str()).collect();
        assert_eq!(systems.len(), 2);
        assert!(systems.contains(&"lms") && systems.contains(&"salesforce"), "{systems:?}");
        assert!(store.trace("2").await.unwrap().is_empty(), "user 2 is not in the wave");

        let again = release_users(store, &routes, &wave).await.unwrap();
        assert_eq!(again.released, 0, "released events are not released twice");
        assert_eq!(store.trace("1").await.unwrap()[0].deliveries.len(), 2);
        ledger.finish().await;
    }
}
