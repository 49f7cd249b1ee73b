//! Asynchronous deliveries (how the Salesforce Bulk path works), through the real worker step
//! and ledger with an adapter that hands out tickets: submitted deliveries spend no attempt,
//! come due when their results are to be collected, keep their ticket across a lost lease,
//! and end in the outcome `collect` reports.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{Duration as TimeDelta, Utc};
use switchyard::config::AdapterKind;
use switchyard::delivery::{Deliverer, SystemLane};
use switchyard::metrics::HubMetrics;
use switchyard::queue::JobCause;
use switchyard::store::{DeliveryState, Store};
use switchyard_adapters::{Adapter, BoxFuture, DeliveryItem, DeliveryOutcome, Health, RejectCode};

use crate::support::hub::{LEASE, lms_config, migrated_user, receiver, routes};
use crate::support::ledger::ledgers;

/// A downstream that takes every new batch as job `job-1`, then answers collects from a
/// script: per ticket, the outcome of each item by its event id.
#[derive(Debug, Default)]
struct JobDownstream {
    calls: Mutex<Vec<(String, Vec<String>)>>,
}

impl JobDownstream {
    fn calls(&self) -> Vec<(String, Vec<String>)> {
        self.calls.lock().unwrap().clone()
    }

    fn log(&self, call: &str, batch: &[DeliveryItem]) {
        let events = batch.iter().map(|item| item.event_id.clone()).collect();
        self.calls.lock().unwrap().push((call.to_owned(), events));
    }
}

impl Adapter for JobDownstream {
    fn deliver<'a>(&'a self, batch: &'a [DeliveryItem]) -> BoxFuture<'a, Vec<DeliveryOutcome>> {
        self.log("deliver", batch);
        Box::pin(async move {
            batch.iter().map(|_| DeliveryOutcome::submitted("job-1", Duration::from_secs(10))).collect()
        })
    }

    fn collect<'a>(
        &'a self,
        ticket: &'a str,
        batch: &'a [DeliveryItem],
    ) -> BoxFuture<'a, Vec<DeliveryOutcome>> {
        self.log(&format!("collect {ticket}"), batch);
        Box::pin(async move {
            batch
                .iter()
                .map(|item| match (ticket, item.event_id.as_str()) {
                    ("job-1", "user-0") => DeliveryOutcome::Delivered { downstream_id: Some("r-0".into()) },
                    ("job-1", "user-1") => DeliveryOutcome::submitted("job-2", Duration::from_secs(5)),
                    ("job-1", _) => {
                        DeliveryOutcome::rejected(RejectCode::Client, "row failed: REQUIRED_FIELD_MISSING")
                    }
                    _ => DeliveryOutcome::Delivered { downstream_id: Some("r-1".into()) },
                })
                .collect()
        })
    }

    fn health(&self) -> BoxFuture<'_, Health> {
        Box::pin(async { Health::Healthy })
    }
}

async fn state(store: &Store, event_id: &str) -> (DeliveryState, usize) {
    let trace = store.trace(event_id).await.unwrap();
    let delivery = &trace[0].deliveries[0];
    (delivery.delivery.state, delivery.attempts.len())
}

#[tokio::test]
async fn submitted_deliveries_are_collected_by_ticket_and_survive_a_lost_lease() {
    for ledger in ledgers().await {
        let receiver = receiver().await;
        let config = lms_config(&receiver, "");
        let downstream = Arc::new(JobDownstream::default());
        let lane = SystemLane::new(
            &"lms".parse().unwrap(),
            AdapterKind::Webhook,
            downstream.clone(),
            &routes(&config),
            &config,
        )
        .unwrap();
        let deliverer =
            Deliverer::new(ledger.store.clone(), vec![lane], "t".into(), LEASE, HubMetrics::new());
        let events: Vec<_> = (0..3).map(migrated_user).collect();
        ledger.store.insert_events(&events).await.unwrap();
        let start = Utc::now();

        let submitted = deliverer.deliver_due("lms", start).await.unwrap();
        assert_eq!((submitted.claimed, submitted.submitted, submitted.delivered), (3, 3, 0), "{submitted:?}");
        let collect_job = submitted.follow_ups.iter().find(|job| job.job.cause == JobCause::Collect);
        let collect_at = collect_job.and_then(|job| job.not_before).expect("a job to collect the results");
        assert!(collect_at >= start + TimeDelta::seconds(10), "{collect_at} vs {start}");
        for n in 0..3 {
            assert_eq!(state(&ledger.store, &format!("user-{n}")).await, (DeliveryState::Submitted, 0));
        }
        let early = deliverer.deliver_due("lms", start + TimeDelta::seconds(5)).await.unwrap();
        assert_eq!(early.claimed, 0, "nothing to collect before the check time");

        let collected = deliverer.deliver_due("lms", start + TimeDelta::seconds(11)).await.unwrap();
        assert_eq!(
            (collected.delivered, collected.rejected, collected.submitted),
            (1, 1, 1),
            "{collected:?}"
        );
        assert_eq!(state(&ledger.store, "user-0").await, (DeliveryState::Delivered, 1));
        assert_eq!(state(&ledger.store, "user-2").await, (DeliveryState::Rejected, 1));
        assert_eq!(state(&ledger.store, "user-1").await, (DeliveryState::Submitted, 0));

        // A worker claims the still-running one and dies: the sweeper hands it back submitted,
        // ticket and all, and the next step collects job-2 instead of sending it again.
        let later = start + TimeDelta::seconds(20);
        let claimed = ledger.store.claim_due("lms", 10, "dead-worker", LEASE, later).await.unwrap();
        assert_eq!(claimed.iter().map(|c| c.ticket.as_deref()).collect::<Vec<_>>(), [Some("job-2")]);
        let after_lease = later + TimeDelta::seconds(31);
        assert_eq!(ledger.store.release_expired_leases(after_lease).await.unwrap(), 1);
        assert_eq!(state(&ledger.store, "user-1").await, (DeliveryState::Submitted, 0));
        let finished = deliverer.deliver_due("lms", after_lease).await.unwrap();
        assert_eq!(finished.delivered, 1, "{finished:?}");
        assert_eq!(state(&ledger.store, "user-1").await, (DeliveryState::Delivered, 1));

        let calls = downstream.calls();
        let names: Vec<&str> = calls.iter().map(|(call, _)| call.as_str()).collect();
        assert_eq!(names, ["deliver", "collect job-1", "collect job-2"], "sent once, collected twice");
        assert_eq!(calls[1].1.len(), 3);
        assert_eq!(receiver.stats().requests, 0, "the webhook itself was never called");
        ledger.finish().await;
    }
}
