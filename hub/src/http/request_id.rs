//! Request ids: `x-request-id` is echoed when the caller sent a sane one, otherwise a ULID is
//! generated; the id is on the request's tracing span, in its extensions and on the response.

use axum::extract::Request;
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument;

pub const REQUEST_ID_HEADER: &str = "x-request-id";
const MAX_REQUEST_ID_LEN: usize = 128;

/// The id of the request being handled (a request extension).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestId(String);

impl RequestId {
    /// The caller's id if it is 1..=128 visible ASCII characters, otherwise a new ULID.
    pub fn from_header(value: Option<&HeaderValue>) -> Self {
        let given = value.and_then(|value| value.to_str().ok()).filter(|id| {
            !id.is_empty() && id.len() <= MAX_REQUEST_ID_LEN && id.bytes().all(|b| b.is_ascii_graphic())
        });
        match given {
            Some(id) => Self(id.to_owned()),
            None => Self(ulid::Ulid::generate().to_string()),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The id of a request that went through [`assign_request_id`], or `"unknown"`.
    pub fn of(request: &Request) -> String {
        request.extensions().get::<Self>().map_or_else(|| "unknown".to_owned(), |id| id.0.clone())
    }
}

/// Middleware: gives every request an id, a span carrying it, and echoes it on the response.
pub async fn assign_request_id(mut request: Request, next: Next) -> Response {
    let request_id = RequestId::from_header(request.headers().get(REQUEST_ID_HEADER));
    request.extensions_mut().insert(request_id.clone());
    let span = tracing::info_span!(
        "http_request",
        request_id = %request_id.as_str(),
        method = %request.method(),
        path = %request.uri().path(),
    );
    let mut response = next.run(request).instrument(span.clone()).await;
    span.in_scope(|| tracing::info!(status = response.status().as_u16(), "request handled"));
    if let Ok(value) = HeaderValue::from_str(request_id.as_str()) {
        response.headers_mut().insert(REQUEST_ID_HEADER, value);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sane_id_is_kept_and_anything_else_replaced() {
        let kept = RequestId::from_header(Some(&HeaderValue::from_static("abc-123")));
        assert_eq!(kept.as_str(), "abc-123");
        let spaced = RequestId::from_header(Some(&HeaderValue::from_static("a b")));
        assert_eq!(spaced.as_str().len(), 26, "a ULID");
        let long = "x".repeat(129);
        let replaced = RequestId::from_header(Some(&HeaderValue::from_str(&long).unwrap()));
        assert_ne!(replaced.as_str(), long);
        assert!(ulid::Ulid::from_string(RequestId::from_header(None).as_str()).is_ok());
    }
}
