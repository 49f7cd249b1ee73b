//! The hub's HTTP API (axum): ingest, probes, problem details, bearer-token auth with roles,
//! request ids, and the bind policy for local mode.
//!
//! Routes: `POST /v1/events` (role `ingest`), `GET /healthz` and `GET /readyz` (open).
//! Status codes of ingest are documented in [`ingest_reply`]; request-level refusals are
//! `415 request.content-type`, `413 request.too-large`, `400 request.malformed-json`,
//! `400 request.batch-not-array`, `400 request.header`; `401`/`403` come from [`auth`];
//! `503 ingest.unavailable` when the sink cannot commit.
//!
//! The user-facing description of ingest (modes, batch rule, codes) is `hub/src/ingest/README.md`.
//!
//! Further routes guard themselves the same way:
//! `.route_layer(middleware::from_fn_with_state(RoleGate::new(state.tokens().clone(), Role::Ops), require_role))`.

pub mod auth;
mod bind;
mod events;
mod health;
pub mod ingest_reply;
pub mod problem;
pub mod request_id;
mod state;
pub mod validated_json;

use axum::Router;
use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

pub use auth::{ApiToken, ApiTokens, Caller, Role, RoleGate, require_role};
pub use bind::{AccessMode, BindError, bind_policy};
pub use problem::Problem;
pub use request_id::RequestId;
pub use state::{AppState, DEFAULT_BODY_LIMIT};
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
