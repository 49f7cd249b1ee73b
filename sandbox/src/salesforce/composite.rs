//! `POST /services/data/vXX.X/composite`: up to 25 subrequests in one API call, run in order
//! against the locked org through the same functions as the standalone resources (upsert by
//! external id, create, query, describe), with `@{ref.field}` references into earlier results
//! and `allOrNone` (roll everything back; the others fail with `PROCESSING_HALTED`).

use std::collections::{HashMap, HashSet};

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use percent_encoding::percent_decode_str;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::composite_refs::{self, Unresolved};
use super::server::{OrgData, SimState, parse_version};
use super::store::Undo;
use super::wire_errors::{Answer, ApiError};
use super::{data_api, read_api};

/// Subrequests per composite request.
pub const MAX_SUBREQUESTS: usize = 25;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CompositeIn {
    #[serde(default)]
    all_or_none: bool,
    composite_request: Vec<SubrequestIn>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SubrequestIn {
    method: String,
    url: String,
    reference_id: String,
    body: Option<Value>,
}

fn halted(message: impl Into<String>) -> Answer {
    ApiError::new(StatusCode::BAD_REQUEST, "PROCESSING_HALTED", message).into()
}

fn rolled_back() -> Answer {
    halted("The transaction was rolled back since another operation in the same transaction failed.")
}

fn result_json(reference_id: Option<&str>, answer: Answer) -> Value {
    let mut headers = Map::new();
    if let Some(location) = answer.location {
        headers.insert("Location".into(), Value::String(location));
    }
    json!({
        "body": answer.body.unwrap_or(Value::Null),
        "httpHeaders": headers,
        "httpStatusCode": answer.status.as_u16(),
        "referenceId": reference_id,
    })
}

/// `POST /services/data/vXX.X/composite`.
pub async fn composite(State(state): State<SimState>, Path(version): Path<String>, body: Bytes) -> Response {
    let request: CompositeIn = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(err) => return ApiError::json_parser(err).into_response(),
    };
    if request.composite_request.len() > MAX_SUBREQUESTS {
        // Salesforce answers this inside a 200, as one result without a reference id.
        let limit = ApiError::new(
            StatusCode::BAD_REQUEST,
            "LIMIT_EXCEEDED",
            "The request can\u{2019}t contain more than 25 operations.",
        );
        return Json(json!({"compositeResponse": [result_json(None, limit.into())]})).into_response();
    }
    if let Err(err) = check_reference_ids(&request.composite_request) {
        return err.into_response();
    }
    let writes = request.composite_request.iter().filter(|s| !s.method.eq_ignore_ascii_case("GET")).count();
    let results = run(&state, &mut state.lock(), &version, request);
    let latency = state.org.faults.record_latency(writes);
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let body: Vec<Value> =
        results.into_iter().map(|(reference_id, answer)| result_json(Some(&reference_id), answer)).collect();
    Json(json!({"compositeResponse": body})).into_response()
}

/// Reference ids are letters, digits and underscores, and unique within the request.
fn check_reference_ids(subrequests: &[SubrequestIn]) -> Result<(), ApiError> {
    let mut seen = HashSet::new();
    for sub in subrequests {
        let id = sub.reference_id.as_str();
        if id.is_empty() || !id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "INVALID_INPUT",
                format!(
                    "Invalid referenceId: {id:?}. A referenceId holds only letters, numbers and underscores."
                ),
            ));
        }
        if !seen.insert(id) {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "INVALID_INPUT",
                format!("Duplicate ReferenceId provided in the request: {id}"),
            ));
        }
    }
    Ok(())
}

