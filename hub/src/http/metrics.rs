//! `GET /metrics`: the Prometheus text exposition of the hub's metrics, with the ledger's
//! delivery counts read at scrape time. Role `viewer` or `ops` (open in local mode).

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Router};

use super::auth::ApiTokens;
use super::openapi::AuthRefusals;
use super::ops::{READ_ROLES, guarded, store_unavailable};
use super::problem::Problem;
use super::request_id::RequestId;
use super::state::AppState;

pub(super) fn router(tokens: &ApiTokens) -> Router<AppState> {
    guarded(Router::new().route("/metrics", get(metrics)), tokens, READ_ROLES)
}

/// Prometheus metrics.
///
/// Text exposition format 0.0.4. If the ledger cannot be read the scrape fails (503) rather
/// than leave the delivery gauges out unnoticed.
#[utoipa::path(
    get,
    path = "/metrics",
    operation_id = "metrics",
    tag = "metrics",
    responses(
        (status = 200, description = "Every metric, in the Prometheus text format.", body = String,
            content_type = "text/plain; version=0.0.4"),
        AuthRefusals,
    ),
    security(("bearer" = ["viewer"]), ("bearer" = ["ops"])),
)]
pub(super) async fn metrics(
    State(state): State<AppState>,
    Extension(request_id): Extension<RequestId>,
) -> Response {
    let rendered = async {
        let ops = state.ops_or_unavailable()?;
        let ledger =
            ops.store.state_counts().await.map_err(|err| store_unavailable("metrics.unavailable", &err))?;
        Ok::<_, Problem>(ops.metrics.render(&ledger))
    };
    match rendered.await {
        Ok(text) => ([(header::CONTENT_TYPE, crate::metrics::CONTENT_TYPE)], text).into_response(),
        Err(problem) => problem.with_request_id(request_id.as_str()).into_response(),
    }
}
