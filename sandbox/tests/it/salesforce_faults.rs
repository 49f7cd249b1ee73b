//! Seeded faults: 503 `SERVER_UNAVAILABLE` on whole calls and `UNABLE_TO_LOCK_ROW` on records,
//! the same for the same seed.

use serde_json::{Value, json};
use switchyard_sandbox::salesforce::{FaultConfig, OrgConfig};

use crate::helpers::{contact_body, json, org_with};

fn faulty(seed: u64) -> OrgConfig {
    let mut config = OrgConfig::e_learning();
    config.faults =
        FaultConfig { seed, server_unavailable_rate: 0.3, lock_row_rate: 0.2, ..FaultConfig::default() };
    config
}

/// Sends the same ten collection calls and returns what the client saw: each call's status
/// and each record's error code (or "ok").
async fn outcomes(seed: u64) -> (Vec<(u16, Vec<String>)>, u64) {
    let org = org_with(faulty(seed)).await;
    let mut seen = Vec::new();
    for call in 0..10 {
        let records: Vec<Value> = (0..5)
            .map(|i| {
                let id = format!("{call}-{i}");
                let mut record = contact_body(&id);
                record["attributes"] = json!({"type": "Contact"});
                record["Legacy_Id__c"] = json!(id);
                record
            })
            .collect();
        let response =
            org.patch("/composite/sobjects/Contact/Legacy_Id__c", json!({"records": records})).await;
        assert!(response.headers().contains_key("sforce-limit-info"));
        let (status, body) = json(response).await;
        let codes = match status {
            200 => body
                .as_array()
                .expect("results")
                .iter()
                .map(|r| r["errors"][0]["statusCode"].as_str().unwrap_or("ok").to_owned())
                .collect(),
            _ => vec![body[0]["errorCode"].as_str().unwrap_or("?").to_owned()],
        };
        seen.push((status, codes));
    }
    (seen, org.sim.stats().injected_lock_row)
}

#[tokio::test]
async fn the_same_seed_gives_the_same_faults() {
    let (first, locked) = outcomes(42).await;
    assert_eq!(outcomes(42).await, (first.clone(), locked));
    assert_ne!(outcomes(43).await.0, first);
    assert!(first.contains(&(503, vec!["SERVER_UNAVAILABLE".to_owned()])), "{first:?}");
    let lock_errors =
        first.iter().flat_map(|(_, codes)| codes).filter(|c| *c == "UNABLE_TO_LOCK_ROW").count();
    assert!(lock_errors > 0, "{first:?}");
    assert_eq!(lock_errors as u64, locked);
}

#[tokio::test]
async fn faults_are_off_in_the_shipped_org() {
    let (seen, locked) = {
        let org = org_with(OrgConfig::e_learning()).await;
        for i in 0..20 {
            org.contact(&i.to_string()).await;
        }
        let stats = org.sim.stats();
        ((stats.injected_server_unavailable, stats.records["Contact"]), stats.injected_lock_row)
    };
    assert_eq!((seen, locked), ((0, 20), 0));
}

#[tokio::test]
async fn the_latency_model_slows_calls_by_fixed_plus_per_record_time() {
    let mut config = OrgConfig::e_learning();
    config.faults = FaultConfig { latency_fixed_ms: 20, latency_per_record_ms: 4, ..FaultConfig::default() };
    let org = org_with(config).await;
    let records: Vec<Value> = (0..10)
        .map(|i| {
            let mut record = contact_body(&i.to_string());
            record["Legacy_Id__c"] = json!(i.to_string());
            record
        })
        .collect();
    let started = std::time::Instant::now();
    let (status, _) =
        json(org.patch("/composite/sobjects/Contact/Legacy_Id__c", json!({"records": records})).await).await;
    assert_eq!(status, 200);
    // 20 ms fixed + 10 records x 4 ms: the simulator's floor for this call.
    assert!(started.elapsed() >= std::time::Duration::from_millis(60), "{:?}", started.elapsed());
}