/// Runs the subrequests in order; with `allOrNone`, the first failure undoes every write and
/// every other subrequest reports `PROCESSING_HALTED`.
fn run(state: &SimState, data: &mut OrgData, version: &str, request: CompositeIn) -> Vec<(String, Answer)> {
    let mut done: HashMap<String, Value> = HashMap::new();
    let mut results: Vec<(String, Answer)> = Vec::with_capacity(request.composite_request.len());
    let mut undos: Vec<Undo> = Vec::new();
    let mut failed_at = None;
    let ids: Vec<String> = request.composite_request.iter().map(|s| s.reference_id.clone()).collect();
    for (index, sub) in request.composite_request.into_iter().enumerate() {
        let answer = match resolve(&sub, &done) {
            Ok((url, body)) => {
                let (answer, undo) = dispatch(state, data, version, &sub.method, &url, &body);
                undos.extend(undo);
                answer
            }
            Err(Unresolved(expression)) => {
                let reference = expression.split('.').next().unwrap_or_default().to_owned();
                halted(format!(
                    "Invalid reference specified. No value for {expression} found in {reference}."
                ))
            }
        };
        if answer.is_success() {
            done.insert(sub.reference_id.clone(), answer.body.clone().unwrap_or(Value::Null));
        } else if request.all_or_none {
            failed_at = Some(index);
            results.push((sub.reference_id, answer));
            break;
        }
        results.push((sub.reference_id, answer));
    }
    let Some(failed_at) = failed_at else {
        return results;
    };
    data.store.undo(undos);
    let mut halted_results: Vec<(String, Answer)> = results
        .into_iter()
        .enumerate()
        .map(|(index, (id, answer))| if index == failed_at { (id, answer) } else { (id, rolled_back()) })
        .collect();
    // The ones never run are reported too, in request order.
    halted_results.extend(ids.into_iter().skip(failed_at + 1).map(|id| (id, rolled_back())));
    halted_results
}

/// The subrequest's URL and body with references filled in.
fn resolve(sub: &SubrequestIn, done: &HashMap<String, Value>) -> Result<(String, Vec<u8>), Unresolved> {
    let url = composite_refs::substitute(&sub.url, done)?;
    let body = match &sub.body {
        Some(body) => composite_refs::substitute_value(body, done)?.to_string().into_bytes(),
        None => Vec::new(),
    };
    Ok((url, body))
}

/// Routes one subrequest to the resource it names.
fn dispatch(
    state: &SimState,
    data: &mut OrgData,
    version: &str,
    method: &str,
    url: &str,
    body: &[u8],
) -> (Answer, Vec<Undo>) {
    let Ok(parsed) = url::Url::parse(&format!("http://composite{url}")) else {
        return (ApiError::not_found().into(), Vec::new());
    };
    let segments: Vec<String> = parsed
        .path_segments()
        .map(|s| s.map(|part| percent_decode_str(part).decode_utf8_lossy().into_owned()).collect())
        .unwrap_or_default();
    let path: Vec<&str> = segments.iter().map(String::as_str).collect();
    let ["services", "data", sub_version, rest @ ..] = path.as_slice() else {
        return (ApiError::not_found().into(), Vec::new());
    };
    if parse_version(sub_version).is_none() {
        return (ApiError::not_found().into(), Vec::new());
    }
    let method = Method::from_bytes(method.to_ascii_uppercase().as_bytes()).unwrap_or(Method::OPTIONS);
    match (rest, method) {
        (["sobjects", object, field, value], Method::PATCH) => {
            data_api::upsert_one_in(state, data, version, object, field, value, body)
        }
        (["sobjects", object], Method::POST) => data_api::create_in(state, data, version, object, body),
        (["sobjects", object, "describe"], Method::GET) => {
            (read_api::describe_in(&state.org, object), Vec::new())
        }
        (["query"], Method::GET) => {
            let q = parsed.query_pairs().find(|(k, _)| k == "q").map(|(_, v)| v.into_owned());
            (read_api::query_in(state, data, version, q.as_deref()), Vec::new())
        }
        (["sobjects", ..] | ["query"], method) => {
            let err = ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "METHOD_NOT_ALLOWED",
                format!("HTTP Method '{method}' not allowed. Allowed are GET,PATCH,POST"),
            );
            (err.into(), Vec::new())
        }
        _ => (ApiError::not_found().into(), Vec::new()),
    }
}
