//! The adapter under the org's concurrency limit and transport faults: `ConcurrentPerOrgLongTxn`
//! backs off briefly (it is not the daily allowance), a timed-out or dropped call is retried
//! later, and a retried upsert never duplicates the record the timed-out call wrote.

use std::time::Duration;

use switchyard_adapters::salesforce::SalesforceAdapter;
use switchyard_adapters::salesforce::classify::{DAILY_LIMIT_RETRY_AFTER, LONG_TXN_RETRY_AFTER};
use switchyard_adapters::{Adapter, DeliveryOutcome};
use switchyard_sandbox::salesforce::{FaultConfig, OrgConfig, RunningSimulator, SalesforceSimulator};

use crate::{CLIENT_SECRET, config, fixture_contacts, items};

async fn start(org: OrgConfig) -> RunningSimulator {
    let _ = rustls::crypto::ring::default_provider().install_default();
    SalesforceSimulator::start(([127, 0, 0, 1], 0).into(), org).await.expect("simulator starts")
}

#[tokio::test]
async fn the_long_request_limit_backs_off_and_is_not_the_daily_allowance() {
    let mut org = OrgConfig::e_learning();
    org.max_long_requests = 1;
    org.faults = FaultConfig { latency_fixed_ms: 500, ..FaultConfig::default() };
    let sim = start(org).await;
    let adapter = SalesforceAdapter::new(config(&sim, CLIENT_SECRET)).expect("valid");
    let contacts = fixture_contacts();

    // Another client's call is under way and, 20 s on the org's clock later, counts as long.
    let busy = {
        let batch = items(&contacts[..1]);
        let other = SalesforceAdapter::new(config(&sim, CLIENT_SECRET)).expect("valid");
        tokio::spawn(async move { other.deliver(&batch).await })
    };
    sim.wait_for_running_calls(1).await;
    sim.advance_clock(Duration::from_secs(20));

    let outcomes = adapter.deliver(&items(&contacts[1..])).await;
    for outcome in &outcomes {
        let DeliveryOutcome::Retry { after: Some(after), reason } = outcome else {
            panic!("expected a retry with a delay, got {outcome:?}");
        };
        assert_eq!(*after, LONG_TXN_RETRY_AFTER, "{reason}");
        assert_ne!(*after, DAILY_LIMIT_RETRY_AFTER);
        assert!(reason.contains("ConcurrentPerOrgLongTxn"), "{reason}");
    }
    assert!(busy.await.expect("task").iter().all(DeliveryOutcome::is_delivered));
    assert_eq!(sim.stats().refused_long_requests, 1);
    assert_eq!(sim.stats().refused_limit, 0, "the daily allowance was never touched");
    // Backing off works: once the long call ended, the same batch goes through.
    let again = adapter.deliver(&items(&contacts[1..])).await;
    assert!(again.iter().all(DeliveryOutcome::is_delivered), "{again:?}");
}

#[tokio::test]
async fn a_timed_out_upsert_is_retried_later_without_a_duplicate() {
    let mut org = OrgConfig::e_learning();
    org.faults = FaultConfig { timeout_rate: 1.0, timeout_hold_ms: 3_000, ..FaultConfig::default() };
    let sim = start(org).await;
    let adapter =
        SalesforceAdapter::new(crate::SalesforceConfig { timeout_ms: 300, ..config(&sim, CLIENT_SECRET) })
            .expect("valid");
    let contacts = fixture_contacts();
    let outcomes = adapter.deliver(&items(&contacts[..2])).await;
    assert!(outcomes.iter().all(DeliveryOutcome::is_retry), "{outcomes:?}");
    assert_eq!(sim.records("Contact").len(), 2, "the timed-out call wrote anyway");

    // The hub retries later, once the org answers in time: the upsert by external id
    // updates the records the timed-out call wrote, with the same ids.
    let first_ids: Vec<_> = sim.records("Contact").iter().map(|r| r["Id"].clone()).collect();
    sim.set_fault_rates(&FaultConfig::default());
    let retried = adapter.deliver(&items(&contacts[..2])).await;
    assert!(retried.iter().all(DeliveryOutcome::is_delivered), "{retried:?}");
    let records = sim.records("Contact");
    assert_eq!(records.len(), 2, "redelivery does not duplicate");
    assert_eq!(records.iter().map(|r| r["Id"].clone()).collect::<Vec<_>>(), first_ids);
}

#[tokio::test]
async fn a_dropped_connection_is_retried() {
    let mut org = OrgConfig::e_learning();
    org.faults = FaultConfig { drop_connection_rate: 1.0, ..FaultConfig::default() };
    let sim = start(org).await;
    let adapter = SalesforceAdapter::new(config(&sim, CLIENT_SECRET)).expect("valid");
    let outcomes = adapter.deliver(&items(&fixture_contacts())).await;
    assert!(outcomes.iter().all(DeliveryOutcome::is_retry), "{outcomes:?}");
    assert!(sim.records("Contact").is_empty());
    assert!(sim.stats().injected_dropped_connections >= 1);
}
