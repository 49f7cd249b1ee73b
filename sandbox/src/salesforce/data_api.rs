//! Writes: upsert one record by external id, create one record, and sObject Collections upsert
//! (up to 200 records, per-record results inside HTTP 200, optional all-or-none). The `_in`
//! functions work on the locked org so that composite requests reuse them.

use std::collections::HashMap;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::org_config::{FieldConfig, ObjectConfig};
use super::server::{OrgData, SimState, parse_version};
use super::store::{Undo, UpsertFailure, UpsertOutcome};
use super::wire_errors::{Answer, ApiError, RecordError};

/// Records per sObject Collections request.
pub const MAX_COLLECTION_RECORDS: usize = 200;

/// The object and its external id field named in the path, or Salesforce's 404.
fn target<'a>(
    state: &'a SimState,
    object: &str,
    field: &str,
) -> Result<(&'a ObjectConfig, &'a FieldConfig), ApiError> {
    let object = state.org.object(object).ok_or_else(ApiError::not_found)?;
    let field = object.field(field).filter(|f| f.external_id).ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            format!("Provided external ID field does not exist or is not accessible: {field}"),
        )
    })?;
    Ok((object, field))
}

fn record_url(version: &str, object: &str, id: &str) -> String {
    format!("/services/data/{version}/sobjects/{object}/{id}")
}

/// `PATCH /services/data/vXX.X/sobjects/{Object}/{ExtIdField}/{value}`.
pub async fn upsert_one(
    State(state): State<SimState>,
    Path((version, object, field, value)): Path<(String, String, String, String)>,
    body: Bytes,
) -> Response {
    let (answer, _) = upsert_one_in(&state, &mut state.lock(), &version, &object, &field, &value, &body);
    record_latency(&state, 1).await;
    answer.into_response()
}

/// Upserts one record into the locked org; returns the answer and how to undo the write.
pub fn upsert_one_in(
    state: &SimState,
    data: &mut OrgData,
    version: &str,
    object: &str,
    field: &str,
    value: &str,
    body: &[u8],
) -> (Answer, Vec<Undo>) {
    let (object, field) = match target(state, object, field) {
        Ok(found) => found,
        Err(err) => return (err.into(), Vec::new()),
    };
    let mut record: Map<String, Value> = match serde_json::from_slice(body) {
        Ok(record) => record,
        Err(err) => return (ApiError::json_parser(err).into(), Vec::new()),
    };
    // The path names the record; the body's copy of the external id, if any, is not a change.
    record.retain(|k, _| !k.eq_ignore_ascii_case(&field.name));
    let before_v46 = parse_version(version).is_some_and(|v| v < 46.0);
    match data.save(&state.org, object, field, value, &record) {
        Ok((UpsertOutcome::Created { id }, undo)) => {
            let mut answer = Answer::json(
                StatusCode::CREATED,
                json!({"id": id, "success": true, "errors": [], "created": true}),
            );
            answer.location = Some(record_url(version, &object.name, &id));
            (answer, undo)
        }
        Ok((UpsertOutcome::Updated { .. }, undo)) if before_v46 => {
            (Answer::empty(StatusCode::NO_CONTENT), undo)
        }
        Ok((UpsertOutcome::Updated { id }, undo)) => (
            Answer::json(StatusCode::OK, json!({"id": id, "success": true, "errors": [], "created": false})),
            undo,
        ),
        Err(UpsertFailure::MultipleMatches(ids)) => {
            let urls: Vec<String> = ids.iter().map(|id| record_url(version, &object.name, id)).collect();
            (Answer::json(StatusCode::MULTIPLE_CHOICES, json!(urls)), Vec::new())
        }
        Err(UpsertFailure::Rejected(errors)) => (ApiError::from_record_errors(errors), Vec::new()),
    }
}

