//! What `POST /v1/events` answers, decided by a pure function of what was accepted and what
//! was rejected:
//!
//! | situation | status | body |
//! | --- | --- | --- |
//! | every event accepted (duplicates included), or an empty batch | `202 Accepted` | `{request_id, accepted: [{index, source, id, duplicate}], rejected: []}` |
//! | a batch with some accepted and some rejected | `207 Multi-Status` | same shape, `rejected: [{index, id, source, code, detail, errors}]` |
//! | the one event of a structured or binary request rejected | `422` | problem with the event's code and `errors` |
//! | every event of a non-empty batch rejected | `422` | problem `batch.rejected`, `errors` pointing into the array (`/2/data/x`), `rejected` as above |
//!
//! Pointers in `rejected[].errors` are relative to the event (`/data/status`); in binary mode
//! `/id` names the `ce-id` header.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::problem::Problem;
use crate::ingest::{FieldError, Receipt, Rejection};

/// One accepted event in a reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct AcceptedEvent {
    pub index: usize,
    pub source: String,
    pub id: String,
    pub duplicate: bool,
}

impl AcceptedEvent {
    pub fn new(index: usize, receipt: Receipt) -> Self {
        Self { index, source: receipt.source, id: receipt.id, duplicate: receipt.duplicate }
    }
}

/// The result of one ingest request, once the sink has committed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IngestOutcome {
    pub batched: bool,
    pub accepted: Vec<AcceptedEvent>,
    pub rejected: Vec<Rejection>,
}

/// What ingest accepted (duplicates included, flagged) and what it rejected.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(super) struct IngestReply {
    request_id: String,
    accepted: Vec<AcceptedEvent>,
    rejected: Vec<Rejection>,
}

impl IngestOutcome {
    /// The status this outcome is answered with (see the module docs).
    pub fn status(&self) -> StatusCode {
        match (self.accepted.is_empty(), self.rejected.is_empty()) {
            (_, true) => StatusCode::ACCEPTED,
            (false, false) => StatusCode::MULTI_STATUS,
            (true, false) => StatusCode::UNPROCESSABLE_ENTITY,
        }
    }

    pub fn into_response(self, request_id: &str) -> Response {
        let status = self.status();
        if status != StatusCode::UNPROCESSABLE_ENTITY {
            let reply = IngestReply {
                request_id: request_id.to_owned(),
                accepted: self.accepted,
                rejected: self.rejected,
            };
            return (status, Json(reply)).into_response();
        }
        self.refusal().with_request_id(request_id).into_response()
    }

    /// The problem for an outcome in which nothing was accepted.
    fn refusal(self) -> Problem {
        let mut rejected = self.rejected;
        if !self.batched && rejected.len() == 1 {
            let rejection = rejected.remove(0);
            return Problem::new(StatusCode::UNPROCESSABLE_ENTITY, rejection.code, rejection.detail)
                .with_errors(rejection.errors);
        }
        let errors = rejected
            .iter()
            .flat_map(|rejection| {
                rejection.errors.iter().map(|error| FieldError {
                    pointer: format!("/{}{}", rejection.index, error.pointer),
                    detail: error.detail.clone(),
                })
            })
            .collect();
        let detail = format!("all {} events of the batch were rejected; none was stored", rejected.len());
        Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "batch.rejected", detail)
            .with_errors(errors)
            .with_extension("rejected", serde_json::to_value(&rejected).unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accepted(index: usize) -> AcceptedEvent {
        AcceptedEvent { index, source: "/s".into(), id: format!("e-{index}"), duplicate: false }
    }

    fn rejected(index: usize) -> Rejection {
        Rejection {
            index,
            id: Some(format!("e-{index}")),
            source: Some("/s".into()),
            code: "event.schema",
            detail: "bad".into(),
            errors: vec![FieldError { pointer: "/data/status".into(), detail: "enum".into() }],
        }
    }

    fn outcome(batched: bool, accepted: Vec<AcceptedEvent>, rejected: Vec<Rejection>) -> IngestOutcome {
        IngestOutcome { batched, accepted, rejected }
    }

    #[test]
    fn status_follows_what_was_accepted() {
        assert_eq!(outcome(false, vec![accepted(0)], vec![]).status(), StatusCode::ACCEPTED);
        assert_eq!(outcome(true, vec![], vec![]).status(), StatusCode::ACCEPTED);
        assert_eq!(outcome(true, vec![accepted(0)], vec![rejected(1)]).status(), StatusCode::MULTI_STATUS);
        assert_eq!(outcome(true, vec![], vec![rejected(0)]).status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(outcome(false, vec![], vec![rejected(0)]).status(), StatusCode::UNPROCESSABLE_ENTITY);
    }

    #[test]
    fn a_refused_batch_points_into_the_array() {
        let problem = outcome(true, vec![], vec![rejected(0), rejected(3)]).refusal();
        let body = serde_json::to_value(&problem).unwrap();
        assert_eq!(body["code"], "batch.rejected");
        assert_eq!(body["errors"][1]["pointer"], "/3/data/status");
        assert_eq!(body["rejected"][1]["index"], 3);
    }

    #[test]
    fn a_refused_single_event_keeps_its_own_code() {
        let body = serde_json::to_value(outcome(false, vec![], vec![rejected(0)]).refusal()).unwrap();
        assert_eq!(body["code"], "event.schema");
        assert_eq!(body["errors"][0]["pointer"], "/data/status");
    }
}
