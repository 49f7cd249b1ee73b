//! The operations API over real HTTP: the router served on a loopback port with a real SQLite
//! ledger in a temporary directory, deliveries driven to their states through the store's own
//! claim and record calls, and checked the way an operator would: listings, pagination,
//! redrive, trace, roles, problems, metrics, systems, and the OpenAPI document (golden).
//! This file is the harness; the tests are in `ops_api/`, by concern.

mod access;
mod dead_letters;
mod deliveries;
mod observability;
mod openapi;

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
                    verify: None,
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
