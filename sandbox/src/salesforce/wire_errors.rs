//! The shapes a Salesforce client sees: top-level error arrays
//! (`[{"message","errorCode","fields"?}]`), per-record errors (`{"statusCode",...}`), and one
//! resource's answer (status, body, `Location`) as a response or a composite subrequest result.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{Value, json};

/// One per-record error, as inside sObject Collections results.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecordError {
    #[serde(rename = "statusCode")]
    pub status_code: &'static str,
    pub message: String,
    pub fields: Vec<String>,
}

impl RecordError {
    pub fn new(status_code: &'static str, message: impl Into<String>, fields: Vec<String>) -> Self {
        Self { status_code, message: message.into(), fields }
    }
}

/// A whole-request failure: an HTTP status with a one-element error array.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub error_code: &'static str,
    pub message: String,
    pub fields: Option<Vec<String>>,
}

impl ApiError {
    pub fn new(status: StatusCode, error_code: &'static str, message: impl Into<String>) -> Self {
        Self { status, error_code, message: message.into(), fields: None }
    }

    pub fn session_invalid() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "INVALID_SESSION_ID", "Session expired or invalid")
    }

    pub fn limit_exceeded() -> Self {
        Self::new(StatusCode::FORBIDDEN, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")
    }

    /// Too many long-running requests (Salesforce's concurrent long-request limit).
    pub fn long_requests_exceeded() -> Self {
        Self::new(StatusCode::FORBIDDEN, "REQUEST_LIMIT_EXCEEDED", "ConcurrentPerOrgLongTxn Limit exceeded.")
    }

    pub fn server_unavailable() -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "SERVER_UNAVAILABLE",
            "Server is temporarily unavailable to handle this request. Please retry later.",
        )
    }

    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "NOT_FOUND", "The requested resource does not exist")
    }

    pub fn json_parser(detail: impl std::fmt::Display) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "JSON_PARSER_ERROR",
            format!("The request body is not valid JSON for this resource: {detail}"),
        )
    }

    /// A single-record failure raised to the top level (as single-record upsert answers).
    pub fn from_record_errors(errors: Vec<RecordError>) -> Answer {
        let body: Vec<_> = errors
            .into_iter()
            .map(|e| json!({"message": e.message, "errorCode": e.status_code, "fields": e.fields}))
            .collect();
        Answer::json(StatusCode::BAD_REQUEST, Value::Array(body))
    }

    fn body(&self) -> Value {
        let mut item = json!({"message": self.message, "errorCode": self.error_code});
        if let Some(fields) = &self.fields {
            item["fields"] = json!(fields);
        }
        json!([item])
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(self.body())).into_response()
    }
}

/// One resource's answer before it becomes an HTTP response: what a handler returns and what a
/// composite subrequest reports (`httpStatusCode`, `body`, `httpHeaders`).
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub status: StatusCode,
    /// `None` for an empty body (204, or a pre-v46 upsert update).
    pub body: Option<Value>,
    /// The `Location` header of a created record.
    pub location: Option<String>,
}

impl Answer {
    pub fn json(status: StatusCode, body: Value) -> Self {
        Self { status, body: Some(body), location: None }
    }

    pub fn empty(status: StatusCode) -> Self {
        Self { status, body: None, location: None }
    }

    pub fn is_success(&self) -> bool {
        self.status.is_success()
    }
}

impl From<ApiError> for Answer {
    fn from(err: ApiError) -> Self {
        Answer::json(err.status, err.body())
    }
}

impl IntoResponse for Answer {
    fn into_response(self) -> Response {
        let mut response = match self.body {
            Some(body) => (self.status, Json(body)).into_response(),
            None => self.status.into_response(),
        };
        if let Some(location) = self.location.and_then(|l| HeaderValue::from_str(&l).ok()) {
            response.headers_mut().insert(header::LOCATION, location);
        }
        response
    }
}
