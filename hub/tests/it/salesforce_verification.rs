//! Verification by read-back, end to end: the real worker step delivers contacts and their
//! enrollments to the org simulator, then reads them back against the catalog's
//! expectations. An enrollment whose CRM flow failed silently (its Contact has no country)
//! was accepted by the API, and the ledger says `silent_failure`, with the evidence.

use std::sync::Arc;

use chrono::{Duration, Utc};
use serde_json::json;
use switchyard::config::HubConfig;
use switchyard::delivery::{Deliverer, build_lanes};
use switchyard::metrics::HubMetrics;
use switchyard::store::{DeliveryState, NewEvent, Route, Store};
use switchyard_sandbox::{OrgConfig, RunningSimulator, SalesforceSimulator};

use crate::support::hub::{LEASE, routes, user_data};
use crate::support::ledger::ledgers;

async fn simulator() -> RunningSimulator {
    SalesforceSimulator::start(([127, 0, 0, 1], 0).into(), OrgConfig::e_learning()).await.expect("simulator")
}

fn config(simulator: &RunningSimulator) -> HubConfig {
    let text = format!(
        "[systems.salesforce]\nadapter = \"salesforce\"\n\
         [systems.salesforce.salesforce]\ntoken_url = \"{}/services/oauth2/token\"\n\
         client_id = \"switchyard-sandbox\"\nclient_secret = \"sandbox-secret\"\nallow_list = [\"127.0.0.0/8\"]\n\
         objects = [{{ object = \"Contact\", external_id_field = \"Legacy_Id__c\" }},\n\
                    {{ object = \"Enrollment__c\", external_id_field = \"Legacy_Id__c\" }}]\n\
         [systems.salesforce.verification]\ndelay = \"0s\"\nrecheck = \"1s\"\n",
        simulator.base_url()
    );
    HubConfig::from_toml(&text).expect("config")
}

fn deliverer(store: &Store, config: &HubConfig) -> Arc<Deliverer> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let lanes = build_lanes(&routes(config), config).expect("lanes");
    Arc::new(Deliverer::new(store.clone(), lanes, "t".into(), LEASE, HubMetrics::new()))
}

/// A learner; without a country when `country` is false (what makes the flow fail).
fn contact(n: usize, country: bool) -> NewEvent {
    let mut data = user_data(n);
    data["user_id"] = json!(format!("u-{n}"));
    if !country {
        data["address"].as_object_mut().expect("the fixture has an address").remove("country_code");
    }
    NewEvent {
        source: "legacy-export".into(),
        event_id: format!("user-{n}"),
        event_type: "user.migrated".into(),
        version: 1,
        time: Some(Utc::now()),
        data,
        legacy_id: Some(format!("L{n}")),
        routes: vec![Route { system: "salesforce".into(), mapping: "contact-from-user-migrated".into() }],
    }
}

fn enrollment(n: usize) -> NewEvent {
    NewEvent {
        source: "legacy-export".into(),
        event_id: format!("enrollment-{n}"),
        event_type: "enrollment.created".into(),
        version: 2,
        time: Some(Utc::now()),
        data: json!({
            "enrollment_id": format!("e-{n}"), "user_id": format!("u-{n}"), "legacy_user_id": format!("L{n}"),
            "course_code": "PY-101", "status": "active", "enrolled_at": "2025-09-01T08:00:00Z",
            "price": {"amount": "149.00", "currency": "USD"}, "payment_method": "card"
        }),
        legacy_id: Some(format!("L{n}")),
        routes: vec![Route {
            system: "salesforce".into(),
            mapping: "enrollment-from-enrollment-created-v2".into(),
        }],
    }
}

async fn delivery(store: &Store, event_id: &str) -> (DeliveryState, String) {
    let trace = store.trace(event_id).await.unwrap();
    let delivery = &trace[0].deliveries[0].delivery;
    (delivery.state, delivery.last_reason.clone().unwrap_or_default())
}

#[tokio::test]
async fn a_silent_flow_failure_is_found_by_reading_back_and_recorded_with_its_evidence() {
    for ledger in ledgers().await {
        let simulator = simulator().await;
        let config = config(&simulator);
        let deliverer = deliverer(&ledger.store, &config);
        // Children first in the batch: the adapter still sends the Contacts first.
        let events = [enrollment(1), enrollment(2), contact(1, true), contact(2, false)];
        ledger.store.insert_events(&events).await.unwrap();

        let report = deliverer.deliver_due("salesforce", Utc::now()).await.unwrap();
        assert_eq!((report.claimed, report.delivered), (4, 4), "{report:?}");
        assert_eq!(
            simulator.records("Flow_Error__c").len(),
            1,
            "the flow failed for the learner without a country"
        );

        let jobs = deliverer.verify_due("salesforce", Utc::now() + Duration::seconds(1)).await.unwrap();
        assert!(jobs.is_empty(), "every verdict is in: {jobs:?}");
        assert_eq!(delivery(&ledger.store, "user-1").await.0, DeliveryState::Confirmed);
        assert_eq!(delivery(&ledger.store, "user-2").await.0, DeliveryState::Confirmed);
        assert_eq!(delivery(&ledger.store, "enrollment-1").await.0, DeliveryState::Confirmed);
        let (state, evidence) = delivery(&ledger.store, "enrollment-2").await;
        assert_eq!(state, DeliveryState::SilentFailure);
        assert!(
            evidence
                .contains("no-flow-error-for-enrollment: Flow_Error__c Enrollment_Legacy_Id__c = e-2 exists"),
            "{evidence}"
        );
        assert!(
            evidence.contains(r#"enrollment-activated-by-crm-flow: Enrollment__c Legacy_Id__c = e-2 has Status__c = null, expected "Active""#),
            "{evidence}"
        );
        ledger.finish().await;
    }
}

#[tokio::test]
async fn an_expectation_that_never_comes_true_is_rechecked_then_a_silent_failure_at_its_deadline() {
    for ledger in ledgers().await {
        let simulator = simulator().await;
        // The CRM team switched the activation flow off: nothing fails, nothing activates.
        simulator.set_automation_active("Enrollment_Activation", false).unwrap();
        let config = config(&simulator);
        let deliverer = deliverer(&ledger.store, &config);
        ledger.store.insert_events(&[contact(1, true), enrollment(1)]).await.unwrap();
        let delivered_at = Utc::now();
        deliverer.deliver_due("salesforce", delivered_at).await.unwrap();

        let jobs = deliverer.verify_due("salesforce", Utc::now() + Duration::seconds(1)).await.unwrap();
        assert_eq!(jobs.len(), 1, "a recheck is scheduled: {jobs:?}");
        assert_eq!(delivery(&ledger.store, "user-1").await.0, DeliveryState::Confirmed);
        assert_eq!(
            delivery(&ledger.store, "enrollment-1").await.0,
            DeliveryState::Delivered,
            "not yet a verdict"
        );

        // Past the expectation's 60 s: still not Active, so a silent failure.
        let jobs = deliverer.verify_due("salesforce", Utc::now() + Duration::seconds(61)).await.unwrap();
        assert!(jobs.is_empty(), "{jobs:?}");
        let (state, evidence) = delivery(&ledger.store, "enrollment-1").await;
        assert_eq!(state, DeliveryState::SilentFailure);
        assert!(evidence.contains(r#"Status__c = null, expected "Active""#), "{evidence}");
        ledger.finish().await;
    }
}
