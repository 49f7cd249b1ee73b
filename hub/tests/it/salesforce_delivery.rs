//! The hub delivering to Salesforce: the real worker step, the real Salesforce adapter and the
//! sandbox's org simulator on loopback. Contacts are upserted by external id, the org's ids
//! land in the ledger, and a record the org refuses is rejected with its code.

use std::sync::Arc;

use chrono::Utc;
use serde_json::json;
use switchyard::config::HubConfig;
use switchyard::delivery::{Deliverer, build_lanes};
use switchyard::metrics::HubMetrics;
use switchyard::store::{DeliveryState, NewEvent, Route};
use switchyard_sandbox::{OrgConfig, RunningSimulator, SalesforceSimulator};

use crate::support::hub::{LEASE, routes, user_data};
use crate::support::ledger::ledgers;

async fn simulator() -> RunningSimulator {
    SalesforceSimulator::start(([127, 0, 0, 1], 0).into(), OrgConfig::e_learning()).await.expect("simulator")
}

fn salesforce_config(simulator: &RunningSimulator) -> HubConfig {
    let text = format!(
        "[systems.salesforce]\nadapter = \"salesforce\"\n\
         [systems.salesforce.salesforce]\ntoken_url = \"{}/services/oauth2/token\"\n\
         client_id = \"switchyard-sandbox\"\nclient_secret = \"sandbox-secret\"\nallow_list = [\"127.0.0.0/8\"]\n\
         objects = [{{ object = \"Contact\", external_id_field = \"Legacy_Id__c\" }}]\n",
        simulator.base_url()
    );
    HubConfig::from_toml(&text).expect("config")
}

fn contact_event(n: usize) -> NewEvent {
    let mut data = user_data(n);
    // The platform user id is unique in the org too.
    data["user_id"] = json!(format!("u-{n}"));
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

#[tokio::test]
async fn contacts_are_upserted_and_the_orgs_ids_recorded() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    for ledger in ledgers().await {
        let simulator = simulator().await;
        let config = salesforce_config(&simulator);
        let lanes = build_lanes(&routes(&config), &config).expect("lanes");
        assert_eq!(lanes.len(), 1, "the Salesforce system has a lane once configured");
        let deliverer =
            Arc::new(Deliverer::new(ledger.store.clone(), lanes, "t".into(), LEASE, HubMetrics::new()));
        ledger.store.insert_events(&[contact_event(1), contact_event(2)]).await.unwrap();

        let report = deliverer.deliver_due("salesforce", Utc::now()).await.unwrap();
        assert_eq!((report.claimed, report.delivered), (2, 2), "{report:?}");
        let contacts = simulator.records("Contact");
        assert_eq!(contacts.len(), 2);
        let trace = ledger.store.trace("user-1").await.unwrap();
        let delivery = &trace[0].deliveries[0].delivery;
        assert_eq!(delivery.state, DeliveryState::Delivered);
        let id = delivery.downstream_id.clone().expect("the org's record id");
        assert!(id.starts_with("003") && id.len() == 18, "{id}");
        ledger.finish().await;
    }
}

#[tokio::test]
async fn a_record_the_org_refuses_is_rejected_with_its_code_and_no_personal_data() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    for ledger in ledgers().await {
        let simulator = simulator().await;
        let config = salesforce_config(&simulator);
        let lanes = build_lanes(&routes(&config), &config).expect("lanes");
        let deliverer =
            Arc::new(Deliverer::new(ledger.store.clone(), lanes, "t".into(), LEASE, HubMetrics::new()));
        // The mapping already holds records to the contract (lengths, picklists), so what the
        // org refuses here is its own rule: a second Contact with the same email.
        let mut duplicate = contact_event(3);
        duplicate.data["email"] = json!("learner1@example.com");
        ledger.store.insert_events(&[contact_event(1)]).await.unwrap();
        deliverer.deliver_due("salesforce", Utc::now()).await.unwrap();
        ledger.store.insert_events(&[duplicate]).await.unwrap();

        let report = deliverer.deliver_due("salesforce", Utc::now()).await.unwrap();
        assert_eq!(report.rejected, 1, "{report:?}");
        let trace = ledger.store.trace("user-3").await.unwrap();
        let delivery = &trace[0].deliveries[0];
        assert_eq!(delivery.delivery.state, DeliveryState::Rejected);
        let reason = delivery.delivery.last_reason.as_deref().unwrap_or_default();
        assert!(reason.contains("DUPLICATES_DETECTED"), "{reason}");
        assert!(!reason.contains("learner1@example.com"), "no personal data in the reason: {reason}");
        ledger.finish().await;
    }
}
