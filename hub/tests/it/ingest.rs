//! `POST /v1/events` over real HTTP: the router served on a loopback port, called with
//! reqwest, events validated against the shipped catalog and committed to the in-memory sink.

use std::sync::{Arc, OnceLock};

use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};
use serde_json::{Value, json};
use switchyard::http::{ApiToken, ApiTokens, AppState, Role, bind_policy, router};
use switchyard::ingest::testing::MemorySink;
use switchyard_contracts::Catalog;

const STRUCTURED: &str = "application/cloudevents+json";
const BATCHED: &str = "application/cloudevents-batch+json";
const PROBLEM: &str = "application/problem+json";

struct TestHub {
    base: String,
    client: reqwest::Client,
    sink: Arc<MemorySink>,
}

fn catalog() -> Arc<Catalog> {
    static CATALOG: OnceLock<Arc<Catalog>> = OnceLock::new();
    CATALOG.get_or_init(|| Arc::new(Catalog::load(Catalog::shipped_root()).expect("shipped catalog"))).clone()
}

async fn spawn_hub(tokens: ApiTokens, body_limit: Option<usize>) -> TestHub {
    // reqwest is built without a default crypto provider; another test may have installed it.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let sink = Arc::new(MemorySink::new());
    let mut state = AppState::new(catalog(), sink.clone(), tokens);
    if let Some(limit) = body_limit {
        state = state.with_body_limit(limit);
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind loopback");
    let addr = listener.local_addr().expect("local addr");
    tokio::spawn(async move { axum::serve(listener, router(state)).await });
    TestHub { base: format!("http://{addr}"), client: reqwest::Client::new(), sink }
}

async fn local_hub() -> TestHub {
    spawn_hub(ApiTokens::local(), None).await
}

impl TestHub {
    async fn post(&self, content_type: &str, body: impl Into<reqwest::Body>) -> reqwest::Response {
        self.client
            .post(format!("{}/v1/events", self.base))
            .header(CONTENT_TYPE, content_type)
            .body(body)
            .send()
            .await
            .expect("request sent")
    }

    async fn post_json(&self, content_type: &str, body: &Value) -> reqwest::Response {
        self.post(content_type, body.to_string()).await
    }

    fn stored_ids(&self) -> Vec<String> {
        self.sink.stored().iter().map(|event| event.id().to_owned()).collect()
    }
}

/// The structured events of the Salesforce v2 enrollment fixture (`e-3`, `e-4`, ...).
fn fixture_events() -> Vec<Value> {
    let path = Catalog::shipped_root()
        .join("systems/salesforce/fixtures/enrollment-from-enrollment-created-v2.json");
    let cases: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(path).expect("fixture")).expect("JSON");
    cases.into_iter().map(|case| case["event"].clone()).collect()
}

fn fixture_event() -> Value {
    fixture_events().remove(0)
}

async fn json_of(response: reqwest::Response) -> Value {
    response.json().await.expect("JSON body")
}

/// Asserts a problem+json response and returns its body.
async fn problem(response: reqwest::Response, status: StatusCode, code: &str) -> Value {
    assert_eq!(response.status(), status);
    assert_eq!(response.headers()[CONTENT_TYPE], PROBLEM);
    let body = json_of(response).await;
    assert_eq!(body["code"], code, "{body:#}");
    assert_eq!(body["status"], status.as_u16());
    assert!(body["request_id"].is_string(), "{body:#}");
    body
}