/// `POST /services/data/vXX.X/sobjects/{Object}`: creates a record.
pub async fn create(
    State(state): State<SimState>,
    Path((version, object)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let (answer, _) = create_in(&state, &mut state.lock(), &version, &object, &body);
    record_latency(&state, 1).await;
    answer.into_response()
}

/// Creates one record in the locked org; returns the answer and how to undo the write.
pub fn create_in(
    state: &SimState,
    data: &mut OrgData,
    version: &str,
    object: &str,
    body: &[u8],
) -> (Answer, Vec<Undo>) {
    let Some(object) = state.org.object(object) else {
        return (ApiError::not_found().into(), Vec::new());
    };
    let record: Map<String, Value> = match serde_json::from_slice(body) {
        Ok(record) => record,
        Err(err) => return (ApiError::json_parser(err).into(), Vec::new()),
    };
    match data.create(&state.org, object, &record) {
        Ok((UpsertOutcome::Created { id } | UpsertOutcome::Updated { id }, undo)) => {
            let mut answer =
                Answer::json(StatusCode::CREATED, json!({"id": id, "success": true, "errors": []}));
            answer.location = Some(record_url(version, &object.name, &id));
            (answer, undo)
        }
        Err(UpsertFailure::Rejected(errors)) => (ApiError::from_record_errors(errors), Vec::new()),
        // An insert matches nothing, so it cannot match several records.
        Err(UpsertFailure::MultipleMatches(_)) => (ApiError::not_found().into(), Vec::new()),
    }
}

/// The latency model's per-record part (off unless the org config sets it).
async fn record_latency(state: &SimState, records: usize) {
    let latency = state.org.faults.record_latency(records);
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
}

fn failure(errors: &[RecordError]) -> Value {
    json!({"success": false, "errors": errors})
}

/// The external id value a collection record carries, as a string.
fn external_value(record: &Map<String, Value>, field: &FieldConfig) -> Option<String> {
    let (_, value) = record.iter().find(|(k, _)| k.eq_ignore_ascii_case(&field.name))?;
    match value {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Checks that do not need the store: the record's type and its external id.
fn precheck(
    record: &Value,
    object: &ObjectConfig,
    field: &FieldConfig,
) -> Result<(Map<String, Value>, String), RecordError> {
    let Some(record) = record.as_object() else {
        return Err(RecordError::new("INVALID_TYPE", "Each record must be a JSON object", vec![]));
    };
    if let Some(declared) = record.get("attributes").and_then(|a| a.get("type")).and_then(Value::as_str)
        && !declared.eq_ignore_ascii_case(&object.name)
    {
        return Err(RecordError::new(
            "INVALID_TYPE",
            format!("Records of type {declared} cannot be upserted in a request for {}", object.name),
            vec![],
        ));
    }
    let value = external_value(record, field).ok_or_else(|| {
        RecordError::new(
            "MISSING_ARGUMENT",
            format!("{} not specified", field.name),
            vec![field.name.clone()],
        )
    })?;
    Ok((record.clone(), value))
}

/// `PATCH /services/data/vXX.X/composite/sobjects/{Object}/{ExtIdField}`.
pub async fn upsert_collection(
    State(state): State<SimState>,
    Path((_version, object, field)): Path<(String, String, String)>,
    body: Bytes,
) -> Response {
    let (object, field) = match target(&state, &object, &field) {
        Ok(found) => found,
        Err(err) => return err.into_response(),
    };
    let request: Value = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(err) => return ApiError::json_parser(err).into_response(),
    };
    let Some(records) = request.get("records").and_then(Value::as_array) else {
        return ApiError::json_parser("`records` must be an array of records").into_response();
    };
    let all_or_none = match request.get("allOrNone") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => return ApiError::json_parser("`allOrNone` must be a boolean").into_response(),
    };
    if records.len() > MAX_COLLECTION_RECORDS {
        return ApiError::new(
            StatusCode::BAD_REQUEST,
            "EXCEEDED_ID_LIMIT",
            format!("record limit reached. cannot submit more than {MAX_COLLECTION_RECORDS} records into this call"),
        )
        .into_response();
    }

    let prechecked: Vec<_> = records.iter().map(|r| precheck(r, object, field)).collect();
    // Salesforce refuses every record of a request that shares an external id value.
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (_, value) in prechecked.iter().flatten() {
        *seen.entry(value.as_str()).or_default() += 1;
    }

    let mut results = Vec::with_capacity(records.len());
    let mut any_failed = false;
    {
        let mut undos = Vec::new();
        let mut data = state.lock();
        for item in &prechecked {
            let result = match item {
                Err(err) => Err(vec![err.clone()]),
                Ok((_, value)) if seen.get(value.as_str()).copied().unwrap_or(0) > 1 => {
                    Err(vec![RecordError::new(
                        "DUPLICATE_EXTERNAL_ID",
                        format!("Duplicate external id specified: {value}"),
                        vec![field.name.clone()],
                    )])
                }
                Ok((record, value)) => match data.save(&state.org, object, field, value, record) {
                    Ok((outcome, undo)) => {
                        undos.extend(undo);
                        Ok(outcome)
                    }
                    Err(UpsertFailure::Rejected(errors)) => Err(errors),
                    Err(UpsertFailure::MultipleMatches(ids)) => Err(vec![RecordError::new(
                        "DUPLICATE_EXTERNAL_ID",
                        format!(
                            "{}: more than one record found for external id field: [{}]",
                            field.name,
                            ids.join(", ")
                        ),
                        vec![field.name.clone()],
                    )]),
                },
            };
            any_failed |= result.is_err();
            results.push(result);
        }
        if all_or_none && any_failed {
            data.store.undo(undos);
        }
    }
    record_latency(&state, records.len()).await;

    let rolled_back = RecordError::new(
        "ALL_OR_NONE_OPERATION_ROLLED_BACK",
        "Record rolled back because not all records were valid and the request was using AllOrNone header",
        vec![],
    );
    let body: Vec<Value> = results
        .into_iter()
        .map(|result| match result {
            Ok(_) if all_or_none && any_failed => failure(std::slice::from_ref(&rolled_back)),
            Ok(UpsertOutcome::Created { id }) => {
                json!({"id": id, "success": true, "errors": [], "created": true})
            }
            Ok(UpsertOutcome::Updated { id }) => {
                json!({"id": id, "success": true, "errors": [], "created": false})
            }
            Err(errors) => failure(&errors),
        })
        .collect();
    (StatusCode::OK, Json(body)).into_response()
}
