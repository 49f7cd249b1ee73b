//! Verification by read-back, end to end: the real worker step delivers contacts and their
//! enrollments to the org simulator, then reads them back against the catalog's
//! expectations. An enrollment whose CRM flow failed silently (its Contact has no country)
//! was accepted by the API, and the ledger says `silent_failure`, with the evidence.

use chrono::{Duration, Utc};
use switchyard::store::DeliveryState;

use crate::support::ledger::ledgers;
use crate::support::salesforce::{config, contact, deliverer, delivery, enrollment, payment, simulator};

#[tokio::test]
async fn a_silent_flow_failure_is_found_by_reading_back_and_recorded_with_its_evidence() {
    for ledger in ledgers().await {
        let simulator = simulator().await;
        let config = config(&simulator, "");
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
        let config = config(&simulator, "");
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

#[tokio::test]
async fn a_learner_with_an_enrollment_and_a_payment_is_delivered_and_confirmed() {
    for ledger in ledgers().await {
        let simulator = simulator().await;
        let config = config(&simulator, "");
        let deliverer = deliverer(&ledger.store, &config);
        // The payment and enrollment arrive before their learner: parents still go first.
        ledger.store.insert_events(&[payment(7), enrollment(7), contact(7, true)]).await.unwrap();
        let report = deliverer.deliver_due("salesforce", Utc::now()).await.unwrap();
        assert_eq!(report.delivered, 3, "{report:?}");
        let payments = simulator.records("Payment__c");
        let contacts = simulator.records("Contact");
        assert_eq!(payments[0]["Contact__c"], contacts[0]["Id"], "the payment is linked to the learner");
        assert_eq!(payments[0]["Amount__c"], 298.5);

        deliverer.verify_due("salesforce", Utc::now() + Duration::seconds(1)).await.unwrap();
        for event in ["user-7", "enrollment-7", "payment-7"] {
            assert_eq!(delivery(&ledger.store, event).await.0, DeliveryState::Confirmed, "{event}");
        }
        ledger.finish().await;
    }
}
