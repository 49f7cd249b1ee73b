//! The operations API over real HTTP: the router served on a loopback port with a real SQLite
//! ledger in a temporary directory, deliveries driven to their states through the store's own
//! claim and record calls, and checked the way an operator would: listings, pagination,
//! redrive, trace, roles, problems, metrics, systems, and the OpenAPI document (golden).

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use chrono::{DateTime, Utc};
use reqwest::StatusCode;
use reqwest::header::CONTENT_TYPE;
use serde_json::{Value, json};
use switchyard::http::{ApiToken, ApiTokens, AppState, Role, SystemStatus, openapi_json, router};
use switchyard::ingest::testing::MemorySink;
use switchyard::metrics::HubMetrics;
use switchyard::policy::{CircuitSnapshot, CircuitState};
use switchyard::store::{AttemptOutcome, AttemptRecord, NewEvent, OutcomeKind, Route, Store};
use switchyard_contracts::Catalog;
use tempfile::TempDir;

const PROBLEM: &str = "application/problem+json";
const LEASE: Duration = Duration::from_secs(60);
const VIEWER: &str = "viewer-token-0123456789";
const OPS: &str = "ops-token-0123456789abc";
const INGEST: &str = "ingest-token-0123456789";

struct OpsHub {
    base: String,
    client: reqwest::Client,
    store: Store,
    metrics: HubMetrics,
    _dir: TempDir,
}

fn catalog() -> Arc<Catalog> {
    static CATALOG: OnceLock<Arc<Catalog>> = OnceLock::new();
    CATALOG.get_or_init(|| Arc::new(Catalog::load(Catalog::shipped_root()).expect("shipped catalog"))).clone()
}

fn tokens() -> ApiTokens {
    let token = |name: &str, token: &str, roles: Vec<Role>| ApiToken {
        name: name.into(),
        token: token.into(),
        roles,
    };
    ApiTokens::new(vec![
        token("console", VIEWER, vec![Role::Viewer]),
        token("on-call", OPS, vec![Role::Ops]),
        token("loader", INGEST, vec![Role::Ingest]),
    ])
}

fn systems() -> Vec<SystemStatus> {
    vec![
        SystemStatus { system: "crm".into(), adapter: "salesforce".into(), configured: true },
        SystemStatus { system: "lms".into(), adapter: "webhook".into(), configured: false },
    ]
}

async fn serve(state: AppState) -> String {
    // reqwest is built without a default crypto provider; another test may have installed it.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind loopback");
    let addr = listener.local_addr().expect("local addr");
    tokio::spawn(async move { axum::serve(listener, router(state)).await });
    format!("http://{addr}")
}

async fn spawn_ops_hub(tokens: ApiTokens) -> OpsHub {
    let dir = TempDir::new().unwrap();
    let store = Store::open_sqlite(dir.path()).await.unwrap();
    let metrics = HubMetrics::new();
    let state = AppState::new(catalog(), Arc::new(MemorySink::new()), tokens).with_ops(
        store.clone(),
        metrics.clone(),
        systems(),
    );
    let base = serve(state).await;
    OpsHub { base, client: reqwest::Client::new(), store, metrics, _dir: dir }
}

