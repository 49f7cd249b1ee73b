//! The inspection API for tests and rehearsals: records per object, counters, reset, the
//! automations' switches and the Bulk jobs, as Rust methods (through `RunningSimulator`) and over HTTP under `/__sim/`.
//! It is the simulator's own, needs no session and is not counted as API usage.

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::automation::{AutomationState, UnknownAutomation};
use super::bulk_job::BulkJobSummary;
use super::server::SimState;
use super::wire_errors::ApiError;

/// What the org has seen so far.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SimStats {
    /// Data calls counted against the allowance since start or reset.
    pub api_calls: u64,
    /// Calls in the current rolling window (what `Sforce-Limit-Info` shows).
    pub api_usage: u64,
    pub api_limit: u64,
    /// Data calls refused for a missing, unknown or expired session.
    pub refused_invalid_session: u64,
    /// Data calls refused with `REQUEST_LIMIT_EXCEEDED`.
    pub refused_limit: u64,
    /// Data calls answered 503 by the seeded fault generator.
    pub injected_server_unavailable: u64,
    /// Records failed with `UNABLE_TO_LOCK_ROW` by the seeded fault generator.
    pub injected_lock_row: u64,
    /// Data calls whose answer the seeded fault generator held past the client's timeout.
    pub injected_timeouts: u64,
    /// Data calls whose connection the seeded fault generator closed without an answer.
    pub injected_dropped_connections: u64,
    /// Data calls refused with `ConcurrentPerOrgLongTxn` (the long-request limit).
    pub refused_long_requests: u64,
    /// Records per object.
    pub records: BTreeMap<String, usize>,
}

pub fn stats(state: &SimState) -> SimStats {
    let mut data = state.lock();
    let api_usage = data.usage.used(state.now());
    SimStats {
        api_calls: data.usage.total(),
        api_usage,
        api_limit: data.usage.limit(),
        refused_invalid_session: data.refused_invalid_session,
        refused_limit: data.refused_limit,
        injected_server_unavailable: data.faults.server_unavailable,
        injected_lock_row: data.faults.lock_row,
        injected_timeouts: data.faults.timeouts,
        injected_dropped_connections: data.faults.dropped_connections,
        refused_long_requests: data.refused_long_requests,
        records: data.store.counts().into_iter().collect(),
    }
}

/// The records of `object` with their `Id` first.
pub fn records_json(state: &SimState, object: &str) -> Vec<Map<String, Value>> {
    let data = state.lock();
    data.store
        .records(object)
        .iter()
        .map(|record| {
            let mut out = Map::new();
            out.insert("Id".into(), Value::String(record.id.clone()));
            out.extend(record.values.clone());
            out
        })
        .collect()
}

async fn records(State(state): State<SimState>, Path(object): Path<String>) -> Response {
    if state.org.object(&object).is_none() {
        return ApiError::not_found().into_response();
    }
    Json(records_json(&state, &object)).into_response()
}

async fn stats_handler(State(state): State<SimState>) -> Json<SimStats> {
    Json(stats(&state))
}

/// `GET /__sim/bulk/jobs`: every ingest job with its state and counts.
async fn bulk_jobs(State(state): State<SimState>) -> Json<Vec<BulkJobSummary>> {
    Json(state.lock().bulk.all().map(|job| job.summary()).collect())
}

async fn reset(State(state): State<SimState>) -> StatusCode {
    state.reset();
    StatusCode::NO_CONTENT
}

async fn automations(State(state): State<SimState>) -> Json<Vec<AutomationState>> {
    Json(state.lock().automations.states())
}

/// `POST /__sim/automations/{name}`: what to switch; a field left out stays as it is.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AutomationSwitchIn {
    active: Option<bool>,
    fail_silently: Option<bool>,
}

async fn switch_automation(State(state): State<SimState>, Path(name): Path<String>, body: Bytes) -> Response {
    let switch: AutomationSwitchIn = match serde_json::from_slice(&body) {
        Ok(switch) => switch,
        Err(err) => return ApiError::json_parser(err).into_response(),
    };
    let mut data = state.lock();
    if !data.automations.states().iter().any(|s| s.name == name) {
        let err = UnknownAutomation::Name(name);
        return ApiError::new(StatusCode::NOT_FOUND, "NOT_FOUND", err.to_string()).into_response();
    }
    let switched = switch.active.map_or(Ok(()), |on| data.automations.set_active(&name, on)).and_then(|()| {
        switch.fail_silently.map_or(Ok(()), |on| data.automations.set_fail_silently(&name, on))
    });
    match switched {
        Ok(()) => {
            let states = data.automations.states();
            Json(states.into_iter().find(|s| s.name == name)).into_response()
        }
        Err(err @ UnknownAutomation::Name(_)) => {
            ApiError::new(StatusCode::NOT_FOUND, "NOT_FOUND", err.to_string()).into_response()
        }
        Err(err @ UnknownAutomation::NoSilentFailure(_)) => {
            ApiError::new(StatusCode::BAD_REQUEST, "INVALID_FIELD", err.to_string()).into_response()
        }
    }
}

pub fn router() -> Router<SimState> {
    Router::new()
        .route("/__sim/automations", get(automations))
        .route("/__sim/automations/{name}", post(switch_automation))
        .route("/__sim/records/{object}", get(records))
        .route("/__sim/stats", get(stats_handler))
        .route("/__sim/bulk/jobs", get(bulk_jobs))
        .route("/__sim/reset", post(reset))
}
