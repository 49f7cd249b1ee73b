//! Dead letters: listed, shown, redriven back to pending with their history kept.

use super::*;

#[tokio::test]
async fn a_redriven_dead_letter_is_pending_again_with_its_history_in_the_trace() {
    let hub = spawn_ops_hub(tokens()).await;
    hub.insert(&["d1", "d2"], &["crm"]).await;
    hub.drive("crm", dead).await;
    let d1 = hub.delivery_id("d1", "crm").await;

    let listed: Value = hub.get("/v1/dead-letters?system=crm", Some(VIEWER)).await.json().await.unwrap();
    let letters: BTreeSet<&str> = column(&listed, "dead_letters", "event_id").into_iter().collect();
    assert_eq!(letters, BTreeSet::from(["d1", "d2"]));
    assert_eq!(listed["dead_letters"][0]["last_reason"], "attempts exhausted");
    let shown: Value = hub.get(&format!("/v1/dead-letters/{d1}"), Some(VIEWER)).await.json().await.unwrap();
    assert_eq!(shown["dead_letter"]["delivery_id"], d1.as_str());
    assert_eq!(shown["attempts"][0]["outcome"], "dead_lettered");

    let response = hub.redrive(&json!({"id": d1}), Some(OPS)).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.json::<Value>().await.unwrap(), json!({"redriven": 1}));

    let listed: Value = hub.get("/v1/dead-letters", Some(VIEWER)).await.json().await.unwrap();
    assert_eq!(column(&listed, "dead_letters", "event_id"), ["d2"], "d1 is no longer a dead letter");
    problem(
        hub.get(&format!("/v1/dead-letters/{d1}"), Some(VIEWER)).await,
        StatusCode::NOT_FOUND,
        "dead-letter.not-found",
    )
    .await;

    let trace: Value = hub.get(&format!("/v1/trace/{d1}"), Some(VIEWER)).await.json().await.unwrap();
    let delivery = &trace["events"][0]["deliveries"][0];
    assert_eq!(delivery["delivery"]["state"], "pending");
    assert!(delivery["delivery"]["redriven_at"].is_string());
    assert_eq!(delivery["attempts"].as_array().unwrap().len(), 1, "the attempt history is kept");
    assert_eq!(delivery["attempts"][0]["outcome"], "dead_lettered");
    let again = hub.store.claim_due("crm", 10, "w2", LEASE, Utc::now()).await.unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!((again[0].attempts, again[0].attempts_since_redrive), (1, 0), "a fresh retry budget");

    let all = hub.redrive(&json!({"all": true}), Some(OPS)).await;
    assert_eq!(all.json::<Value>().await.unwrap(), json!({"redriven": 1}));
}