impl OpsHub {
    async fn get(&self, path: &str, token: Option<&str>) -> reqwest::Response {
        let mut request = self.client.get(format!("{}{path}", self.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.expect("request sent")
    }

    async fn get_json(&self, path: &str) -> Value {
        let response = self.get(path, Some(OPS)).await;
        assert_eq!(response.status(), StatusCode::OK, "GET {path}");
        response.json().await.expect("JSON body")
    }

    async fn redrive(&self, body: &Value, token: Option<&str>) -> reqwest::Response {
        let mut request = self.client.post(format!("{}/v1/dead-letters/redrive", self.base)).json(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.expect("request sent")
    }

    async fn insert(&self, event_ids: &[&str], systems: &[&str]) {
        let events: Vec<NewEvent> = event_ids.iter().map(|id| event(id, systems)).collect();
        self.store.insert_events(&events).await.unwrap();
    }

    /// Claims every due delivery of `system` as worker `w1` and records what `outcome` says
    /// for its event; deliveries it says nothing about stay in flight.
    async fn drive(&self, system: &str, outcome: impl Fn(&str) -> Option<AttemptOutcome>) {
        let claimed = self.store.claim_due(system, 1_000, "w1", LEASE, Utc::now()).await.unwrap();
        let records: Vec<AttemptRecord> = claimed
            .iter()
            .filter_map(|delivery| {
                let outcome = outcome(&delivery.event_id)?;
                let now = Utc::now();
                Some(AttemptRecord {
                    delivery_id: delivery.delivery_id.clone(),
                    worker_id: "w1".into(),
                    started_at: now,
                    finished_at: now,
                    outcome,
                    http_status: Some(503),
                    code: None,
                    summary: "test attempt".into(),
                })
            })
            .collect();
        let report = self.store.record_outcomes(&records).await.unwrap();
        assert_eq!(report.recorded, records.len());
    }

    /// The id of the one delivery of `event_id` to `system`.
    async fn delivery_id(&self, event_id: &str, system: &str) -> String {
        let trace = self.store.trace(event_id).await.unwrap();
        trace[0].deliveries.iter().find(|d| d.delivery.system == system).unwrap().delivery.id.clone()
    }
}

fn event(event_id: &str, systems: &[&str]) -> NewEvent {
    NewEvent {
        source: "legacy-export".into(),
        event_id: event_id.into(),
        event_type: "enrollment.created".into(),
        version: 1,
        time: Some(Utc::now()),
        data: json!({"email": format!("{event_id}@example.com"), "course": "RUST-101"}),
        legacy_id: Some(format!("magento-{event_id}")),
        routes: systems
            .iter()
            .map(|system| Route { system: (*system).into(), mapping: format!("enrollment-v1-to-{system}") })
            .collect(),
    }
}

fn dead(_: &str) -> Option<AttemptOutcome> {
    Some(AttemptOutcome::DeadLettered { reason: "attempts exhausted".into() })
}

/// Asserts a problem+json response with this status and code, carrying the request id.
async fn problem(response: reqwest::Response, status: StatusCode, code: &str) -> Value {
    assert_eq!(response.status(), status);
    assert_eq!(response.headers()[CONTENT_TYPE], PROBLEM);
    let request_id = response.headers()["x-request-id"].to_str().unwrap().to_owned();
    let body: Value = response.json().await.expect("JSON body");
    assert_eq!(body["code"], code, "{body:#}");
    assert_eq!(body["status"], status.as_u16());
    assert_eq!(body["request_id"], request_id.as_str(), "{body:#}");
    body
}

fn invalid_params(problem: &Value) -> Vec<&str> {
    problem["invalid_params"]
        .as_array()
        .expect("invalid_params")
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect()
}

fn column<'a>(page: &'a Value, list: &str, field: &str) -> Vec<&'a str> {
    page[list].as_array().unwrap().iter().map(|row| row[field].as_str().unwrap()).collect()
}

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

fn golden_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("openapi.json")
}

#[tokio::test]
async fn the_openapi_document_is_served_and_matches_the_golden_file() {
    let generated = openapi_json();
    if std::env::var_os("UPDATE_GOLDEN").is_some_and(|value| value == "1") {
        std::fs::write(golden_path(), generated).unwrap();
    }
    let golden = std::fs::read_to_string(golden_path()).unwrap_or_else(|err| {
        panic!("{}: {err} (run with UPDATE_GOLDEN=1 to create it)", golden_path().display())
    });
    let first_difference =
        golden.lines().zip(generated.lines()).enumerate().find(|(_, (file, code))| file != code);
    if let Some((line, (file, code))) = first_difference {
        panic!(
            "hub/openapi.json differs from the code's API at line {}:\n  file: {file}\n  code: {code}\n\
             UPDATE_GOLDEN=1 regenerates it",
            line + 1
        );
    }
    assert_eq!(
        golden.len(),
        generated.len(),
        "hub/openapi.json differs in length; UPDATE_GOLDEN=1 regenerates it"
    );

    let document: Value = serde_json::from_str(generated).unwrap();
    assert_eq!(document["openapi"], "3.1.0");
    assert_eq!(document["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");
    let hub = spawn_ops_hub(tokens()).await;
    let served = hub.get("/openapi.json", None).await;
    assert_eq!(served.headers()[CONTENT_TYPE], "application/json");
    assert_eq!(served.text().await.unwrap(), generated);
}

#[tokio::test]
async fn every_documented_operation_is_served() {
    let hub = spawn_ops_hub(ApiTokens::local()).await;
    let document: Value = serde_json::from_str(openapi_json()).unwrap();
    let paths = document["paths"].as_object().unwrap();
    assert!(paths.len() >= 12, "{:?}", paths.keys());
    let mut operation_ids = BTreeSet::new();
    for (path, operations) in paths {
        let concrete = path.replace("{query}", "x").replace("{delivery_id}", "x");
        for method in operations.as_object().unwrap().keys() {
            let method = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let response =
                hub.client.request(method.clone(), format!("{}{concrete}", hub.base)).send().await.unwrap();
            let body: Value = response.json().await.unwrap_or(Value::Null);
            assert!(
                !matches!(body["code"].as_str(), Some("route.not-found" | "route.method-not-allowed")),
                "{method} {path} is documented but not served"
            );
        }
        for operation in operations.as_object().unwrap().values() {
            let id = operation["operationId"].as_str().expect("an operationId").to_owned();
            assert!(operation_ids.insert(id.clone()), "operationId {id} is not unique");
            assert!(operation["responses"].is_object(), "{path}");
        }
    }
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
