//! The hub delivering to Salesforce: the real worker step, the real Salesforce adapter and the
//! sandbox's org simulator on loopback. Contacts are upserted by external id, the org's ids
//! land in the ledger, and a record the org refuses is rejected with its code.

use chrono::Utc;
use serde_json::json;
use switchyard::delivery::build_lanes;
use switchyard::store::DeliveryState;

use crate::support::hub::routes;
use crate::support::ledger::ledgers;
use crate::support::salesforce::{config, contact, deliverer, simulator};

#[tokio::test]
async fn contacts_are_upserted_and_the_orgs_ids_recorded() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    for ledger in ledgers().await {
        let simulator = simulator().await;
        let config = config(&simulator, "");
        let lanes = build_lanes(&routes(&config), &config).expect("lanes");
        assert_eq!(lanes.len(), 1, "the Salesforce system has a lane once configured");
        let deliverer = deliverer(&ledger.store, &config);
        ledger.store.insert_events(&[contact(1, true), contact(2, true)]).await.unwrap();

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
    for ledger in ledgers().await {
        let simulator = simulator().await;
        let config = config(&simulator, "");
        let deliverer = deliverer(&ledger.store, &config);
        // The mapping already holds records to the contract (lengths, picklists), so what the
        // org refuses here is its own rule: a second Contact with the same email.
        let mut duplicate = contact(3, true);
        duplicate.data["email"] = json!("learner1@example.com");
        ledger.store.insert_events(&[contact(1, true)]).await.unwrap();
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
