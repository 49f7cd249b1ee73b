//! Dead letters: `GET /v1/dead-letters` and `GET /v1/dead-letters/{delivery_id}` (role
//! `viewer` or `ops`), and `POST /v1/dead-letters/redrive` (role `ops`), which sends them
//! again with their attempt history kept.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::auth::{ApiTokens, Caller};
use super::ledger_out::AttemptOut;
use super::openapi::{ReadRefusals, WriteRefusals};
use super::ops::{READ_ROLES, WRITE_ROLES, guarded, store_unavailable};
use super::problem::Problem;
use super::query::QueryParams;
use super::request_id::RequestId;
use super::state::AppState;
use super::validated_json::ValidJson;
use crate::ingest::FieldError;
use crate::store::{DeadLetter, DeadLetterFilter, DeliveryState, RedriveSelection};

const UNAVAILABLE: &str = "dead-letters.unavailable";

pub(super) fn router(tokens: &ApiTokens) -> Router<AppState> {
    let reads =
        Router::new().route("/v1/dead-letters", get(list)).route("/v1/dead-letters/{delivery_id}", get(show));
    let writes = Router::new().route("/v1/dead-letters/redrive", post(redrive));
    guarded(reads, tokens, READ_ROLES).merge(guarded(writes, tokens, WRITE_ROLES))
}

/// Dead letters, oldest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeadLetterList {
    pub dead_letters: Vec<DeadLetterOut>,
}

/// A delivery that ran out of attempts.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeadLetterOut {
    pub delivery_id: String,
    pub source: String,
    pub event_id: String,
    pub legacy_id: Option<String>,
    pub system: String,
    pub mapping: String,
    pub attempts: i64,
    pub last_reason: Option<String>,
    pub dead_lettered_at: DateTime<Utc>,
}

impl From<DeadLetter> for DeadLetterOut {
    fn from(letter: DeadLetter) -> Self {
        Self {
            delivery_id: letter.delivery_id,
            source: letter.source,
            event_id: letter.event_id,
            legacy_id: letter.legacy_id,
            system: letter.system,
            mapping: letter.mapping,
            attempts: letter.attempts,
            last_reason: letter.last_reason,
            dead_lettered_at: letter.dead_lettered_at,
        }
    }
}

/// One dead letter with every attempt it was given.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeadLetterDetail {
    pub dead_letter: DeadLetterOut,
    pub attempts: Vec<AttemptOut>,
}

/// Which dead letters to send again: exactly one of `{"id"}`, a filter (`system` and/or
/// `since`), or `{"all": true}`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RedriveIn {
    /// One dead letter by delivery id.
    pub id: Option<String>,
    /// Every dead letter of this system (with `since`: of this system since then).
    pub system: Option<String>,
    /// Every dead letter dead-lettered at or after this time.
    pub since: Option<DateTime<Utc>>,
    /// Every dead letter; must be `true` when given.
    pub all: Option<bool>,
}

/// How many dead letters are pending again.
#[derive(Debug, Serialize, ToSchema)]
pub struct RedriveOut {
    pub redriven: u64,
}

impl RedriveIn {
    /// The selection this body asks for, or `422 redrive.selection` pointing at the fields
    /// at fault.
    pub fn selection(self) -> Result<RedriveSelection, Problem> {
        let refuse = |detail: &str, pointers: &[&str]| {
            let errors = pointers
                .iter()
                .map(|p| FieldError { pointer: (*p).to_owned(), detail: detail.to_owned() })
                .collect();
            Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "redrive.selection", detail).with_errors(errors)
        };
        for (pointer, value) in [("/id", &self.id), ("/system", &self.system)] {
            if value.as_deref().is_some_and(str::is_empty) {
                return Err(refuse("must not be empty", &[pointer]));
            }
        }
        if self.all == Some(false) {
            return Err(refuse("`all` may only be true; leave it out to select otherwise", &["/all"]));
        }
        let filtered = self.system.is_some() || self.since.is_some();
        match (self.id, filtered, self.all.is_some()) {
            (Some(id), false, false) => Ok(RedriveSelection::One(id)),
            (None, true, false) => Ok(RedriveSelection::Matching(DeadLetterFilter {
                system: self.system,
                since: self.since,
                limit: None,
            })),
            (None, false, true) => Ok(RedriveSelection::Matching(DeadLetterFilter::default())),
            (None, false, false) => Err(refuse(
                "say which dead letters: `id`, a filter (`system`, `since`), or `all: true`",
                &[""],
            )),
            (id, _, all) => {
                let mut given = Vec::new();
                if id.is_some() {
                    given.push("/id");
                }
                if filtered {
                    given.extend(self.system.is_some().then_some("/system"));
                    given.extend(self.since.is_some().then_some("/since"));
                }
                if all {
                    given.push("/all");
                }
                Err(refuse(
                    "give exactly one selection: `id`, a filter (`system`, `since`), or `all`",
                    &given,
                ))
            }
        }
    }
}

