//! The hub's HTTP API (axum): ingest, probes, the operations API, metrics and the OpenAPI
//! document; problem details, bearer-token auth with roles, request ids, and the bind policy
//! for local mode.
//!
//! Routes, with the role a bearer token needs (in local mode, with no tokens configured, every
//! route is open):
//!
//! | route | role | file |
//! | --- | --- | --- |
//! | `POST /v1/events` | `ingest` | `events.rs` |
//! | `GET /healthz`, `GET /readyz` | open | `health.rs` |
//! | `GET /v1/deliveries?system=&state=&since=&limit=&after=` | `viewer` or `ops` | `deliveries.rs` |
//! | `GET /v1/deliveries/status` | `viewer` or `ops` | `deliveries.rs` |
//! | `GET /v1/trace/{query}?include_data=` | `viewer` or `ops` (`ops` for `include_data=true`) | `trace.rs` |
//! | `GET /v1/dead-letters?system=&since=&limit=` | `viewer` or `ops` | `dead_letters.rs` |
//! | `GET /v1/dead-letters/{delivery_id}` | `viewer` or `ops` | `dead_letters.rs` |
//! | `POST /v1/dead-letters/redrive` | `ops` | `dead_letters.rs` |
//! | `GET /v1/systems` | `viewer` or `ops` | `systems.rs` |
//! | `GET /metrics` (Prometheus text) | `viewer` or `ops` | `metrics.rs` |
//! | `GET /v1/waves/{name}` | `viewer` or `ops` | `waves.rs` |
//! | `POST /v1/waves/{name}/start`, `/pause`, `/resume`, `/abort`, `/redrive` | `ops` | `waves.rs` |
//! | `GET /openapi.json` | open | [`openapi`] |
//!
//! The OpenAPI document is the contract: generated from the handlers, golden-tested against
//! `hub/openapi.json`. Status codes of ingest are documented in [`ingest_reply`]; request-level
//! refusals are `415 request.content-type`, `413 request.too-large`, `400
//! request.malformed-json`, `400 request.batch-not-array`, `400 request.header`; `401`/`403`
//! come from [`auth`]; `503 ingest.unavailable` when the sink cannot commit. The ops routes
//! answer `400 request.invalid-parameter` naming each bad query parameter ([`query`]), `503
//! ops.unavailable` when the hub was built without [`AppState::with_ops`], and `503
//! <resource>.unavailable` when the ledger fails (detail logged, not returned).
//!
//! The user-facing description of ingest (modes, batch rule, codes) is `hub/src/ingest/README.md`.
//!
//! Further routes guard themselves the same way, e.g. in their file's `router`:
//! `ops::guarded(routes, tokens, ops::READ_ROLES)`, or for one role
//! `.route_layer(middleware::from_fn_with_state(RoleGate::new(state.tokens().clone(), Role::Ops), require_role))`.

pub mod auth;
mod bind;
mod dead_letters;
mod deliveries;
mod events;
mod health;
pub mod ingest_reply;
mod ledger_out;
mod metrics;
pub mod openapi;
mod ops;
pub mod problem;
pub mod query;
pub mod request_id;
mod schema;
mod state;
mod systems;
mod trace;
pub mod validated_json;
mod waves;

use axum::Router;
use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

pub use auth::{ApiToken, ApiTokens, Caller, Role, RoleGate, require_role};
pub use bind::{AccessMode, BindError, bind_policy};
pub use openapi::{ApiDoc, openapi_json};
pub use ops::{READ_ROLES, WRITE_ROLES};
pub use problem::Problem;
pub use request_id::RequestId;
pub use state::{AppState, DEFAULT_BODY_LIMIT};
pub use systems::SystemStatus;
pub use validated_json::ValidJson;

/// The API with its state applied, ready for `axum::serve`.
pub fn router(state: AppState) -> Router {
    let ingest_gate = RoleGate::new(state.tokens().clone(), Role::Ingest);
    Router::new()
        .route(
            "/v1/events",
            post(events::post_events).route_layer(middleware::from_fn_with_state(ingest_gate, require_role)),
        )
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/openapi.json", get(openapi::serve_openapi))
        .merge(deliveries::router(state.tokens()))
        .merge(trace::router(state.tokens()))
        .merge(dead_letters::router(state.tokens()))
        .merge(systems::router(state.tokens()))
        .merge(metrics::router(state.tokens()))
        .merge(waves::router(state.tokens()))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn(request_id::assign_request_id))
        .with_state(state)
}

async fn not_found(request: Request) -> Response {
    Problem::new(StatusCode::NOT_FOUND, "route.not-found", format!("no route {}", request.uri().path()))
        .with_request_id(&RequestId::of(&request))
        .into_response()
}

async fn method_not_allowed(request: Request) -> Response {
    let detail = format!("{} is not allowed on {}", request.method(), request.uri().path());
    Problem::new(StatusCode::METHOD_NOT_ALLOWED, "route.method-not-allowed", detail)
        .with_request_id(&RequestId::of(&request))
        .into_response()
}
