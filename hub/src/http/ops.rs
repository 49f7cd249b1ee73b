//! What the ops routes share: the ledger, the metrics and the routed systems (present only when
//! the hub was given them with [`AppState::with_ops`](super::AppState::with_ops)), the roles
//! they need, and the problems they answer when that state is missing or the ledger fails.

use axum::Router;
use axum::http::StatusCode;
use axum::middleware;

use super::auth::{ApiTokens, Role, RoleGate, require_role};
use super::problem::Problem;
use super::state::AppState;
use super::systems::SystemStatus;
use crate::metrics::HubMetrics;
use crate::store::{Store, StoreError};

/// Reads (listings, traces, metrics) are open to either role.
pub const READ_ROLES: &[Role] = &[Role::Viewer, Role::Ops];
/// Writes (redrive) need `ops`.
pub const WRITE_ROLES: &[Role] = &[Role::Ops];

/// The ledger, metrics and systems the ops routes read.
#[derive(Debug)]
pub struct Ops {
    pub store: Store,
    pub metrics: HubMetrics,
    pub systems: Vec<SystemStatus>,
}

impl AppState {
    /// The ops state, or `503 ops.unavailable` when this hub was built without it.
    pub(super) fn ops_or_unavailable(&self) -> Result<&Ops, Problem> {
        self.ops().ok_or_else(|| {
            Problem::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "ops.unavailable",
                "this hub serves no operations API (it was started without its ledger and metrics)",
            )
        })
    }
}

/// `router`'s routes, each guarded by a gate letting through any of `roles`.
pub(super) fn guarded(router: Router<AppState>, tokens: &ApiTokens, roles: &[Role]) -> Router<AppState> {
    let gate = RoleGate::any_of(tokens.clone(), roles);
    router.route_layer(middleware::from_fn_with_state(gate, require_role))
}

/// `503` with a stable `code` when the ledger fails; the error chain is logged, not returned.
pub(super) fn store_unavailable(code: &'static str, err: &StoreError) -> Problem {
    tracing::error!(error = %err, source = ?std::error::Error::source(err), code, "ledger operation failed");
    Problem::new(StatusCode::SERVICE_UNAVAILABLE, code, "the ledger is not available; try again shortly")
        .with_retry_after(5)
}