/// List dead letters.
#[utoipa::path(
    get,
    path = "/v1/dead-letters",
    operation_id = "listDeadLetters",
    tag = "dead-letters",
    params(
        ("system" = Option<String>, Query, description = "Only this system's dead letters."),
        ("since" = Option<String>, Query, format = DateTime,
            description = "Only those dead-lettered at or after this RFC 3339 time."),
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 1000,
            description = "At most this many (default 100)."),
    ),
    responses(
        (status = 200, description = "Dead letters, oldest first.", body = DeadLetterList),
        ReadRefusals,
    ),
    security(("bearer" = ["viewer"]), ("bearer" = ["ops"])),
)]
pub(super) async fn list(
    State(state): State<AppState>,
    Extension(request_id): Extension<RequestId>,
    mut params: QueryParams,
) -> Response {
    let listed = async {
        let filter = DeadLetterFilter {
            system: params.text("system"),
            since: params.since(),
            limit: Some(params.limit()),
        };
        params.finish()?;
        let ops = state.ops_or_unavailable()?;
        ops.store.dead_letters(&filter).await.map_err(|err| store_unavailable(UNAVAILABLE, &err))
    };
    match listed.await {
        Ok(letters) => {
            Json(DeadLetterList { dead_letters: letters.into_iter().map(DeadLetterOut::from).collect() })
                .into_response()
        }
        Err(problem) => problem.with_request_id(request_id.as_str()).into_response(),
    }
}

/// Show one dead letter with its attempts.
#[utoipa::path(
    get,
    path = "/v1/dead-letters/{delivery_id}",
    operation_id = "showDeadLetter",
    tag = "dead-letters",
    params(("delivery_id" = String, Path, description = "The dead-lettered delivery's id.")),
    responses(
        (status = 200, description = "The dead letter and every attempt.", body = DeadLetterDetail),
        (status = 404, description = "No dead-lettered delivery has this id.", body = Problem,
            content_type = "application/problem+json"),
        ReadRefusals,
    ),
    security(("bearer" = ["viewer"]), ("bearer" = ["ops"])),
)]
pub(super) async fn show(
    State(state): State<AppState>,
    Extension(request_id): Extension<RequestId>,
    Path(delivery_id): Path<String>,
    params: QueryParams,
) -> Response {
    match find(&state, &delivery_id, params).await {
        Ok(detail) => Json(detail).into_response(),
        Err(problem) => problem.with_request_id(request_id.as_str()).into_response(),
    }
}

async fn find(state: &AppState, delivery_id: &str, params: QueryParams) -> Result<DeadLetterDetail, Problem> {
    params.finish()?;
    let ops = state.ops_or_unavailable()?;
    let traces = ops.store.trace(delivery_id).await.map_err(|err| store_unavailable(UNAVAILABLE, &err))?;
    // The trace query also matches event and legacy ids: keep only this delivery.
    let found = traces.into_iter().find_map(|trace| {
        let event = trace.event;
        trace
            .deliveries
            .into_iter()
            .find(|d| d.delivery.id == delivery_id && d.delivery.state == DeliveryState::DeadLettered)
            .map(|d| (event, d))
    });
    let Some((event, delivery)) = found else {
        return Err(Problem::new(
            StatusCode::NOT_FOUND,
            "dead-letter.not-found",
            format!("no dead-lettered delivery has id {delivery_id}"),
        ));
    };
    let record = delivery.delivery;
    Ok(DeadLetterDetail {
        dead_letter: DeadLetterOut {
            delivery_id: record.id,
            source: event.source,
            event_id: event.event_id,
            legacy_id: event.legacy_id,
            system: record.system,
            mapping: record.mapping,
            attempts: record.attempts,
            last_reason: record.last_reason,
            // A dead letter's row does not change until it is redriven.
            dead_lettered_at: record.updated_at,
        },
        attempts: delivery.attempts.into_iter().map(AttemptOut::from).collect(),
    })
}

