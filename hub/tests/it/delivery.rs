//! The delivery worker's step against a real webhook receiver on loopback and a real ledger:
//! batches arrive signed, outcomes land in the ledger, retries are scheduled, dead letters and
//! rejections keep their reasons, deferrals spend no attempt, and the circuit holds batches
//! back without spending attempts.

use chrono::{Duration as TimeDelta, Utc};
use switchyard::queue::JobCause;
use switchyard::store::{DeliveryState, Store};

use crate::support::hub::{deliverer, lms_config, migrated_user, receiver};
use crate::support::ledger::ledgers;

async fn states(store: &Store, event_ids: &[String]) -> Vec<(DeliveryState, i64)> {
    let mut states = Vec::new();
    for event_id in event_ids {
        let trace = store.trace(event_id).await.unwrap();
        let delivery = &trace[0].deliveries[0];
        states.push((delivery.delivery.state, delivery.attempts.len() as i64));
    }
    states
}

async fn insert_users(store: &Store, count: usize) -> Vec<String> {
    let events: Vec<_> = (0..count).map(migrated_user).collect();
    store.insert_events(&events).await.unwrap();
    events.into_iter().map(|event| event.event_id).collect()
}

#[tokio::test]
async fn a_batch_is_delivered_signed_and_recorded() {
    for ledger in ledgers().await {
        let receiver = receiver().await;
        let config = lms_config(&receiver, "[systems.lms.delivery]\nbatch_size = 3\n");
        let deliverer = deliverer(&ledger.store, &config);
        let ids = insert_users(&ledger.store, 5).await;

        let first = deliverer.deliver_due("lms", Utc::now()).await.unwrap();
        assert_eq!((first.claimed, first.delivered), (3, 3), "{first:?}");
        assert_eq!(first.follow_ups.len(), 1, "a full batch asks for a continuation: {first:?}");
        let second = deliverer.deliver_due("lms", Utc::now()).await.unwrap();
        assert_eq!((second.claimed, second.delivered), (2, 2), "{second:?}");
        assert!(second.follow_ups.is_empty(), "{second:?}");

        let stats = receiver.stats();
        assert_eq!((stats.requests, stats.refused, stats.unique_messages), (5, 0, 5));
        assert!(stats.items.values().all(|times| *times == 1), "{:?}", stats.items);
        assert_eq!(states(&ledger.store, &ids).await, vec![(DeliveryState::Delivered, 1); 5]);
        ledger.finish().await;
    }
}

#[tokio::test]
async fn a_failing_downstream_gets_retries_then_a_dead_letter_with_the_last_reason() {
    for ledger in ledgers().await {
        let receiver = receiver().await;
        let config = lms_config(
            &receiver,
            "[systems.lms.delivery]\nretry_schedule = [\"10s\"]\nmax_attempts = 2\n\
             [systems.lms.circuit]\nmin_requests = 5\nwindow = 5\n",
        );
        let deliverer = deliverer(&ledger.store, &config);
        let ids = insert_users(&ledger.store, 1).await;
        receiver.script([(503, None), (503, None)]);

        let now = Utc::now();
        let first = deliverer.deliver_due("lms", now).await.unwrap();
        assert_eq!(first.retried, 1, "{first:?}");
        let retry_job = first.follow_ups.iter().find_map(|job| job.not_before).expect("a retry job");
        assert!(retry_job >= now + TimeDelta::seconds(8), "retry job at {retry_job}");
        // Not due yet: nothing to claim.
        assert_eq!(deliverer.deliver_due("lms", now + TimeDelta::seconds(1)).await.unwrap().claimed, 0);

        let second = deliverer.deliver_due("lms", now + TimeDelta::seconds(13)).await.unwrap();
        assert_eq!(second.dead_lettered, 1, "{second:?}");
        let dead = ledger.store.dead_letters(&Default::default()).await.unwrap();
        assert_eq!(dead.len(), 1);
        assert_eq!(dead[0].attempts, 2);
        let reason = dead[0].last_reason.as_deref().unwrap_or_default();
        assert!(reason.contains("attempts exhausted (2 of 2)") && reason.contains("503"), "{reason}");
        assert_eq!(states(&ledger.store, &ids).await, vec![(DeliveryState::DeadLettered, 2)]);
        ledger.finish().await;
    }
}

