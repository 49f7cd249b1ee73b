//! `GET /v1/trace/{query}`: "where is user X?" — the events whose event id or legacy id is
//! `query` (or that own the delivery with that id), each with its deliveries and attempts.
//! Event `data` is personal data: it is left out unless `include_data=true` is asked for by a
//! caller with role `ops`.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Json, Router};
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use super::auth::{ApiTokens, Caller, Role};
use super::ledger_out::{AttemptOut, DeliveryOut};
use super::openapi::ReadRefusals;
use super::ops::{READ_ROLES, guarded, store_unavailable};
use super::problem::Problem;
use super::query::{self, QueryParams};
use super::request_id::RequestId;
use super::state::AppState;
use crate::store::{DeliveryTrace, EventRecord, EventTrace};

pub(super) fn router(tokens: &ApiTokens) -> Router<AppState> {
    guarded(Router::new().route("/v1/trace/{query}", get(trace)), tokens, READ_ROLES)
}

/// Every event matching the query, oldest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct TraceOut {
    pub events: Vec<EventTraceOut>,
}

/// One event with its deliveries and their attempts.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventTraceOut {
    pub event: EventOut,
    pub deliveries: Vec<DeliveryTraceOut>,
}

/// A recorded event. `data` is present only when asked for with `include_data=true` (role `ops`).
#[derive(Debug, Serialize, ToSchema)]
pub struct EventOut {
    pub source: String,
    pub event_id: String,
    pub event_type: String,
    /// The contract version the event claims.
    pub version: i32,
    pub time: Option<DateTime<Utc>>,
    /// The legacy platform's user id.
    pub legacy_id: Option<String>,
    pub received_at: DateTime<Utc>,
    /// The event's data (personal data).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<Value>,
}

impl EventOut {
    fn new(record: EventRecord, include_data: bool) -> Self {
        Self {
            source: record.source,
            event_id: record.event_id,
            event_type: record.event_type,
            version: record.version,
            time: record.time,
            legacy_id: record.legacy_id,
            received_at: record.received_at,
            data: include_data.then_some(record.data),
        }
    }
}

/// A delivery with every attempt, oldest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryTraceOut {
    pub delivery: DeliveryOut,
    pub attempts: Vec<AttemptOut>,
}

impl From<DeliveryTrace> for DeliveryTraceOut {
    fn from(trace: DeliveryTrace) -> Self {
        Self {
            delivery: trace.delivery.into(),
            attempts: trace.attempts.into_iter().map(AttemptOut::from).collect(),
        }
    }
}

fn event_trace(trace: EventTrace, include_data: bool) -> EventTraceOut {
    EventTraceOut {
        event: EventOut::new(trace.event, include_data),
        deliveries: trace.deliveries.into_iter().map(DeliveryTraceOut::from).collect(),
    }
}

/// Trace an event, a legacy user or a delivery.
///
/// `query` is an event id, a legacy (Magento) user id or a delivery id.
#[utoipa::path(
    get,
    path = "/v1/trace/{query}",
    operation_id = "trace",
    tag = "trace",
    params(
        ("query" = String, Path, description = "An event id, a legacy user id or a delivery id."),
        ("include_data" = Option<bool>, Query,
            description = "Include each event's data (personal data); needs role `ops`."),
    ),
    responses(
        (status = 200, description = "The matching events with their deliveries and attempts.", body = TraceOut),
        (status = 404, description = "Nothing in the ledger matches.", body = Problem,
            content_type = "application/problem+json"),
        ReadRefusals,
    ),
    security(("bearer" = ["viewer"]), ("bearer" = ["ops"])),
)]
pub(super) async fn trace(
    State(state): State<AppState>,
    Extension(request_id): Extension<RequestId>,
    Extension(caller): Extension<Caller>,
    Path(query): Path<String>,
    params: QueryParams,
) -> Response {
    match find(&state, &caller, &query, params).await {
        Ok(found) => Json(found).into_response(),
        Err(problem) => problem.with_request_id(request_id.as_str()).into_response(),
    }
}

async fn find(
    state: &AppState,
    caller: &Caller,
    query: &str,
    mut params: QueryParams,
) -> Result<TraceOut, Problem> {
    let include_data = params.parsed("include_data", query::parse_bool).unwrap_or(false);
    params.finish()?;
    if include_data && !caller.has_role(state.tokens(), Role::Ops) {
        return Err(Problem::new(
            StatusCode::FORBIDDEN,
            "auth.forbidden",
            "event data is personal data: `include_data=true` needs the `ops` role",
        ));
    }
    let ops = state.ops_or_unavailable()?;
    let traces = ops.store.trace(query).await.map_err(|err| store_unavailable("trace.unavailable", &err))?;
    if traces.is_empty() {
        return Err(Problem::new(
            StatusCode::NOT_FOUND,
            "trace.not-found",
            "no event id, legacy id or delivery id in the ledger matches",
        ));
    }
    if include_data {
        // Who read personal data, never the data itself.
        tracing::info!(caller = ?caller, events = traces.len(), "event data disclosed in a trace");
    }
    Ok(TraceOut { events: traces.into_iter().map(|trace| event_trace(trace, include_data)).collect() })
}