/// Redrive dead letters.
///
/// Moves the selected dead letters back to `pending`, due now, with a fresh retry budget; their
/// attempt history is kept (see the trace).
#[utoipa::path(
    post,
    path = "/v1/dead-letters/redrive",
    operation_id = "redriveDeadLetters",
    tag = "dead-letters",
    request_body = RedriveIn,
    responses(
        (status = 200, description = "How many dead letters are pending again.", body = RedriveOut),
        (status = 422, description = "Not exactly one selection, or a field of the wrong type.", body = Problem,
            content_type = "application/problem+json"),
        WriteRefusals,
    ),
    security(("bearer" = ["ops"])),
)]
pub(super) async fn redrive(
    State(state): State<AppState>,
    Extension(request_id): Extension<RequestId>,
    Extension(caller): Extension<Caller>,
    ValidJson(body): ValidJson<RedriveIn>,
) -> Response {
    let redriven = async {
        let selection = body.selection()?;
        let ops = state.ops_or_unavailable()?;
        let count = ops
            .store
            .redrive(&selection, Utc::now())
            .await
            .map_err(|err| store_unavailable(UNAVAILABLE, &err))?;
        let scope = match &selection {
            RedriveSelection::One(_) => "one",
            RedriveSelection::Matching(_) => "matching",
        };
        tracing::info!(caller = ?caller, scope, redriven = count, "dead letters redriven");
        Ok::<_, Problem>(count)
    };
    match redriven.await {
        Ok(redriven) => Json(RedriveOut { redriven }).into_response(),
        Err(problem) => problem.with_request_id(request_id.as_str()).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(json: serde_json::Value) -> RedriveIn {
        serde_json::from_value(json).unwrap()
    }

    fn pointers(problem: &Problem) -> Vec<String> {
        let body = serde_json::to_value(problem).unwrap();
        body["errors"].as_array().unwrap().iter().map(|e| e["pointer"].as_str().unwrap().to_owned()).collect()
    }

    #[test]
    fn each_kind_of_selection_maps_to_the_store() {
        use serde_json::json;
        assert_eq!(body(json!({"id": "01J"})).selection().unwrap(), RedriveSelection::One("01J".into()));
        let since: DateTime<Utc> = "2026-11-24T09:00:00Z".parse().unwrap();
        let filtered = body(json!({"system": "crm", "since": "2026-11-24T09:00:00Z"})).selection().unwrap();
        let expected = DeadLetterFilter { system: Some("crm".into()), since: Some(since), limit: None };
        assert_eq!(filtered, RedriveSelection::Matching(expected));
        let all = body(json!({"all": true})).selection().unwrap();
        assert_eq!(all, RedriveSelection::Matching(DeadLetterFilter::default()));
    }

    #[test]
    fn anything_but_exactly_one_selection_is_refused_with_its_fields() {
        use serde_json::json;
        let cases = [
            (json!({}), vec![""]),
            (json!({"id": "01J", "all": true}), vec!["/id", "/all"]),
            (json!({"id": "01J", "system": "crm"}), vec!["/id", "/system"]),
            (json!({"system": "crm", "all": true}), vec!["/system", "/all"]),
            (json!({"all": false}), vec!["/all"]),
            (json!({"id": ""}), vec!["/id"]),
        ];
        for (json, expected) in cases {
            let problem = body(json.clone()).selection().unwrap_err();
            assert_eq!(problem.status(), StatusCode::UNPROCESSABLE_ENTITY, "{json}");
            assert_eq!(problem.code(), "redrive.selection");
            assert_eq!(pointers(&problem), expected, "{json}");
        }
    }
}
