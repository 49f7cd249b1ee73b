//! What ops watch: Prometheus metrics (recorded and from the ledger) and the systems' circuits.

use super::*;

#[tokio::test]
async fn metrics_show_recorded_counters_and_ledger_gauges() {
    let hub = spawn_ops_hub(tokens()).await;
    hub.insert(&["m1", "m2", "m3"], &["crm"]).await;
    hub.drive("crm", |event_id| {
        (event_id == "m1").then_some(AttemptOutcome::Delivered { downstream_id: None })
    })
    .await;
    hub.metrics.outcomes("crm", OutcomeKind::Delivered, 1);
    hub.metrics.batch_duration("crm", 0.2);

    let response = hub.get("/metrics", Some(VIEWER)).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers()[CONTENT_TYPE].to_str().unwrap().starts_with("text/plain; version=0.0.4"));
    let text = response.text().await.unwrap();
    let lines: Vec<&str> = text.lines().collect();
    for expected in [
        "switchyard_delivery_outcomes_total{system=\"crm\",outcome=\"delivered\"} 1",
        "switchyard_batch_duration_seconds_count{system=\"crm\"} 1",
        "switchyard_deliveries{system=\"crm\",state=\"delivered\"} 1",
        "switchyard_deliveries{system=\"crm\",state=\"in_flight\"} 2",
        "switchyard_deliveries{system=\"crm\",state=\"pending\"} 0",
        "# TYPE switchyard_deliveries gauge",
    ] {
        assert!(lines.contains(&expected), "missing {expected:?} in\n{text}");
    }
}

#[tokio::test]
async fn systems_show_their_adapter_configuration_and_circuit() {
    let hub = spawn_ops_hub(ApiTokens::local()).await;
    let until: DateTime<Utc> = "2026-11-24T09:00:00Z".parse().unwrap();
    let open =
        CircuitSnapshot { state: CircuitState::Open { until }, failure_rate: 0.8, recent_outcomes: 20 };
    hub.metrics.circuit("crm", &open);

    let listed = hub.get_json("/v1/systems").await;
    assert_eq!(
        listed["systems"],
        json!([
            {"system": "crm", "adapter": "salesforce", "configured": true,
             "circuit": {"state": "open", "until": "2026-11-24T09:00:00Z", "failure_rate": 0.8, "recent_outcomes": 20}},
            {"system": "lms", "adapter": "webhook", "configured": false, "circuit": null},
        ])
    );
}

#[tokio::test]
async fn ingest_counts_accepted_and_duplicate_events_into_the_metrics() {
    let hub = spawn_ops_hub(ApiTokens::local()).await;
    let path = Catalog::shipped_root()
        .join("systems/salesforce/fixtures/enrollment-from-enrollment-created-v2.json");
    let cases: Vec<Value> = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let batch = json!([cases[0]["event"], cases[1]["event"], cases[0]["event"]]);
    let response = hub
        .client
        .post(format!("{}/v1/events", hub.base))
        .header(CONTENT_TYPE, "application/cloudevents-batch+json")
        .body(batch.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::ACCEPTED);

    let text = hub.get("/metrics", None).await.text().await.unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines.contains(&"switchyard_events_accepted_total 2"), "{text}");
    assert!(lines.contains(&"switchyard_events_duplicate_total 1"), "{text}");
}
