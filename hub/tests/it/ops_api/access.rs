//! Who may do what (roles, personal data), and the problems bad parameters and bodies get.

use super::*;

#[tokio::test]
async fn roles_are_enforced_on_every_ops_route() {
    let hub = spawn_ops_hub(tokens()).await;
    hub.insert(&["r1"], &["crm"]).await;

    for path in [
        "/v1/deliveries",
        "/v1/deliveries/status",
        "/v1/trace/r1",
        "/v1/dead-letters",
        "/v1/systems",
        "/metrics",
    ] {
        problem(hub.get(path, None).await, StatusCode::UNAUTHORIZED, "auth.missing-token").await;
        problem(hub.get(path, Some("not-a-token")).await, StatusCode::UNAUTHORIZED, "auth.invalid-token")
            .await;
        problem(hub.get(path, Some(INGEST)).await, StatusCode::FORBIDDEN, "auth.forbidden").await;
        assert_eq!(hub.get(path, Some(VIEWER)).await.status(), StatusCode::OK, "viewer reads {path}");
        assert_eq!(hub.get(path, Some(OPS)).await.status(), StatusCode::OK, "ops reads {path}");
    }
    let refused = problem(
        hub.redrive(&json!({"all": true}), Some(VIEWER)).await,
        StatusCode::FORBIDDEN,
        "auth.forbidden",
    )
    .await;
    assert_eq!(refused["detail"], "this operation needs the `ops` role");
    problem(hub.redrive(&json!({"all": true}), None).await, StatusCode::UNAUTHORIZED, "auth.missing-token")
        .await;
    assert_eq!(hub.redrive(&json!({"all": true}), Some(OPS)).await.status(), StatusCode::OK);
    for open in ["/healthz", "/openapi.json"] {
        assert_eq!(hub.get(open, None).await.status(), StatusCode::OK, "{open} is open");
    }

    // Event data is personal data: only ops may ask for it.
    let plain: Value = hub.get("/v1/trace/magento-r1", Some(VIEWER)).await.json().await.unwrap();
    assert_eq!(plain["events"][0]["event"]["event_id"], "r1");
    assert!(plain["events"][0]["event"].get("data").is_none());
    problem(
        hub.get("/v1/trace/r1?include_data=true", Some(VIEWER)).await,
        StatusCode::FORBIDDEN,
        "auth.forbidden",
    )
    .await;
    let full: Value = hub.get("/v1/trace/r1?include_data=true", Some(OPS)).await.json().await.unwrap();
    assert_eq!(full["events"][0]["event"]["data"]["course"], "RUST-101");
    problem(hub.get("/v1/trace/nobody", Some(VIEWER)).await, StatusCode::NOT_FOUND, "trace.not-found").await;
}

#[tokio::test]
async fn bad_parameters_and_bodies_get_problems_naming_them() {
    let hub = spawn_ops_hub(ApiTokens::local()).await;
    let cases = [
        ("/v1/deliveries?state=done", vec!["state"]),
        ("/v1/deliveries?limit=0", vec!["limit"]),
        ("/v1/deliveries?limit=1001", vec!["limit"]),
        ("/v1/deliveries?since=yesterday&sytem=crm", vec!["since", "sytem"]),
        ("/v1/dead-letters?limit=lots", vec!["limit"]),
        ("/v1/trace/x?include_data=yes", vec!["include_data"]),
        ("/v1/systems?verbose=1", vec!["verbose"]),
    ];
    for (path, names) in cases {
        let body =
            problem(hub.get(path, None).await, StatusCode::BAD_REQUEST, "request.invalid-parameter").await;
        assert_eq!(invalid_params(&body), names, "{path}");
    }
    let state = problem(
        hub.get("/v1/deliveries?state=done", None).await,
        StatusCode::BAD_REQUEST,
        "request.invalid-parameter",
    )
    .await;
    assert!(state["detail"].as_str().unwrap().contains("`state`"), "{state:#}");

    let pointers = |body: &Value| -> Vec<String> {
        body["errors"].as_array().unwrap().iter().map(|e| e["pointer"].as_str().unwrap().to_owned()).collect()
    };
    let two = problem(
        hub.redrive(&json!({"id": "x", "all": true}), None).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "redrive.selection",
    )
    .await;
    assert_eq!(pointers(&two), ["/id", "/all"]);
    let none =
        problem(hub.redrive(&json!({}), None).await, StatusCode::UNPROCESSABLE_ENTITY, "redrive.selection")
            .await;
    assert_eq!(pointers(&none), [""]);
    let typed = problem(
        hub.redrive(&json!({"id": 5}), None).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "request.invalid-field",
    )
    .await;
    assert_eq!(pointers(&typed), ["/id"]);
    let since = problem(
        hub.redrive(&json!({"since": "soon"}), None).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "request.invalid-field",
    )
    .await;
    assert_eq!(pointers(&since), ["/since"]);
    problem(
        hub.redrive(&json!({"everything": true}), None).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "request.invalid-field",
    )
    .await;
}

#[tokio::test]
async fn without_ops_state_the_ops_routes_answer_503_and_the_rest_works() {
    let base = serve(AppState::new(catalog(), Arc::new(MemorySink::new()), ApiTokens::local())).await;
    let client = reqwest::Client::new();
    for path in [
        "/v1/deliveries",
        "/v1/deliveries/status",
        "/v1/trace/x",
        "/v1/dead-letters",
        "/v1/dead-letters/x",
        "/v1/systems",
        "/metrics",
    ] {
        let response = client.get(format!("{base}{path}")).send().await.unwrap();
        problem(response, StatusCode::SERVICE_UNAVAILABLE, "ops.unavailable").await;
    }
    let redrive = client
        .post(format!("{base}/v1/dead-letters/redrive"))
        .json(&json!({"all": true}))
        .send()
        .await
        .unwrap();
    problem(redrive, StatusCode::SERVICE_UNAVAILABLE, "ops.unavailable").await;
    assert_eq!(client.get(format!("{base}/readyz")).send().await.unwrap().status(), StatusCode::OK);
}
