//! RFC 9457 problem details (`application/problem+json`) with a stable `code`, the fields at
//! fault and the request id. Internal detail is logged where the problem is made, never put
//! in the body.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::ingest::FieldError;

pub const PROBLEM_CONTENT_TYPE: &str = "application/problem+json";

/// One problem response. Boxed, so `Result<_, Problem>` stays small.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(transparent)]
pub struct Problem(Box<ProblemBody>);

/// An RFC 9457 problem: what went wrong, its stable `code`, the fields at fault and the request.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[schema(as = Problem)]
struct ProblemBody {
    /// `urn:switchyard:problem:<code>`.
    #[serde(rename = "type")]
    type_uri: String,
    /// The status's reason phrase.
    title: &'static str,
    /// The HTTP status code.
    #[serde(serialize_with = "serialize_status")]
    #[schema(value_type = u16)]
    status: StatusCode,
    /// What went wrong, for people.
    detail: String,
    /// What went wrong, for programs: stable (e.g. `auth.forbidden`, `event.schema`).
    code: &'static str,
    /// `urn:switchyard:request:<request id>`: identifies this occurrence.
    #[serde(skip_serializing_if = "Option::is_none")]
    instance: Option<String>,
    /// The request's id, as echoed in `x-request-id`: quote it when reporting a problem.
    #[serde(skip_serializing_if = "Option::is_none")]
    request_id: Option<String>,
    /// The fields at fault, as JSON pointers into the body (empty when none).
    errors: Vec<FieldError>,
    /// Extension members (RFC 9457 section 3.2), e.g. `rejected` for a refused batch,
    /// `invalid_params` for bad query parameters.
    #[serde(flatten)]
    extensions: Map<String, Value>,
    #[serde(skip)]
    retry_after_seconds: Option<u32>,
}

impl Problem {
    pub fn new(status: StatusCode, code: &'static str, detail: impl Into<String>) -> Self {
        Self(Box::new(ProblemBody {
            type_uri: format!("urn:switchyard:problem:{code}"),
            title: status.canonical_reason().unwrap_or("Error"),
            status,
            detail: detail.into(),
            code,
            instance: None,
            request_id: None,
            errors: Vec::new(),
            extensions: Map::new(),
            retry_after_seconds: None,
        }))
    }

    pub fn with_request_id(mut self, request_id: &str) -> Self {
        self.0.instance = Some(format!("urn:switchyard:request:{request_id}"));
        self.0.request_id = Some(request_id.to_owned());
        self
    }

    pub fn with_errors(mut self, errors: Vec<FieldError>) -> Self {
        self.0.errors = errors;
        self
    }

    pub fn with_extension(mut self, name: &str, value: Value) -> Self {
        self.0.extensions.insert(name.to_owned(), value);
        self
    }

    pub fn with_retry_after(mut self, seconds: u32) -> Self {
        self.0.retry_after_seconds = Some(seconds);
        self
    }

    pub fn status(&self) -> StatusCode {
        self.0.status
    }

    pub fn code(&self) -> &'static str {
        self.0.code
    }
}

impl utoipa::PartialSchema for Problem {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        <ProblemBody as utoipa::PartialSchema>::schema()
    }
}

impl utoipa::ToSchema for Problem {
    fn name() -> std::borrow::Cow<'static, str> {
        <ProblemBody as utoipa::ToSchema>::name()
    }

    fn schemas(schemas: &mut Vec<(String, utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>)>) {
        <ProblemBody as utoipa::ToSchema>::schemas(schemas);
    }
}

fn serialize_status<S: serde::Serializer>(status: &StatusCode, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_u16(status.as_u16())
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = self.0.status;
        let retry_after = self.0.retry_after_seconds;
        let unauthorized = status == StatusCode::UNAUTHORIZED;
        let body = serde_json::to_vec(&self).unwrap_or_default();
        let mut response = (status, [(header::CONTENT_TYPE, PROBLEM_CONTENT_TYPE)], body).into_response();
        if let Some(seconds) = retry_after {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        if unauthorized {
            response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_body_has_the_rfc_9457_members_and_ours() {
        let problem = Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "event.schema", "bad data")
            .with_request_id("01J")
            .with_errors(vec![FieldError { pointer: "/data/x".into(), detail: "required".into() }]);
        let body = serde_json::to_value(&problem).unwrap();
        assert_eq!(body["type"], "urn:switchyard:problem:event.schema");
        assert_eq!(body["title"], "Unprocessable Entity");
        assert_eq!(body["status"], 422);
        assert_eq!(body["code"], "event.schema");
        assert_eq!(body["request_id"], "01J");
        assert_eq!(body["instance"], "urn:switchyard:request:01J");
        assert_eq!(body["errors"][0]["pointer"], "/data/x");
    }
}
