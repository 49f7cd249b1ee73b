//! A wave-sized batch through the hub takes the Bulk API 2.0 path: the worker step submits
//! the Contacts' job, the deliveries wait `submitted`, and later steps (of another hub, here:
//! the first one is dropped mid-job) collect the results, start the Enrollments' job, and
//! finish every delivery; no record is created twice, and verification then reads them back.

use chrono::{Duration, Utc};
use switchyard::store::DeliveryState;
use switchyard_sandbox::RunningSimulator;
use switchyard_sandbox::salesforce::bulk_job::JobState;

use crate::support::ledger::ledgers;
use crate::support::salesforce::{config, contact, deliverer, delivery, enrollment, simulator};

const LEARNERS: usize = 5;

/// Waits for every Bulk job of the org to end (the simulator signals each one).
async fn jobs_done(simulator: &RunningSimulator) -> Vec<(String, JobState)> {
    let mut states = Vec::new();
    for job in simulator.bulk_jobs() {
        let state = simulator.job_finished(&job.id).await.expect("a known job");
        states.push((job.object, state));
    }
    states
}

#[tokio::test]
async fn a_bulk_batch_is_submitted_collected_by_another_hub_and_verified() {
    for ledger in ledgers().await {
        let simulator = simulator().await;
        let config = config(&simulator, "bulk_threshold = 4\nbulk_poll_interval_secs = 2");
        let mut events: Vec<_> = (0..LEARNERS).map(enrollment).collect();
        events.extend((0..LEARNERS).map(|n| contact(n, n != 0)));
        ledger.store.insert_events(&events).await.unwrap();
        let start = Utc::now();

        let first_hub = deliverer(&ledger.store, &config);
        let submitted = first_hub.deliver_due("salesforce", start).await.unwrap();
        assert_eq!((submitted.claimed, submitted.submitted), (2 * LEARNERS, 2 * LEARNERS), "{submitted:?}");
        assert_eq!(delivery(&ledger.store, "user-1").await.0, DeliveryState::Submitted);
        drop(first_hub);
        assert_eq!(jobs_done(&simulator).await, [("Contact".to_owned(), JobState::JobComplete)]);

        // Another hub collects: the Contacts are in, the Enrollments' job starts.
        let second_hub = deliverer(&ledger.store, &config);
        let contacts = second_hub.deliver_due("salesforce", start + Duration::seconds(3)).await.unwrap();
        assert_eq!((contacts.delivered, contacts.submitted), (LEARNERS, LEARNERS), "{contacts:?}");
        let jobs = jobs_done(&simulator).await;
        assert_eq!(
            jobs.iter().map(|(object, _)| object.as_str()).collect::<Vec<_>>(),
            ["Contact", "Enrollment__c"]
        );
        let enrollments = second_hub.deliver_due("salesforce", start + Duration::seconds(6)).await.unwrap();
        assert_eq!(enrollments.delivered, LEARNERS, "{enrollments:?}");
        assert_eq!(simulator.records("Contact").len(), LEARNERS);
        assert_eq!(simulator.records("Enrollment__c").len(), LEARNERS);
        for n in 0..LEARNERS {
            let (state, _) = delivery(&ledger.store, &format!("enrollment-{n}")).await;
            assert_eq!(state, DeliveryState::Delivered, "enrollment-{n}");
        }

        // Read back: learner 0 has no country, so the CRM flow failed silently for their enrollment.
        second_hub.verify_due("salesforce", start + Duration::seconds(10)).await.unwrap();
        let (state, evidence) = delivery(&ledger.store, "enrollment-0").await;
        assert_eq!(state, DeliveryState::SilentFailure, "{evidence}");
        assert_eq!(delivery(&ledger.store, "enrollment-1").await.0, DeliveryState::Confirmed);
        ledger.finish().await;
    }
}