#[tokio::test]
async fn a_refused_record_is_rejected_with_the_downstream_reason() {
    for ledger in ledgers().await {
        let receiver = receiver().await;
        let deliverer = deliverer(&ledger.store, &lms_config(&receiver, ""));
        let ids = insert_users(&ledger.store, 2).await;
        receiver.script([(422, None)]);

        let report = deliverer.deliver_due("lms", Utc::now()).await.unwrap();
        assert_eq!((report.rejected, report.delivered), (1, 1), "{report:?}");
        let mut found = states(&ledger.store, &ids).await;
        found.sort();
        assert_eq!(found, vec![(DeliveryState::Delivered, 1), (DeliveryState::Rejected, 1)]);
        let traces = ledger.store.trace(&ids[0]).await.unwrap();
        let traces = if traces[0].deliveries[0].delivery.state == DeliveryState::Rejected {
            traces
        } else {
            ledger.store.trace(&ids[1]).await.unwrap()
        };
        let attempt = &traces[0].deliveries[0].attempts[0];
        assert_eq!(attempt.code.as_deref(), Some("client_error"));
        assert!(attempt.summary.contains("422"), "{}", attempt.summary);
        ledger.finish().await;
    }
}

#[tokio::test]
async fn the_endpoint_rate_limit_defers_without_spending_attempts() {
    for ledger in ledgers().await {
        let receiver = receiver().await;
        let mut config = lms_config(&receiver, "[systems.lms.delivery]\nbatch_size = 3\n");
        if let Some(webhook) = config.systems.values_mut().next().and_then(|system| system.webhook.as_mut()) {
            webhook.rate_limit_per_second = 1;
            webhook.max_concurrency = 1;
        }
        let deliverer = deliverer(&ledger.store, &config);
        let ids = insert_users(&ledger.store, 3).await;

        let report = deliverer.deliver_due("lms", Utc::now()).await.unwrap();
        assert_eq!((report.delivered, report.deferred), (1, 2), "{report:?}");
        assert!(
            report.follow_ups.iter().any(|job| job.not_before.is_some()),
            "a job for when the limit frees"
        );
        // A full batch, but the limit is spent: no continuation that would only defer more.
        assert!(report.follow_ups.iter().all(|job| job.job.cause != JobCause::Continue), "{report:?}");
        let mut found = states(&ledger.store, &ids).await;
        found.sort();
        assert_eq!(
            found,
            vec![(DeliveryState::Pending, 0), (DeliveryState::Pending, 0), (DeliveryState::Delivered, 1)]
        );
        assert_eq!(receiver.stats().requests, 1, "deferred items were never sent");
        ledger.finish().await;
    }
}

#[tokio::test]
async fn an_open_circuit_holds_deliveries_without_spending_attempts_and_a_probe_closes_it() {
    for ledger in ledgers().await {
        let receiver = receiver().await;
        let config = lms_config(
            &receiver,
            "[systems.lms.delivery]\nbatch_size = 1\nretry_schedule = [\"0s\"]\nmax_attempts = 10\n\
             [systems.lms.circuit]\nwindow = 2\nmin_requests = 2\nfailure_rate = 1.0\nopen_for = \"30s\"\n",
        );
        let deliverer = deliverer(&ledger.store, &config);
        let ids = insert_users(&ledger.store, 3).await;
        receiver.script([(503, None), (503, None)]);

        let now = Utc::now();
        for _ in 0..2 {
            assert_eq!(deliverer.deliver_due("lms", now).await.unwrap().retried, 1);
        }
        let held = deliverer.deliver_due("lms", now + TimeDelta::seconds(1)).await.unwrap();
        let until = held.circuit_wait.expect("the circuit is open");
        assert_eq!(held.claimed, 0);
        assert_eq!(held.follow_ups[0].not_before, Some(until), "a job for when it half-opens");
        // Every other job that finds it open ends without pushing another: an outage never
        // multiplies the queue's jobs.
        let again = deliverer.deliver_due("lms", now + TimeDelta::seconds(2)).await.unwrap();
        assert_eq!((again.circuit_wait, again.follow_ups.len()), (Some(until), 0), "{again:?}");
        let attempts: i64 = states(&ledger.store, &ids).await.iter().map(|(_, attempts)| attempts).sum();
        assert_eq!(attempts, 2, "no attempt was spent while the circuit was open");

        // After open_for, one probe goes through; the downstream has recovered and it closes.
        let probe = deliverer.deliver_due("lms", now + TimeDelta::seconds(31)).await.unwrap();
        assert_eq!(probe.delivered, 1, "{probe:?}");
        let after = deliverer.deliver_due("lms", now + TimeDelta::seconds(32)).await.unwrap();
        assert!(after.circuit_wait.is_none() && after.delivered == 1, "{after:?}");
        ledger.finish().await;
    }
}
