//! `GET /v1/systems`: every routed system, its adapter, whether it is configured, and its
//! circuit as the delivery worker last reported it. Role `viewer` or `ops`.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Json, Router};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::auth::ApiTokens;
use super::openapi::ReadRefusals;
use super::ops::{READ_ROLES, guarded};
use super::problem::Problem;
use super::query::QueryParams;
use super::request_id::RequestId;
use super::state::AppState;
use crate::policy::{CircuitSnapshot, CircuitState};
use crate::routing::Routes;

pub(super) fn router(tokens: &ApiTokens) -> Router<AppState> {
    guarded(Router::new().route("/v1/systems", get(systems)), tokens, READ_ROLES)
}

/// A routed system, as the hub was started with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct SystemStatus {
    pub system: String,
    /// The adapter kind: `webhook` or `salesforce`.
    pub adapter: String,
    /// False when the system has no adapter settings: its deliveries wait in the ledger.
    pub configured: bool,
}

impl SystemStatus {
    /// Every system `routes` deliver to, in name order.
    pub fn from_routes(routes: &Routes) -> Vec<SystemStatus> {
        routes
            .systems()
            .map(|(system, adapter)| SystemStatus {
                system: system.to_string(),
                adapter: adapter.as_str().to_owned(),
                configured: !routes.is_waiting(system),
            })
            .collect()
    }
}

/// The routed systems.
#[derive(Debug, Serialize, ToSchema)]
pub struct SystemList {
    pub systems: Vec<SystemOut>,
}

/// A routed system and its circuit.
#[derive(Debug, Serialize, ToSchema)]
pub struct SystemOut {
    #[serde(flatten)]
    pub status: SystemStatus,
    /// `null` until a delivery worker has reported on the system.
    pub circuit: Option<CircuitOut>,
}

/// A system's circuit.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct CircuitOut {
    pub state: CircuitStateName,
    /// While `open`: when the next probe may go.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub until: Option<DateTime<Utc>>,
    /// While `half_open`: when the probe was let through, if it was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub probe_since: Option<DateTime<Utc>>,
    /// Failure rate over the recent outcomes (0 when there are none).
    pub failure_rate: f64,
    pub recent_outcomes: usize,
}

/// Where a circuit is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CircuitStateName {
    /// Deliveries flow.
    Closed,
    /// One probe batch may go through.
    HalfOpen,
    /// Deliveries wait without spending attempts.
    Open,
}

impl From<&CircuitSnapshot> for CircuitOut {
    fn from(snapshot: &CircuitSnapshot) -> Self {
        let (state, until, probe_since) = match snapshot.state {
            CircuitState::Closed => (CircuitStateName::Closed, None, None),
            CircuitState::HalfOpen { probe_since } => (CircuitStateName::HalfOpen, None, probe_since),
            CircuitState::Open { until } => (CircuitStateName::Open, Some(until), None),
        };
        Self {
            state,
            until,
            probe_since,
            failure_rate: snapshot.failure_rate,
            recent_outcomes: snapshot.recent_outcomes,
        }
    }
}

/// List the routed systems with their circuits.
#[utoipa::path(
    get,
    path = "/v1/systems",
    operation_id = "listSystems",
    tag = "systems",
    responses(
        (status = 200, description = "Every routed system.", body = SystemList),
        ReadRefusals,
    ),
    security(("bearer" = ["viewer"]), ("bearer" = ["ops"])),
)]
pub(super) async fn systems(
    State(state): State<AppState>,
    Extension(request_id): Extension<RequestId>,
    params: QueryParams,
) -> Response {
    let listed = || {
        params.finish()?;
        let ops = state.ops_or_unavailable()?;
        let circuits = ops.metrics.circuits();
        let systems = ops
            .systems
            .iter()
            .map(|status| SystemOut {
                status: status.clone(),
                circuit: circuits.get(&status.system).map(CircuitOut::from),
            })
            .collect();
        Ok::<_, Problem>(SystemList { systems })
    };
    match listed() {
        Ok(list) => Json(list).into_response(),
        Err(problem) => problem.with_request_id(request_id.as_str()).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_circuit_shows_its_state_and_times() {
        let until: DateTime<Utc> = "2026-11-24T09:00:00Z".parse().unwrap();
        let open =
            CircuitSnapshot { state: CircuitState::Open { until }, failure_rate: 0.6, recent_outcomes: 20 };
        let body = serde_json::to_value(CircuitOut::from(&open)).unwrap();
        assert_eq!(
            body,
            serde_json::json!({"state": "open", "until": "2026-11-24T09:00:00Z", "failure_rate": 0.6,
                "recent_outcomes": 20})
        );
        let half = CircuitSnapshot {
            state: CircuitState::HalfOpen { probe_since: None },
            failure_rate: 0.0,
            recent_outcomes: 0,
        };
        assert_eq!(serde_json::to_value(CircuitOut::from(&half)).unwrap()["state"], "half_open");
    }
}
