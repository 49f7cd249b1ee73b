//! The API's OpenAPI 3.1 document, generated from the handlers' `#[utoipa::path]`s and the
//! DTOs' schemas, served at `GET /openapi.json` (open) and golden-tested against
//! `hub/openapi.json` (`UPDATE_GOLDEN=1 cargo test` rewrites it).

use std::collections::BTreeMap;
use std::sync::OnceLock;

use axum::http::header;
use axum::response::{IntoResponse, Response};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
use utoipa::{IntoResponses, Modify, OpenApi};

use super::problem::{PROBLEM_CONTENT_TYPE, Problem};
use super::{dead_letters, deliveries, events, health, metrics, query, systems, trace, waves};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Switchyard hub",
        description = "Ingest of CloudEvents and the operations API of the Switchyard hub: \
            deliveries, traces, dead letters, systems, metrics and migration waves.\n\n\
            Every route but the probes and this document needs `Authorization: Bearer <token>` \
            with one of the roles its security requirement lists (roles are the requirement's \
            scopes). With no tokens configured the hub is in local mode, listens on loopback \
            only, and needs no token.\n\n\
            Errors are RFC 9457 problem details (`application/problem+json`) with a stable \
            `code`, the fields at fault in `errors` (JSON pointers into the body) or the query \
            parameters at fault in `invalid_params`, and the request's id.",
    ),
    paths(
        events::post_events,
        health::healthz,
        health::readyz,
        deliveries::list,
        deliveries::status,
        trace::trace,
        dead_letters::list,
        dead_letters::show,
        dead_letters::redrive,
        systems::systems,
        metrics::metrics,
        waves::status,
        waves::start,
        waves::pause,
        waves::resume,
        waves::abort,
        waves::redrive,
        serve_openapi,
    ),
    components(schemas(Problem, query::InvalidParam)),
    modifiers(&BearerScheme),
    tags(
        (name = "ingest", description = "Events in."),
        (name = "probes", description = "Liveness and readiness, open to orchestrators."),
        (name = "deliveries", description = "Where each (event, system) pair stands."),
        (name = "trace", description = "Where is user X?"),
        (name = "dead-letters", description = "Deliveries out of attempts, and sending them again."),
        (name = "systems", description = "Routed downstream systems and their circuits."),
        (name = "metrics", description = "Prometheus metrics."),
        (name = "waves", description = "Migration waves: progress, start, pause, resume, abort, redrive."),
        (name = "meta", description = "This document."),
    ),
)]
#[derive(Debug)]
pub struct ApiDoc;

/// Adds the `bearer` security scheme the paths' requirements name.
struct BearerScheme;

impl Modify for BearerScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let scheme = HttpBuilder::new()
            .scheme(HttpAuthScheme::Bearer)
            .description(Some("An API token from the hub's `[[api.tokens]]`; never logged."))
            .build();
        components.add_security_scheme("bearer", SecurityScheme::Http(scheme));
    }
}

/// The document as served and golden-tested: pretty JSON with a trailing newline.
pub fn openapi_json() -> &'static str {
    static DOCUMENT: OnceLock<String> = OnceLock::new();
    DOCUMENT.get_or_init(|| {
        let mut text = ApiDoc::openapi().to_pretty_json().unwrap_or_default();
        text.push('\n');
        text
    })
}

/// The OpenAPI document.
#[utoipa::path(
    get,
    path = "/openapi.json",
    operation_id = "openapi",
    tag = "meta",
    responses((status = 200, description = "This OpenAPI 3.1 document.", content_type = "application/json")),
)]
pub(super) async fn serve_openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], openapi_json()).into_response()
}

fn problem_response(description: &str) -> RefOr<utoipa::openapi::Response> {
    let content = ContentBuilder::new().schema(Some(Ref::from_schema_name("Problem"))).build();
    ResponseBuilder::new().description(description).content(PROBLEM_CONTENT_TYPE, content).build().into()
}

fn problem_responses(entries: &[(&str, &str)]) -> BTreeMap<String, RefOr<utoipa::openapi::Response>> {
    entries
        .iter()
        .map(|(status, description)| ((*status).to_owned(), problem_response(description)))
        .collect()
}

const UNAUTHORIZED: (&str, &str) =
    ("401", "No valid bearer token (`auth.missing-token`, `auth.invalid-token`).");
const FORBIDDEN: (&str, &str) = ("403", "The token lacks the role (`auth.forbidden`).");
const UNAVAILABLE: (&str, &str) = (
    "503",
    "The hub serves no operations API (`ops.unavailable`), or the ledger failed (a `*.unavailable` \
     code, with `Retry-After`).",
);

/// The refusals every guarded read can answer: bad query parameters, auth, unavailability.
#[derive(Debug)]
pub struct ReadRefusals;

impl IntoResponses for ReadRefusals {
    fn responses() -> BTreeMap<String, RefOr<utoipa::openapi::Response>> {
        problem_responses(&[
            (
                "400",
                "A query parameter is not valid or not known (`request.invalid-parameter`, each named in `invalid_params`).",
            ),
            UNAUTHORIZED,
            FORBIDDEN,
            UNAVAILABLE,
        ])
    }
}

/// The refusals every guarded write can answer: a body that is not JSON, auth, unavailability.
#[derive(Debug)]
pub struct WriteRefusals;

impl IntoResponses for WriteRefusals {
    fn responses() -> BTreeMap<String, RefOr<utoipa::openapi::Response>> {
        problem_responses(&[
            ("400", "The body is not valid JSON (`request.malformed-json`)."),
            UNAUTHORIZED,
            FORBIDDEN,
            ("415", "The body is not `application/json` (`request.content-type`)."),
            UNAVAILABLE,
        ])
    }
}

/// Auth refusals alone, for guarded routes that take no parameters.
#[derive(Debug)]
pub struct AuthRefusals;

impl IntoResponses for AuthRefusals {
    fn responses() -> BTreeMap<String, RefOr<utoipa::openapi::Response>> {
        problem_responses(&[UNAUTHORIZED, FORBIDDEN, UNAVAILABLE])
    }
}
