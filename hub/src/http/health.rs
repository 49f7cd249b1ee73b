//! Probes: `GET /healthz` (the process answers) and `GET /readyz` (it can take events now).
//! Both are open without a token so orchestrators can call them.

use axum::Extension;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::problem::Problem;
use super::request_id::RequestId;
use super::state::AppState;

/// Liveness: the process answers.
#[utoipa::path(
    get,
    path = "/healthz",
    operation_id = "healthz",
    tag = "probes",
    responses((status = 200, description = "The process answers.", body = Object, example = json!({"status": "ok"}))),
)]
pub(super) async fn healthz() -> Json<serde_json::Value> {
    Json(json!({"status": "ok"}))
}

/// Readiness: the hub can take events now.
#[utoipa::path(
    get,
    path = "/readyz",
    operation_id = "readyz",
    tag = "probes",
    responses(
        (status = 200, description = "The event store is available.", body = Object, example = json!({"status": "ready"})),
        (status = 503, description = "The event store is not available (`service.not-ready`, with `Retry-After`).",
            body = Problem, content_type = "application/problem+json"),
    ),
)]
pub(super) async fn readyz(
    State(state): State<AppState>,
    Extension(request_id): Extension<RequestId>,
) -> Response {
    match state.sink().ready().await {
        Ok(()) => Json(json!({"status": "ready"})).into_response(),
        Err(err) => {
            tracing::warn!(error = %err, source = ?std::error::Error::source(&err), "not ready");
            Problem::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "service.not-ready",
                "the event store is not available",
            )
            .with_request_id(request_id.as_str())
            .with_retry_after(5)
            .into_response()
        }
    }
}
