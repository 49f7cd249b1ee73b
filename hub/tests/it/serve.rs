//! `switchyard serve` as a script runs it: the real binary on a free port, events over HTTP,
//! graceful shutdown on SIGTERM, and the ledger holding every accepted event with one pending
//! delivery per routed system.

use std::path::Path;
use std::process::Command;

use serde_json::Value;
use switchyard::store::{DeliveryState, Store};

use crate::support::process::Hub;

fn fixture_events(system: &str, mapping: &str) -> Vec<Value> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(format!("../contracts/catalog/systems/{system}/fixtures/{mapping}.json"));
    let cases: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(path).expect("fixture")).expect("json");
    cases.into_iter().map(|case| case["event"].clone()).collect()
}

/// Posts `batch` in CloudEvents batched mode.
async fn post_batch(hub: &Hub, batch: &[Value]) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("{}/v1/events", hub.url))
        .header("content-type", "application/cloudevents-batch+json")
        .body(serde_json::to_vec(batch).unwrap())
        .send()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn accepted_events_are_in_the_ledger_with_a_delivery_per_routed_system() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let dir = tempfile::tempdir().unwrap();
    let hub = Hub::start(dir.path(), &[]).expect("the hub starts on defaults");
    let enrollments = fixture_events("salesforce", "enrollment-from-enrollment-created-v2");
    let users = fixture_events("salesforce", "contact-from-user-migrated");
    let mut batch: Vec<Value> = enrollments.clone();
    batch.extend(users.iter().take(3).cloned());
    let response = post_batch(&hub, &batch).await;
    assert_eq!(response.status(), 202);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["accepted"].as_array().map(Vec::len), Some(batch.len()));
    assert_eq!(hub.stop(), Some(0), "SIGTERM stops the hub gracefully");

    let store = Store::open_sqlite(dir.path()).await.unwrap();
    let counts = store.state_counts().await.unwrap();
    let pending = |system: &str| {
        counts
            .iter()
            .filter(|c| c.system == system && c.state == DeliveryState::Pending)
            .map(|c| c.count)
            .sum::<u64>()
    };
    // enrollment.created@v2 goes to Salesforce and the LMS; user.migrated@v1 to both too.
    assert_eq!(pending("salesforce"), batch.len() as u64);
    assert_eq!(pending("lms"), batch.len() as u64);
    let trace = store.trace("100234").await.unwrap();
    assert!(!trace.is_empty(), "a migrated user is found by their legacy id");
    store.close().await;

    // Ops read the same ledger from the command line.
    let data_dir = dir.path().to_str().unwrap();
    let output = switchyard(&["trace", "100234", "--data-dir", data_dir]);
    assert_eq!(output.status.code(), Some(0));
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        text.contains("legacy id 100234")
            && text.contains("-> salesforce via contact-from-user-migrated: pending"),
        "{text}"
    );
    let output = switchyard(&["deliveries", "status", "--format", "json", "--data-dir", data_dir]);
    let counts: Value = serde_json::from_slice(&output.stdout).expect("json");
    let lms_pending =
        counts.as_array().unwrap().iter().find(|c| c["system"] == "lms" && c["state"] == "pending");
    assert_eq!(lms_pending.map(|c| c["count"].clone()), Some(Value::from(batch.len())));
    let output = switchyard(&["dead-letters", "list", "--data-dir", data_dir]);
    assert!(String::from_utf8_lossy(&output.stdout).contains("0 dead letter(s)"));
    let output = switchyard(&["dead-letters", "redrive", "--data-dir", data_dir]);
    assert_eq!(output.status.code(), Some(2), "redrive needs a selection");
    let output = switchyard(&["trace", "no-such-user", "--data-dir", data_dir]);
    assert_eq!(output.status.code(), Some(1));
}

#[tokio::test(flavor = "multi_thread")]
async fn served_events_reach_the_webhook_system_signed_and_end_delivered_in_the_ledger() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let receiver = crate::support::hub::receiver().await;
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("switchyard.toml");
    std::fs::write(
        &config,
        format!(
            "[workers]\npoll_interval = \"20ms\"\n\
             [systems.lms]\nadapter = \"webhook\"\n\
             [systems.lms.webhook]\nurl = \"{}\"\nsecrets = [\"{}\"]\nallow_list = [\"127.0.0.0/8\"]\n\
             rate_limit_per_second = 10000\n",
            receiver.url(),
            crate::support::hub::SECRET
        ),
    )
    .unwrap();
    let hub = Hub::start(dir.path(), &["--config", config.to_str().unwrap()]).expect("the hub starts");
    let mut batch = fixture_events("salesforce", "enrollment-from-enrollment-created-v2");
    batch.extend(fixture_events("salesforce", "contact-from-user-migrated"));
    let response = post_batch(&hub, &batch).await;
    assert_eq!(response.status(), 202);

    let arrived = tokio::time::timeout(
        std::time::Duration::from_secs(60),
        receiver.wait_until(|stats| stats.items.len() == batch.len()),
    )
    .await
    .expect("every event reaches the LMS");
    assert_eq!(arrived.refused, 0, "every request verified against the signing secret");
    assert_eq!(arrived.duplicate_messages, 0);
    assert_eq!(hub.stop(), Some(0));

    let store = Store::open_sqlite(dir.path()).await.unwrap();
    let counts = store.state_counts().await.unwrap();
    let count = |system: &str, state: DeliveryState| {
        counts.iter().filter(|c| c.system == system && c.state == state).map(|c| c.count).sum::<u64>()
    };
    assert_eq!(count("lms", DeliveryState::Delivered), batch.len() as u64);
    // Salesforce has no adapter configured: its deliveries wait, recorded, attempts unspent.
    assert_eq!(count("salesforce", DeliveryState::Pending), batch.len() as u64);
    store.close().await;
}

fn switchyard(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_switchyard")).args(args).output().expect("run switchyard")
}

#[test]
fn the_hub_refuses_to_start_on_a_route_to_a_system_the_map_does_not_know() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("switchyard.toml");
    std::fs::write(&config, "[systems.billing]\nadapter = \"webhook\"\n").unwrap();
    let err = Hub::start(dir.path(), &["--config", config.to_str().unwrap()]).err().expect("refused");
    assert!(err.starts_with("exit Some(2)") && err.contains("billing"), "{err}");
}

#[test]
fn binding_beyond_loopback_without_tokens_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_switchyard"))
        .args(["serve", "--listen", "0.0.0.0:0", "--data-dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("without API tokens"));
}
