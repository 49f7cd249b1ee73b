//! `GET /v1/deliveries` (filtered, paged by id) and `GET /v1/deliveries/status` (counts per
//! system and state). Reads: role `viewer` or `ops`.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Json, Router};
use serde::Serialize;
use utoipa::ToSchema;

use super::auth::ApiTokens;
use super::ledger_out::DeliveryOut;
use super::openapi::ReadRefusals;
use super::ops::{READ_ROLES, guarded, store_unavailable};
use super::problem::Problem;
use super::query::{self, QueryParams};
use super::request_id::RequestId;
use super::schema::DeliveryStateSchema;
use super::state::AppState;
use crate::store::{DeliveryFilter, DeliveryListing, DeliveryState, StateCount};

pub(super) fn router(tokens: &ApiTokens) -> Router<AppState> {
    let reads = Router::new().route("/v1/deliveries", get(list)).route("/v1/deliveries/status", get(status));
    guarded(reads, tokens, READ_ROLES)
}

/// One page of deliveries, oldest id first.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryPage {
    pub deliveries: Vec<ListedDelivery>,
    /// Pass as `after` for the next page; `null` on the last page.
    pub next_after: Option<String>,
}

/// A delivery with the identity of the event it carries (never the event's data).
#[derive(Debug, Serialize, ToSchema)]
pub struct ListedDelivery {
    #[serde(flatten)]
    pub delivery: DeliveryOut,
    pub source: String,
    pub event_id: String,
    pub event_type: String,
    pub legacy_id: Option<String>,
}

impl From<DeliveryListing> for ListedDelivery {
    fn from(listing: DeliveryListing) -> Self {
        Self {
            delivery: listing.delivery.into(),
            source: listing.source,
            event_id: listing.event_id,
            event_type: listing.event_type,
            legacy_id: listing.legacy_id,
        }
    }
}

/// Deliveries per system and state; states with none are left out.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryStatus {
    pub counts: Vec<StateCountOut>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StateCountOut {
    pub system: String,
    #[schema(value_type = DeliveryStateSchema)]
    pub state: DeliveryState,
    pub count: u64,
}

impl From<StateCount> for StateCountOut {
    fn from(count: StateCount) -> Self {
        Self { system: count.system, state: count.state, count: count.count }
    }
}

/// List deliveries.
///
/// Filtered by system, state and last change, in id (creation) order, paged by id: pass the
/// page's `next_after` as `after` for the next one.
#[utoipa::path(
    get,
    path = "/v1/deliveries",
    operation_id = "listDeliveries",
    tag = "deliveries",
    params(
        ("system" = Option<String>, Query, description = "Only this system's deliveries."),
        ("state" = Option<DeliveryStateSchema>, Query, description = "Only deliveries in this state."),
        ("since" = Option<String>, Query, format = DateTime,
            description = "Only deliveries last changed at or after this RFC 3339 time."),
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 1000,
            description = "At most this many deliveries (default 100)."),
        ("after" = Option<String>, Query, description = "Only deliveries whose id sorts after this one."),
    ),
    responses(
        (status = 200, description = "A page of deliveries.", body = DeliveryPage),
        ReadRefusals,
    ),
    security(("bearer" = ["viewer"]), ("bearer" = ["ops"])),
)]
pub(super) async fn list(
    State(state): State<AppState>,
    Extension(request_id): Extension<RequestId>,
    params: QueryParams,
) -> Response {
    match list_page(&state, params).await {
        Ok(page) => Json(page).into_response(),
        Err(problem) => problem.with_request_id(request_id.as_str()).into_response(),
    }
}

async fn list_page(state: &AppState, mut params: QueryParams) -> Result<DeliveryPage, Problem> {
    let system = params.text("system");
    let delivery_state = params.parsed("state", query::parse_state);
    let since = params.since();
    let limit = params.limit();
    let after = params.text("after");
    params.finish()?;
    let ops = state.ops_or_unavailable()?;
    // One more than asked says whether another page follows.
    let filter = DeliveryFilter { system, state: delivery_state, since, after, limit: limit + 1 };
    let mut listings = ops
        .store
        .deliveries(&filter)
        .await
        .map_err(|err| store_unavailable("deliveries.unavailable", &err))?;
    let more = listings.len() > limit as usize;
    listings.truncate(limit as usize);
    let next_after = more.then(|| listings.last().map(|listing| listing.delivery.id.clone())).flatten();
    Ok(DeliveryPage { deliveries: listings.into_iter().map(ListedDelivery::from).collect(), next_after })
}

/// Count deliveries per system and state.
///
/// Pending plus in-flight is the queue depth: the ledger is the queue's source of truth.
#[utoipa::path(
    get,
    path = "/v1/deliveries/status",
    operation_id = "countDeliveries",
    tag = "deliveries",
    responses(
        (status = 200, description = "Counts per system and state.", body = DeliveryStatus),
        ReadRefusals,
    ),
    security(("bearer" = ["viewer"]), ("bearer" = ["ops"])),
)]
pub(super) async fn status(
    State(state): State<AppState>,
    Extension(request_id): Extension<RequestId>,
    params: QueryParams,
) -> Response {
    let counts = async {
        params.finish()?;
        let ops = state.ops_or_unavailable()?;
        ops.store.state_counts().await.map_err(|err| store_unavailable("deliveries.unavailable", &err))
    };
    match counts.await {
        Ok(counts) => Json(DeliveryStatus { counts: counts.into_iter().map(StateCountOut::from).collect() })
            .into_response(),
        Err(problem) => problem.with_request_id(request_id.as_str()).into_response(),
    }
}
