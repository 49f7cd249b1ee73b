//! `ValidJson<T>`: the JSON body extractor for API routes. A body that does not fit `T`
//! answers `422` with the JSON pointer of the field at fault; malformed JSON `400`; a
//! non-JSON content type `415`; all as problem details.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde_path_to_error::Segment;

use super::problem::Problem;
use super::request_id::RequestId;
use crate::ingest::FieldError;

/// A JSON body deserialized into `T`, with field paths in its errors.
#[derive(Debug, Clone)]
pub struct ValidJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ValidJson<T> {
    type Rejection = Response;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let request_id = RequestId::of(&request);
        let refuse = |problem: Problem| problem.with_request_id(&request_id).into_response();
        let content_type = request.headers().get(header::CONTENT_TYPE).and_then(|value| value.to_str().ok());
        let essence = content_type.unwrap_or_default().split(';').next().unwrap_or_default().trim();
        if !(essence.eq_ignore_ascii_case("application/json") || essence.ends_with("+json")) {
            return Err(refuse(Problem::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "request.content-type",
                "send the body as `application/json`",
            )));
        }
        let body = Bytes::from_request(request, state).await.map_err(|rejection| {
            refuse(Problem::new(rejection.status(), "request.body", rejection.body_text()))
        })?;
        parse(&body).map(ValidJson).map_err(refuse)
    }
}

fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, Problem> {
    let deserializer = &mut serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(deserializer).map_err(|err| {
        let pointer = json_pointer(err.path());
        let inner = err.into_inner();
        if inner.is_data() {
            let detail = inner.to_string();
            Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "request.invalid-field", detail.clone())
                .with_errors(vec![FieldError { pointer, detail }])
        } else {
            Problem::new(
                StatusCode::BAD_REQUEST,
                "request.malformed-json",
                format!("the body is not valid JSON: {inner}"),
            )
        }
    })
}

fn json_pointer(path: &serde_path_to_error::Path) -> String {
    path.iter()
        .filter_map(|segment| match segment {
            Segment::Seq { index } => Some(index.to_string()),
            Segment::Map { key } => Some(key.replace('~', "~0").replace('/', "~1")),
            Segment::Enum { .. } | Segment::Unknown => None,
        })
        .map(|token| format!("/{token}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)] // Only deserialized.
    struct WaveIn {
        name: String,
        cohorts: Vec<Cohort>,
    }

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Cohort {
        size: u32,
    }

    #[test]
    fn a_wrong_field_is_a_422_with_its_pointer() {
        let problem =
            parse::<WaveIn>(br#"{"name": "w1", "cohorts": [{"size": 1}, {"size": "big"}]}"#).unwrap_err();
        assert_eq!(problem.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let body = serde_json::to_value(&problem).unwrap();
        assert_eq!(body["errors"][0]["pointer"], "/cohorts/1/size");
    }

    #[test]
    fn malformed_json_is_a_400() {
        let problem = parse::<WaveIn>(b"{\"name\": ").unwrap_err();
        assert_eq!(problem.status(), StatusCode::BAD_REQUEST);
        assert_eq!(problem.code(), "request.malformed-json");
    }
}
