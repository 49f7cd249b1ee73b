//! Waves over HTTP: `GET /v1/waves/{name}` (role `viewer` or `ops`), the wave's progress; and
//! `POST /v1/waves/{name}/start | pause | resume | abort | redrive` (role `ops`), the same
//! actions as `switchyard wave ...`, recorded as done by the token's name (`local` in local
//! mode).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::auth::{ApiTokens, Caller};
use super::openapi::{ReadRefusals, WriteRefusals};
use super::ops::{READ_ROLES, WRITE_ROLES, guarded, store_unavailable};
use super::problem::Problem;
use super::request_id::RequestId;
use super::state::AppState;
use super::validated_json::ValidJson;
use crate::store::TransitionError;
use crate::waves::{ControlError, WaveControl, WaveStatus};

const UNAVAILABLE: &str = "waves.unavailable";

pub(super) fn router(tokens: &ApiTokens) -> Router<AppState> {
    let reads = Router::new().route("/v1/waves/{name}", get(status));
    let writes = Router::new()
        .route("/v1/waves/{name}/start", post(start))
        .route("/v1/waves/{name}/pause", post(pause))
        .route("/v1/waves/{name}/resume", post(resume))
        .route("/v1/waves/{name}/abort", post(abort))
        .route("/v1/waves/{name}/redrive", post(redrive));
    guarded(reads, tokens, READ_ROLES).merge(guarded(writes, tokens, WRITE_ROLES))
}

/// Starting a wave.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct StartIn {
    /// Failing gates to start through (`map-coverage`, `contract-tests`, `replay`, `signoff`).
    pub overrides: Vec<String>,
    /// Why; required with `overrides`, recorded.
    pub reason: Option<String>,
}

/// Pausing, resuming or aborting a wave.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct ActionIn {
    /// Why, recorded with the action.
    pub reason: Option<String>,
}

/// Redriving a wave's failed deliveries.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct WaveRedriveIn {
    /// `silent_failure`, `dead_lettered`; default both.
    pub states: Vec<String>,
}

/// What an action did.
#[derive(Debug, Serialize, ToSchema)]
pub struct ActionOut {
    pub wave: String,
    /// The wave's state afterwards.
    pub state: String,
    /// Deliveries held (pause, abort), let go (resume) or redriven.
    pub deliveries: u64,
    /// Failing gates started through (start only).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub overridden: Vec<String>,
}

fn actor(caller: &Caller) -> String {
    match caller {
        Caller::Token(name) => name.clone(),
        Caller::Local => "local".to_owned(),
    }
}

fn control(state: &AppState) -> Result<&WaveControl, Problem> {
    state.waves().ok_or_else(|| {
        Problem::new(StatusCode::SERVICE_UNAVAILABLE, UNAVAILABLE, "this hub was started without waves")
    })
}

fn refusal(err: ControlError) -> Problem {
    match err {
        ControlError::NoWave(name) | ControlError::Transition(TransitionError::NoWave(name)) => {
            Problem::new(StatusCode::NOT_FOUND, "wave.not-found", format!("no wave named `{name}`"))
        }
        ControlError::GatesFail { wave, failing, report } => Problem::new(
            StatusCode::CONFLICT,
            "wave.gates-failed",
            format!("wave {wave} cannot start: gate(s) {} fail; name them in `overrides` with a `reason` to start anyway", failing.join(", ")),
        )
        .with_extension("gates", serde_json::to_value(&report.gates).unwrap_or_default()),
        ControlError::Transition(TransitionError::State { .. }) => {
            Problem::new(StatusCode::CONFLICT, "wave.state", err.to_string())
        }
        ControlError::Override { .. } | ControlError::RedriveState(_) => {
            Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "wave.request", err.to_string())
        }
        ControlError::Store(err) | ControlError::Transition(TransitionError::Store(err)) => {
            store_unavailable(UNAVAILABLE, &err)
        }
    }
}

async fn answer(
    control: &WaveControl,
    name: &str,
    done: Result<u64, ControlError>,
    overridden: Vec<String>,
) -> Result<ActionOut, Problem> {
    let deliveries = done.map_err(refusal)?;
    let state = control.store().wave(name).await.map_err(|err| store_unavailable(UNAVAILABLE, &err))?;
    Ok(ActionOut {
        wave: name.to_owned(),
        state: state.map(|wave| wave.state).unwrap_or_default(),
        deliveries,
        overridden,
    })
}

fn respond(request_id: &RequestId, result: Result<impl Serialize, Problem>) -> Response {
    match result {
        Ok(body) => Json(body).into_response(),
        Err(problem) => problem.with_request_id(request_id.as_str()).into_response(),
    }
}

