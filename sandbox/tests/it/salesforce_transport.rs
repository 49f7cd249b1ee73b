//! Faults a client sees below HTTP status codes, and the concurrent long-request limit: a
//! timed-out call (the write happened, the answer came too late), a dropped connection (no
//! answer, nothing written), both reproducible by seed, and `ConcurrentPerOrgLongTxn` once too
//! many calls have run long.

use std::time::Duration;

use serde_json::Value;
use switchyard_sandbox::salesforce::{FaultConfig, OrgConfig};

use crate::helpers::{Org, contact_body, json, org_with};

fn org_config(faults: FaultConfig) -> OrgConfig {
    let mut config = OrgConfig::e_learning();
    config.faults = faults;
    config
}

async fn upsert(org: &Org, client: &reqwest::Client, legacy_id: &str) -> Result<u16, reqwest::Error> {
    client
        .patch(org.url(&format!("/sobjects/Contact/Legacy_Id__c/{legacy_id}")))
        .bearer_auth(&org.token)
        .json(&contact_body(legacy_id))
        .send()
        .await
        .map(|response| response.status().as_u16())
}

#[tokio::test]
async fn a_timed_out_call_still_writes_and_the_client_gets_a_timeout() {
    let org = org_with(org_config(FaultConfig {
        timeout_rate: 1.0,
        timeout_hold_ms: 5_000,
        ..FaultConfig::default()
    }))
    .await;
    let impatient = reqwest::Client::builder().timeout(Duration::from_millis(300)).build().expect("client");
    let err =
        upsert(&org, &impatient, "t-1").await.expect_err("the answer is held past the client's timeout");
    assert!(err.is_timeout(), "{err:?}");
    // The dangerous case a client must survive: the record was written all the same.
    let records = org.sim.records("Contact");
    assert_eq!(records.len(), 1);
    assert_eq!(records[0]["Legacy_Id__c"], "t-1");
    assert_eq!(org.sim.stats().injected_timeouts, 1);
}

#[tokio::test]
async fn a_dropped_connection_gives_a_connection_error_and_writes_nothing() {
    let org = org_with(org_config(FaultConfig { drop_connection_rate: 1.0, ..FaultConfig::default() })).await;
    let client = reqwest::Client::new();
    let err = upsert(&org, &client, "d-1").await.expect_err("no answer at all");
    assert!(!err.is_timeout() && err.status().is_none(), "{err:?}");
    assert!(err.is_request() || err.is_connect() || err.is_body(), "a transport error: {err:?}");
    assert!(org.sim.records("Contact").is_empty());
    let stats = org.sim.stats();
    assert_eq!(stats.injected_dropped_connections, 1);
    assert_eq!(stats.api_calls, 0, "a dropped call is not counted");
}

/// What ten upserts saw under a 50% drop rate: `Some(status)` or `None` for a dropped one.
async fn drops(seed: u64) -> Vec<Option<u16>> {
    let org =
        org_with(org_config(FaultConfig { seed, drop_connection_rate: 0.5, ..FaultConfig::default() })).await;
    let client = reqwest::Client::new();
    let mut seen = Vec::new();
    for i in 0..10 {
        seen.push(upsert(&org, &client, &format!("s-{i}")).await.ok());
    }
    seen
}

#[tokio::test]
async fn dropped_connections_are_reproducible_by_seed() {
    let first = drops(11).await;
    assert_eq!(first, drops(11).await);
    assert!(first.contains(&None) && first.contains(&Some(201)), "{first:?}");
}

#[tokio::test]
async fn too_many_long_calls_refuse_new_ones_with_concurrent_per_org_long_txn() {
    let mut config = org_config(FaultConfig { latency_fixed_ms: 800, ..FaultConfig::default() });
    config.max_long_requests = 2;
    let org = org_with(config).await;
    let slow = |id: &'static str| {
        let http = org.http.clone();
        let url = org.url(&format!("/sobjects/Contact/Legacy_Id__c/{id}"));
        let token = org.token.clone();
        tokio::spawn(async move {
            http.patch(url)
                .bearer_auth(token)
                .json(&contact_body(id))
                .send()
                .await
                .map(|r| r.status().as_u16())
        })
    };
    let (first, second) = (slow("l-1"), slow("l-2"));
    org.sim.wait_for_running_calls(2).await;
    // Both have now run for the long-request threshold (20 s) on the org's clock.
    org.sim.advance_clock(Duration::from_secs(20));
    let (status, body) = json(org.get("/sobjects/Contact/describe").await).await;
    assert_eq!(status, 403);
    assert_eq!(body[0]["errorCode"], Value::from("REQUEST_LIMIT_EXCEEDED"));
    assert_eq!(body[0]["message"], Value::from("ConcurrentPerOrgLongTxn Limit exceeded."));

    assert_eq!(first.await.expect("task").expect("answered"), 201);
    assert_eq!(second.await.expect("task").expect("answered"), 201);
    // Once the long calls end, new calls run again.
    assert_eq!(org.get("/sobjects/Contact/describe").await.status(), 200);
    assert_eq!(org.sim.stats().refused_long_requests, 1);
}
