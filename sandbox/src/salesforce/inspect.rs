//! The inspection API for tests and rehearsals: records per object, counters and reset,
//! as Rust methods (through `RunningSimulator`) and over HTTP under `/__sim/`.
//! It is the simulator's own, needs no session and is not counted as API usage.

use std::collections::BTreeMap;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Serialize;
use serde_json::{Map, Value};

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

async fn reset(State(state): State<SimState>) -> StatusCode {
    state.reset();
    StatusCode::NO_CONTENT
}

pub fn router() -> Router<SimState> {
    Router::new()
        .route("/__sim/records/{object}", get(records))
        .route("/__sim/stats", get(stats_handler))
        .route("/__sim/reset", post(reset))
}
