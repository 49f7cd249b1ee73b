//! Listing deliveries: filters, pagination, counts, and what a ledger failure answers.

use super::*;

#[tokio::test]
async fn deliveries_are_filtered_by_system_state_and_time() {
    let hub = spawn_ops_hub(ApiTokens::local()).await;
    hub.insert(&["e1", "e2", "e3", "e4"], &["crm", "lms"]).await;
    let before_any_attempt: DateTime<Utc> = Utc::now();
    hub.drive("crm", |event_id| match event_id {
        "e1" => Some(AttemptOutcome::Delivered { downstream_id: Some("003XYZ".into()) }),
        "e2" => dead(event_id),
        "e3" => Some(AttemptOutcome::Rejected { reason: "FIELD_CUSTOM_VALIDATION_EXCEPTION".into() }),
        _ => None,
    })
    .await;

    let crm = hub.get_json("/v1/deliveries?system=crm").await;
    let events: BTreeSet<&str> = column(&crm, "deliveries", "event_id").into_iter().collect();
    assert_eq!(events, BTreeSet::from(["e1", "e2", "e3", "e4"]));
    let ids = column(&crm, "deliveries", "id");
    assert!(ids.is_sorted(), "in id order: {ids:?}");
    let states: BTreeSet<&str> = column(&crm, "deliveries", "state").into_iter().collect();
    assert_eq!(states, BTreeSet::from(["delivered", "dead_lettered", "rejected", "in_flight"]));
    assert!(crm["deliveries"][0].get("data").is_none(), "a listing never carries event data");
    assert!(!crm.to_string().contains("example.com"));

    let dead = hub.get_json("/v1/deliveries?state=dead_lettered").await;
    assert_eq!(column(&dead, "deliveries", "event_id"), ["e2"]);
    assert_eq!(dead["deliveries"][0]["system"], "crm");
    assert_eq!(dead["deliveries"][0]["last_reason"], "attempts exhausted");
    assert_eq!(dead["deliveries"][0]["legacy_id"], "magento-e2");
    let leased = hub.get_json("/v1/deliveries?state=in_flight").await;
    assert_eq!(leased["deliveries"][0]["lease_owner"], "w1");
    let pending = hub.get_json("/v1/deliveries?system=lms&state=pending&limit=").await;
    assert_eq!(column(&pending, "deliveries", "system"), ["lms"; 4]);

    let since = before_any_attempt.to_rfc3339();
    let url =
        reqwest::Url::parse_with_params(&format!("{}/v1/deliveries", hub.base), [("since", since.as_str())])
            .unwrap();
    let changed: Value = hub.client.get(url).send().await.unwrap().json().await.unwrap();
    assert_eq!(column(&changed, "deliveries", "system"), ["crm"; 4], "only crm's deliveries changed since");
    let later = (Utc::now() + chrono::Duration::hours(1)).to_rfc3339().replace('+', "%2B");
    let none = hub.get_json(&format!("/v1/deliveries?since={later}")).await;
    assert_eq!(none["deliveries"], json!([]));
    assert_eq!(none["next_after"], Value::Null);

    let status = hub.get_json("/v1/deliveries/status").await;
    let counts = status["counts"].as_array().unwrap();
    assert!(counts.contains(&json!({"system": "lms", "state": "pending", "count": 4})), "{status:#}");
    assert!(counts.contains(&json!({"system": "crm", "state": "dead_lettered", "count": 1})));
}

#[tokio::test]
async fn pages_walk_every_delivery_once_in_id_order() {
    let hub = spawn_ops_hub(ApiTokens::local()).await;
    let ids: Vec<String> = (0..7).map(|i| format!("p{i}")).collect();
    hub.insert(&ids.iter().map(String::as_str).collect::<Vec<_>>(), &["crm"]).await;

    let mut seen = Vec::new();
    let mut page_sizes = Vec::new();
    let mut path = "/v1/deliveries?limit=3".to_owned();
    loop {
        let page = hub.get_json(&path).await;
        let page_ids: Vec<String> =
            column(&page, "deliveries", "id").into_iter().map(str::to_owned).collect();
        page_sizes.push(page_ids.len());
        seen.extend(page_ids);
        match page["next_after"].as_str() {
            Some(after) => path = format!("/v1/deliveries?limit=3&after={after}"),
            None => break,
        }
    }
    assert_eq!(page_sizes, [3, 3, 1]);
    let mut sorted = seen.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(seen, sorted, "every delivery once, in id order");
    assert_eq!(seen.len(), 7);
}

#[tokio::test]
async fn a_ledger_failure_is_a_503_with_a_stable_code_and_no_internal_detail() {
    let hub = spawn_ops_hub(ApiTokens::local()).await;
    hub.store.close().await;
    for (path, code) in [
        ("/v1/deliveries", "deliveries.unavailable"),
        ("/v1/trace/x", "trace.unavailable"),
        ("/v1/dead-letters", "dead-letters.unavailable"),
        ("/metrics", "metrics.unavailable"),
    ] {
        let response = hub.get(path, None).await;
        assert_eq!(response.headers()["retry-after"], "5", "{path}");
        let body = problem(response, StatusCode::SERVICE_UNAVAILABLE, code).await;
        assert_eq!(body["detail"], "the ledger is not available; try again shortly", "{path}");
    }
}