fn pointers(problem: &Value) -> Vec<&str> {
    let mut pointers: Vec<&str> = problem["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| e["pointer"].as_str().unwrap())
        .collect();
    pointers.sort_unstable();
    pointers
}

#[tokio::test]
async fn a_structured_event_is_committed_and_acknowledged_with_its_id() {
    let hub = local_hub().await;
    let response = hub
        .client
        .post(format!("{}/v1/events", hub.base))
        .header(CONTENT_TYPE, STRUCTURED)
        .header("x-request-id", "req-42")
        .body(fixture_event().to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    assert_eq!(response.headers()["x-request-id"], "req-42");
    let body = json_of(response).await;
    assert_eq!(body["request_id"], "req-42");
    assert_eq!(
        body["accepted"],
        json!([{"index": 0, "source": "/legacy/magento", "id": "e-3", "duplicate": false}])
    );
    assert_eq!(body["rejected"], json!([]));
    assert_eq!(hub.stored_ids(), ["e-3"]);
}

/// A binary-mode request serialized by the CloudEvents SDK's HTTP binding. Its reqwest binding
/// targets reqwest 0.12, so the SDK's generic `http::Builder` collects headers and body and
/// reqwest 0.13 sends them.
#[tokio::test]
async fn a_binary_event_from_the_cloudevents_sdk_is_accepted() {
    use cloudevents::binding::http::{Builder, Serializer};
    use cloudevents::message::BinaryDeserializer;

    #[derive(Default)]
    struct Collected {
        headers: HeaderMap,
    }
    impl Builder<(HeaderMap, Vec<u8>)> for Collected {
        fn header(&mut self, key: &str, value: HeaderValue) {
            self.headers.insert(HeaderName::from_bytes(key.as_bytes()).unwrap(), value);
        }
        fn body(&mut self, bytes: Vec<u8>) -> cloudevents::message::Result<(HeaderMap, Vec<u8>)> {
            Ok((std::mem::take(&mut self.headers), bytes))
        }
        fn finish(&mut self) -> cloudevents::message::Result<(HeaderMap, Vec<u8>)> {
            self.body(Vec::new())
        }
    }

    let hub = local_hub().await;
    let event: cloudevents::Event = serde_json::from_value(fixture_events().remove(1)).unwrap();
    let (headers, body) = event.deserialize_binary(Serializer::new(Collected::default())).unwrap();
    assert!(headers.contains_key("ce-dataschema"), "{headers:?}");
    let response =
        hub.client.post(format!("{}/v1/events", hub.base)).headers(headers).body(body).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    assert_eq!(json_of(response).await["accepted"][0]["id"], "e-4");
    assert_eq!(hub.stored_ids(), ["e-4"]);
}

#[tokio::test]
async fn binary_mode_headers_are_percent_decoded() {
    let hub = local_hub().await;
    let event = fixture_event();
    let response = hub
        .client
        .post(format!("{}/v1/events", hub.base))
        .header(CONTENT_TYPE, "application/json")
        .header("ce-specversion", "1.0")
        .header("ce-id", "e-%C3%A9-1")
        .header("ce-source", "%2Flegacy%2Fmagento")
        .header("ce-type", "enrollment.created")
        .header("ce-time", "2026-11-02T09:00:00Z")
        .header("ce-dataschema", "urn:switchyard:schema:enrollment.created:v2")
        .body(event["data"].to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let body = json_of(response).await;
    assert_eq!(body["accepted"][0]["id"], "e-é-1");
    assert_eq!(body["accepted"][0]["source"], "/legacy/magento");
    assert_eq!(hub.sink.stored()[0].data(), &event["data"]);
}

#[tokio::test]
async fn a_batch_is_accepted_with_every_id_and_index() {
    let hub = local_hub().await;
    let events = fixture_events();
    let response = hub.post_json(BATCHED, &json!([events[0], events[1]])).await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let body = json_of(response).await;
    let accepted: Vec<(u64, &str)> = body["accepted"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| (item["index"].as_u64().unwrap(), item["id"].as_str().unwrap()))
        .collect();
    assert_eq!(accepted, [(0, "e-3"), (1, "e-4")]);
    assert_eq!(hub.stored_ids(), ["e-3", "e-4"]);
}

#[tokio::test]
async fn the_same_source_and_id_again_is_a_duplicate_stored_once() {
    let hub = local_hub().await;
    let first = json_of(hub.post_json(STRUCTURED, &fixture_event()).await).await;
    assert_eq!(first["accepted"][0]["duplicate"], false);
    let again = hub.post_json(STRUCTURED, &fixture_event()).await;
    assert_eq!(again.status(), StatusCode::ACCEPTED);
    assert_eq!(json_of(again).await["accepted"][0]["duplicate"], true);
    assert_eq!(hub.stored_ids(), ["e-3"]);
}

#[tokio::test]
async fn malformed_json_is_a_400_problem() {
    let hub = local_hub().await;
    let body =
        problem(hub.post(STRUCTURED, "{\"id\": ").await, StatusCode::BAD_REQUEST, "request.malformed-json")
            .await;
    assert!(body["detail"].as_str().unwrap().contains("line 1"), "{body:#}");
    problem(hub.post(BATCHED, "{}").await, StatusCode::BAD_REQUEST, "request.batch-not-array").await;
    assert!(hub.sink.stored().is_empty());
}

#[tokio::test]
async fn an_unknown_type_or_version_names_the_contract() {
    let hub = local_hub().await;
    let mut unknown_version = fixture_event();
    unknown_version["dataschema"] = json!("urn:switchyard:schema:enrollment.created:v9");
    let body = problem(
        hub.post_json(STRUCTURED, &unknown_version).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "event.unknown-contract",
    )
    .await;
    assert_eq!(pointers(&body), ["/dataschema"]);
    assert!(body["detail"].as_str().unwrap().contains("v2"), "lists known versions: {body:#}");

    let mut unknown_type = fixture_event();
    unknown_type["type"] = json!("course.teleported");
    unknown_type["dataschema"] = json!("urn:switchyard:schema:course.teleported:v1");
    problem(
        hub.post_json(STRUCTURED, &unknown_type).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "event.unknown-contract",
    )
    .await;
    assert!(hub.sink.stored().is_empty());
}

#[tokio::test]
async fn every_schema_violation_is_reported_with_its_pointer() {
    let hub = local_hub().await;
    let mut event = fixture_event();
    event["data"]["status"] = json!("bogus");
    event["data"]["course_code"] = json!("");
    let body =
        problem(hub.post_json(STRUCTURED, &event).await, StatusCode::UNPROCESSABLE_ENTITY, "event.schema")
            .await;
    assert_eq!(pointers(&body), ["/data/course_code", "/data/status"]);
    assert!(hub.sink.stored().is_empty());
}

#[tokio::test]
async fn a_missing_attribute_is_named() {
    let hub = local_hub().await;
    let mut event = fixture_event();
    event.as_object_mut().unwrap().remove("id");
    let body = problem(
        hub.post_json(STRUCTURED, &event).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "envelope.attribute",
    )
    .await;
    assert_eq!(pointers(&body), ["/id"]);
}

#[tokio::test]
async fn a_wrong_content_type_is_a_415_problem() {
    let hub = local_hub().await;
    problem(
        hub.post("text/plain", fixture_event().to_string()).await,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "request.content-type",
    )
    .await;
    assert!(hub.sink.stored().is_empty());
}

#[tokio::test]
async fn a_body_over_the_configured_limit_is_a_413_problem() {
    let hub = spawn_hub(ApiTokens::local(), Some(1024)).await;
    let mut event = fixture_event();
    event["data"]["partner_code"] = json!("x".repeat(4096));
    problem(hub.post_json(STRUCTURED, &event).await, StatusCode::PAYLOAD_TOO_LARGE, "request.too-large")
        .await;
    assert!(hub.sink.stored().is_empty());
    // Under the limit the same hub accepts.
    assert_eq!(hub.post_json(STRUCTURED, &fixture_event()).await.status(), StatusCode::ACCEPTED);
}

#[tokio::test]
async fn a_mixed_batch_commits_the_good_events_and_lists_the_bad_by_index() {
    let hub = local_hub().await;
    let events = fixture_events();
    let mut bad = events[0].clone();
    bad["id"] = json!("e-bad");
    bad["data"]["status"] = json!("bogus");
    let response = hub.post_json(BATCHED, &json!([events[0], bad, events[1], 42])).await;
    assert_eq!(response.status(), StatusCode::MULTI_STATUS);
    let body = json_of(response).await;
    let accepted: Vec<u64> =
        body["accepted"].as_array().unwrap().iter().map(|a| a["index"].as_u64().unwrap()).collect();
    assert_eq!(accepted, [0, 2]);
    let rejected = body["rejected"].as_array().unwrap();
    assert_eq!(rejected.len(), 2);
    assert_eq!(rejected[0]["index"], 1);
    assert_eq!(rejected[0]["id"], "e-bad");
    assert_eq!(rejected[0]["code"], "event.schema");
    assert_eq!(rejected[0]["errors"][0]["pointer"], "/data/status");
    assert_eq!(rejected[1]["index"], 3);
    assert_eq!(rejected[1]["id"], Value::Null);
    assert_eq!(rejected[1]["code"], "envelope.malformed");
    assert_eq!(hub.stored_ids(), ["e-3", "e-4"]);
}

#[tokio::test]
async fn a_batch_with_nothing_acceptable_is_a_422_problem_pointing_into_the_array() {
    let hub = local_hub().await;
    let mut bad = fixture_event();
    bad["data"]["status"] = json!("bogus");
    let body = problem(
        hub.post_json(BATCHED, &json!([{"id": "x"}, bad])).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "batch.rejected",
    )
    .await;
    assert!(pointers(&body).contains(&"/1/data/status"), "{body:#}");
    assert_eq!(body["rejected"].as_array().unwrap().len(), 2);
    assert!(hub.sink.stored().is_empty());
}

#[tokio::test]
async fn a_sink_failure_is_a_503_and_claims_nothing() {
    let hub = local_hub().await;
    hub.sink.set_failing(true);
    let events = fixture_events();
    let response = hub.post_json(BATCHED, &json!([events[0], events[1]])).await;
    assert!(response.headers().contains_key("retry-after"));
    let body = problem(response, StatusCode::SERVICE_UNAVAILABLE, "ingest.unavailable").await;
    assert_eq!(body.get("accepted"), None);
    assert!(hub.sink.stored().is_empty());
    hub.sink.set_failing(false);
    let retried = json_of(hub.post_json(BATCHED, &json!([events[0], events[1]])).await).await;
    assert_eq!(retried["accepted"][1]["duplicate"], false);
    assert_eq!(hub.stored_ids(), ["e-3", "e-4"]);
}

#[tokio::test]
async fn ingest_needs_a_valid_token_with_the_ingest_role() {
    let tokens = ApiTokens::new(vec![
        ApiToken { name: "loader".into(), token: "ingest-token".into(), roles: vec![Role::Ingest] },
        ApiToken { name: "ops".into(), token: "ops-token".into(), roles: vec![Role::Ops, Role::Viewer] },
    ]);
    let hub = spawn_hub(tokens, None).await;
    let send = |token: Option<&str>| {
        let mut request = hub
            .client
            .post(format!("{}/v1/events", hub.base))
            .header(CONTENT_TYPE, STRUCTURED)
            .body(fixture_event().to_string());
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send()
    };
    let missing = send(None).await.unwrap();
    assert_eq!(missing.headers()["www-authenticate"], "Bearer");
    problem(missing, StatusCode::UNAUTHORIZED, "auth.missing-token").await;
    problem(send(Some("nope")).await.unwrap(), StatusCode::UNAUTHORIZED, "auth.invalid-token").await;
    problem(send(Some("ops-token")).await.unwrap(), StatusCode::FORBIDDEN, "auth.forbidden").await;
    assert!(hub.sink.stored().is_empty());
    assert_eq!(send(Some("ingest-token")).await.unwrap().status(), StatusCode::ACCEPTED);
    assert_eq!(hub.stored_ids(), ["e-3"]);
    // Probes stay open.
    let health = hub.client.get(format!("{}/healthz", hub.base)).send().await.unwrap();
    assert_eq!(health.status(), StatusCode::OK);
}

#[tokio::test]
async fn local_mode_accepts_without_a_token() {
    let hub = local_hub().await;
    assert_eq!(hub.post_json(STRUCTURED, &fixture_event()).await.status(), StatusCode::ACCEPTED);
}

#[tokio::test]
async fn probes_answer() {
    let hub = local_hub().await;
    let health = hub.client.get(format!("{}/healthz", hub.base)).send().await.unwrap();
    assert_eq!(health.status(), StatusCode::OK);
    assert!(health.headers().contains_key("x-request-id"));
    let ready = hub.client.get(format!("{}/readyz", hub.base)).send().await.unwrap();
    assert_eq!(json_of(ready).await["status"], "ready");
    let missing = hub.client.get(format!("{}/v1/nothing", hub.base)).send().await.unwrap();
    problem(missing, StatusCode::NOT_FOUND, "route.not-found").await;
    hub.sink.set_failing(true);
    let not_ready = hub.client.get(format!("{}/readyz", hub.base)).send().await.unwrap();
    problem(not_ready, StatusCode::SERVICE_UNAVAILABLE, "service.not-ready").await;
}

#[test]
fn binding_off_loopback_without_tokens_is_refused() {
    let local = ApiTokens::local();
    let err = bind_policy("0.0.0.0:8080".parse().unwrap(), &local).unwrap_err();
    assert!(err.to_string().contains("without API tokens"), "{err}");
    assert!(bind_policy("127.0.0.1:8080".parse().unwrap(), &local).is_ok());
}
