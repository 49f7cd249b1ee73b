//! Splits one HTTP request into candidate events according to its CloudEvents HTTP mode.

use serde_json::Value;

use super::binary;

/// `Content-Type` of structured mode: the body is one whole event as JSON.
pub const STRUCTURED_CONTENT_TYPE: &str = "application/cloudevents+json";
/// `Content-Type` of batched mode: the body is a JSON array of structured events.
pub const BATCHED_CONTENT_TYPE: &str = "application/cloudevents-batch+json";

/// The CloudEvents HTTP binding mode a request uses, told by its `Content-Type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Structured,
    Batched,
    /// Attributes in `ce-` headers, the body is the event's JSON `data`.
    Binary,
}

impl Mode {
    /// The mode of a request with this `Content-Type`; binary mode takes any JSON media type.
    pub fn from_content_type(content_type: Option<&str>) -> Result<Self, IngestError> {
        let Some(content_type) = content_type else {
            return Err(IngestError::UnsupportedContentType { content_type: String::new() });
        };
        let essence = media_type_essence(content_type);
        match essence.as_str() {
            STRUCTURED_CONTENT_TYPE => Ok(Self::Structured),
            BATCHED_CONTENT_TYPE => Ok(Self::Batched),
            "application/json" => Ok(Self::Binary),
            other if other.starts_with("application/") && other.ends_with("+json") => Ok(Self::Binary),
            _ => Err(IngestError::UnsupportedContentType { content_type: content_type.to_owned() }),
        }
    }
}

/// One event as received, before validation: its position in the request and its structured
/// JSON form (binary mode is converted to the same form).
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// 0-based position in a batch; always 0 in structured and binary mode.
    pub index: usize,
    pub event: Value,
}

impl Candidate {
    /// A string attribute, if present (used to name a rejected event by `id` and `source`).
    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.event.get(name).and_then(Value::as_str)
    }
}

/// Why a whole request was refused before any event in it was judged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IngestError {
    #[error(
        "content type `{content_type}` is not a CloudEvents HTTP mode: use `{STRUCTURED_CONTENT_TYPE}`, \
         `{BATCHED_CONTENT_TYPE}`, or `application/json` with `ce-` headers (binary mode)"
    )]
    UnsupportedContentType { content_type: String },
    #[error("the body is not valid JSON (line {line}, column {column}): {message}")]
    MalformedJson { line: usize, column: usize, message: String },
    #[error("a batch must be a JSON array of structured CloudEvents")]
    BatchNotArray,
    #[error("header `{header}` {rule}")]
    BadHeader { header: String, rule: &'static str },
}

impl IngestError {
    /// A stable code for problem details.
    pub fn code(&self) -> &'static str {
        match self {
            Self::UnsupportedContentType { .. } => "request.content-type",
            Self::MalformedJson { .. } => "request.malformed-json",
            Self::BatchNotArray => "request.batch-not-array",
            Self::BadHeader { .. } => "request.header",
        }
    }

    pub(super) fn malformed_json(err: &serde_json::Error) -> Self {
        Self::MalformedJson { line: err.line(), column: err.column(), message: err.to_string() }
    }
}

/// Splits a request into candidate events. `headers` are (name, raw value) pairs; only the
/// `ce-` ones matter, and only in binary mode.
pub fn parse_request<'a>(
    content_type: Option<&str>,
    headers: impl IntoIterator<Item = (&'a str, &'a [u8])>,
    body: &[u8],
) -> Result<Vec<Candidate>, IngestError> {
    match Mode::from_content_type(content_type)? {
        Mode::Structured => {
            let event = serde_json::from_slice(body).map_err(|err| IngestError::malformed_json(&err))?;
            Ok(vec![Candidate { index: 0, event }])
        }
        Mode::Batched => {
            let value: Value =
                serde_json::from_slice(body).map_err(|err| IngestError::malformed_json(&err))?;
            let Value::Array(events) = value else {
                return Err(IngestError::BatchNotArray);
            };
            Ok(events.into_iter().enumerate().map(|(index, event)| Candidate { index, event }).collect())
        }
        Mode::Binary => {
            // `from_content_type` returned Binary, so there is a content type.
            let content_type = content_type.unwrap_or_default();
            let event = binary::structured_from_binary(content_type, headers, body)?;
            Ok(vec![Candidate { index: 0, event }])
        }
    }
}

fn media_type_essence(content_type: &str) -> String {
    content_type.split(';').next().unwrap_or_default().trim().to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn no_headers() -> Vec<(&'static str, &'static [u8])> {
        Vec::new()
    }

    #[test]
    fn modes_follow_the_content_type() {
        let mode = |ct: &str| Mode::from_content_type(Some(ct));
        assert_eq!(mode("application/cloudevents+json; charset=utf-8"), Ok(Mode::Structured));
        assert_eq!(mode("Application/CloudEvents-Batch+JSON"), Ok(Mode::Batched));
        assert_eq!(mode("application/json"), Ok(Mode::Binary));
        assert_eq!(mode("application/vnd.acme+json"), Ok(Mode::Binary));
        assert!(matches!(mode("text/plain"), Err(IngestError::UnsupportedContentType { .. })));
        assert!(Mode::from_content_type(None).is_err());
    }

    #[test]
    fn a_batch_keeps_each_item_index() {
        let body = json!([{"id": "a"}, 3, {"id": "c"}]).to_string();
        let candidates = parse_request(Some(BATCHED_CONTENT_TYPE), no_headers(), body.as_bytes()).unwrap();
        assert_eq!(candidates.len(), 3);
        assert_eq!(candidates[2].index, 2);
        assert_eq!(candidates[2].attribute("id"), Some("c"));
    }

    #[test]
    fn request_level_faults_refuse_the_whole_request() {
        let err = parse_request(Some(STRUCTURED_CONTENT_TYPE), no_headers(), b"{not json").unwrap_err();
        assert_eq!(err.code(), "request.malformed-json");
        let err = parse_request(Some(BATCHED_CONTENT_TYPE), no_headers(), b"{}").unwrap_err();
        assert_eq!(err, IngestError::BatchNotArray);
    }
}