/// A wave's progress: users released, and per system its records by outcome.
#[utoipa::path(
    get,
    path = "/v1/waves/{name}",
    operation_id = "waveStatus",
    tag = "waves",
    params(("name" = String, Path, description = "The wave's name.")),
    responses(
        (status = 200, description = "The wave's progress.", body = WaveStatus),
        (status = 404, description = "No wave has this name.", body = Problem,
            content_type = "application/problem+json"),
        ReadRefusals,
    ),
    security(("bearer" = ["viewer"]), ("bearer" = ["ops"])),
)]
pub(super) async fn status(
    State(state): State<AppState>,
    Extension(request_id): Extension<RequestId>,
    Path(name): Path<String>,
) -> Response {
    let status = async { control(&state)?.status(&name).await.map_err(refusal) };
    respond(&request_id, status.await)
}

/// Start a planned wave.
///
/// Its gates are evaluated now; a failing gate refuses the start (`409 wave.gates-failed`,
/// with every gate's evidence) unless it is named in `overrides` with a `reason`.
#[utoipa::path(
    post,
    path = "/v1/waves/{name}/start",
    operation_id = "startWave",
    tag = "waves",
    params(("name" = String, Path, description = "The wave's name.")),
    request_body = StartIn,
    responses(
        (status = 200, description = "The wave runs; the hub feeds it.", body = ActionOut),
        (status = 404, description = "No wave has this name.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A gate fails, or the wave is not planned.", body = Problem,
            content_type = "application/problem+json"),
        (status = 422, description = "An unknown gate, or an override without a reason.", body = Problem,
            content_type = "application/problem+json"),
        WriteRefusals,
    ),
    security(("bearer" = ["ops"])),
)]
pub(super) async fn start(
    State(state): State<AppState>,
    Extension(request_id): Extension<RequestId>,
    Extension(caller): Extension<Caller>,
    Path(name): Path<String>,
    ValidJson(body): ValidJson<StartIn>,
) -> Response {
    let started = async {
        let control = control(&state)?;
        let started = control.start(&name, &actor(&caller), &body.overrides, body.reason.as_deref()).await;
        match started {
            Ok(started) => answer(control, &name, Ok(0), started.overridden).await,
            Err(err) => Err(refusal(err)),
        }
    };
    respond(&request_id, started.await)
}

macro_rules! wave_action {
    ($handler:ident, $method:ident, $path:literal, $operation:literal, $summary:literal, $description:literal) => {
        #[doc = $summary]
        #[utoipa::path(
            post,
            path = $path,
            operation_id = $operation,
            tag = "waves",
            description = $description,
            params(("name" = String, Path, description = "The wave's name.")),
            request_body = ActionIn,
            responses(
                (status = 200, description = "Done; how many deliveries it held or let go.", body = ActionOut),
                (status = 404, description = "No wave has this name.", body = Problem,
                    content_type = "application/problem+json"),
                (status = 409, description = "The wave is not in a state this applies to.", body = Problem,
                    content_type = "application/problem+json"),
                WriteRefusals,
            ),
            security(("bearer" = ["ops"])),
        )]
        pub(super) async fn $handler(
            State(state): State<AppState>,
            Extension(request_id): Extension<RequestId>,
            Extension(caller): Extension<Caller>,
            Path(name): Path<String>,
            ValidJson(body): ValidJson<ActionIn>,
        ) -> Response {
            let done = async {
                let control = control(&state)?;
                let done = control.$method(&name, &actor(&caller), body.reason.as_deref()).await;
                answer(control, &name, done, Vec::new()).await
            };
            respond(&request_id, done.await)
        }
    };
}

wave_action!(
    pause,
    pause,
    "/v1/waves/{name}/pause",
    "pauseWave",
    "Pause a running wave.",
    "Feeding stops and the wave's queued deliveries are held without spending attempts; live traffic keeps flowing."
);
wave_action!(
    resume,
    resume,
    "/v1/waves/{name}/resume",
    "resumeWave",
    "Resume a paused wave.",
    "Held deliveries go again and feeding continues after the last released user."
);
wave_action!(
    abort,
    abort,
    "/v1/waves/{name}/abort",
    "abortWave",
    "Abort a wave.",
    "No more of its users are released; its queued deliveries stay held and are reported as such."
);

/// Redrive a wave's silent failures and dead letters (once the downstream is fixed).
#[utoipa::path(
    post,
    path = "/v1/waves/{name}/redrive",
    operation_id = "redriveWave",
    tag = "waves",
    params(("name" = String, Path, description = "The wave's name.")),
    request_body = WaveRedriveIn,
    responses(
        (status = 200, description = "How many deliveries are pending again.", body = ActionOut),
        (status = 404, description = "No wave has this name.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A state that is not redriven.", body = Problem,
            content_type = "application/problem+json"),
        WriteRefusals,
    ),
    security(("bearer" = ["ops"])),
)]
pub(super) async fn redrive(
    State(state): State<AppState>,
    Extension(request_id): Extension<RequestId>,
    Extension(caller): Extension<Caller>,
    Path(name): Path<String>,
    ValidJson(body): ValidJson<WaveRedriveIn>,
) -> Response {
    let done = async {
        let control = control(&state)?;
        let done = control.redrive(&name, &actor(&caller), &body.states).await;
        answer(control, &name, done, Vec::new()).await
    };
    respond(&request_id, done.await)
}
