//! `POST /v1/events`: read the body within the limit, split it into candidate events, validate
//! each, commit the valid ones through the sink, answer with what was accepted and rejected.
//! The handler never touches storage itself; the [`EventSink`](crate::ingest::EventSink) does.

use axum::Extension;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::ingest_reply::{AcceptedEvent, IngestOutcome, IngestReply};
use super::problem::Problem;
use super::request_id::RequestId;
use super::state::AppState;
use crate::ingest::{self, IngestError, Mode};

/// Ingest CloudEvents.
///
/// Structured (`application/cloudevents+json`), batched (`application/cloudevents-batch+json`)
/// or binary mode (`ce-*` headers, the data as the body). Each event is validated against its
/// contract; the valid ones are committed with their deliveries in one transaction. Repeats of
/// a `source`+`id` already recorded are acknowledged as duplicates and stored once.
#[utoipa::path(
    post,
    path = "/v1/events",
    operation_id = "postEvents",
    tag = "ingest",
    request_body(
        description = "One structured CloudEvent, a batch of them, or a binary-mode event (its \
            attributes in `ce-*` headers, its data as an `application/json` or `+json` body).",
        content(
            (Object = "application/cloudevents+json"),
            (Vec<Object> = "application/cloudevents-batch+json"),
            (Object = "application/json"),
        ),
    ),
    responses(
        (status = 202, description = "Every event accepted (duplicates included, flagged), or an empty batch.",
            body = IngestReply),
        (status = 207, description = "A batch with some events accepted and some rejected.", body = IngestReply),
        (status = 400, description = "Malformed JSON, a batch that is not an array, or a bad `ce-*` header.",
            body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token lacks the `ingest` role.", body = Problem,
            content_type = "application/problem+json"),
        (status = 413, description = "The body is larger than the limit (`request.too-large`).", body = Problem,
            content_type = "application/problem+json"),
        (status = 415, description = "Not a CloudEvents content type (`request.content-type`).", body = Problem,
            content_type = "application/problem+json"),
        (status = 422, description = "The event, or every event of the batch (`batch.rejected`), was rejected; \
            nothing was stored.", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The events could not be stored (`ingest.unavailable`); send them again.",
            body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["ingest"])),
)]
pub(super) async fn post_events(
    State(state): State<AppState>,
    Extension(request_id): Extension<RequestId>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    match ingest_events(&state, &headers, body).await {
        Ok(outcome) => outcome.into_response(request_id.as_str()),
        Err(problem) => problem.with_request_id(request_id.as_str()).into_response(),
    }
}

async fn ingest_events(state: &AppState, headers: &HeaderMap, body: Body) -> Result<IngestOutcome, Problem> {
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|value| value.to_str().ok());
    // Refuse a wrong content type before reading a possibly large body.
    let mode = Mode::from_content_type(content_type).map_err(request_problem)?;
    let body = read_body(headers, body, state.body_limit()).await?;
    let header_pairs = headers.iter().map(|(name, value)| (name.as_str(), value.as_bytes()));
    let candidates = ingest::parse_request(content_type, header_pairs, &body).map_err(request_problem)?;

    let mut valid = Vec::new();
    let mut rejected = Vec::new();
    for candidate in candidates {
        match ingest::validate(state.catalog(), candidate) {
            Ok(event) => valid.push(event),
            Err(rejection) => {
                tracing::info!(index = rejection.index, code = rejection.code, event_id = ?rejection.id, "event rejected");
                rejected.push(rejection);
            }
        }
    }
    let accepted = commit(state, valid).await?;
    let duplicates = accepted.iter().filter(|event| event.duplicate).count();
    if let Some(ops) = state.ops() {
        ops.metrics.events_accepted((accepted.len() - duplicates) as u64);
        ops.metrics.events_duplicate(duplicates as u64);
    }
    tracing::info!(accepted = accepted.len(), duplicates, rejected = rejected.len(), "events ingested");
    Ok(IngestOutcome { batched: mode == Mode::Batched, accepted, rejected })
}

/// Commits through the sink; on failure nothing is claimed as accepted (503).
async fn commit(
    state: &AppState,
    events: Vec<ingest::ValidatedEvent>,
) -> Result<Vec<AcceptedEvent>, Problem> {
    if events.is_empty() {
        return Ok(Vec::new());
    }
    let indexes: Vec<usize> = events.iter().map(ingest::ValidatedEvent::index).collect();
    let receipts = state.sink().accept(events).await.map_err(|err| {
        tracing::error!(error = %err, source = ?std::error::Error::source(&err), "committing events failed");
        Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "ingest.unavailable",
            "the events could not be stored; none of this request was accepted, send it again",
        )
        .with_retry_after(5)
    })?;
    if receipts.len() != indexes.len() {
        tracing::error!(
            events = indexes.len(),
            receipts = receipts.len(),
            "sink returned the wrong number of receipts"
        );
        return Err(Problem::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "the hub failed; see its logs",
        ));
    }
    Ok(indexes.into_iter().zip(receipts).map(|(index, receipt)| AcceptedEvent::new(index, receipt)).collect())
}

async fn read_body(headers: &HeaderMap, body: Body, limit: usize) -> Result<Bytes, Problem> {
    let too_large = || {
        Problem::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "request.too-large",
            format!("the body is larger than the limit of {limit} bytes; send smaller batches"),
        )
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    if declared.is_some_and(|length| length > limit as u64) {
        return Err(too_large());
    }
    // The only other way reading fails is the client going away, when the answer is moot.
    axum::body::to_bytes(body, limit).await.map_err(|_| too_large())
}

fn request_problem(err: IngestError) -> Problem {
    let status = match err {
        IngestError::UnsupportedContentType { .. } => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        IngestError::MalformedJson { .. } | IngestError::BatchNotArray | IngestError::BadHeader { .. } => {
            StatusCode::BAD_REQUEST
        }
    };
    Problem::new(status, err.code(), err.to_string())
}
