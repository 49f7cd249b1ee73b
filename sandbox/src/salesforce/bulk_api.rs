//! Bulk API 2.0 ingest over HTTP: create a job, upload its CSV, close or abort it, read its
//! info (one or all), delete it, and fetch its successful, failed and unprocessed results.

use axum::Json;
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use serde::Deserialize;
use serde_json::json;

use super::bulk_csv::{self, ResultKind};
use super::bulk_job::{ColumnDelimiter, JobSpec, JobState, LineEnding, Operation};
use super::bulk_process;
use super::server::{SimState, parse_version};
use super::wire_errors::ApiError;

/// Most bytes one upload may carry (150 MB).
pub const MAX_UPLOAD_BYTES: usize = 150 * 1024 * 1024;

/// The ingest routes, under the data router's session check (each call counts).
pub fn routes() -> Router<SimState> {
    let job = "/services/data/{version}/jobs/ingest/{id}";
    Router::new()
        .route("/services/data/{version}/jobs/ingest", get(list_jobs).post(create_job))
        .route(job, get(job_info).patch(set_state).delete(delete_job))
        .route(&format!("{job}/batches"), put(upload))
        .route(&format!("{job}/batches/"), put(upload))
        .route(&format!("{job}/{{results}}"), get(results))
        .route(&format!("{job}/{{results}}/"), get(results))
}

/// `POST /jobs/ingest` body.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct CreateJobIn {
    object: String,
    operation: String,
    external_id_field_name: Option<String>,
    content_type: Option<String>,
    line_ending: Option<LineEnding>,
    column_delimiter: Option<ColumnDelimiter>,
    /// Accepted and ignored: the simulated org has no assignment rules.
    #[allow(dead_code)]
    assignment_rule_id: Option<String>,
}

fn invalid_job(message: impl Into<String>) -> Response {
    ApiError::new(StatusCode::BAD_REQUEST, "INVALIDJOB", message).into_response()
}

fn invalid_state(message: impl Into<String>) -> Response {
    ApiError::new(StatusCode::BAD_REQUEST, "INVALIDJOBSTATE", message).into_response()
}

fn version_number(version: &str) -> f64 {
    parse_version(version).unwrap_or_default()
}

async fn create_job(State(state): State<SimState>, Path(version): Path<String>, body: Bytes) -> Response {
    let request: CreateJobIn = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(err) => return ApiError::json_parser(err).into_response(),
    };
    let Some(object) = state.org.object(&request.object) else {
        return invalid_job(format!("InvalidJob : Invalid object: {}", request.object));
    };
    let operation = match request.operation.as_str() {
        "insert" => Operation::Insert,
        "upsert" => Operation::Upsert,
        "update" => Operation::Update,
        other => return invalid_job(format!("InvalidJob : Invalid or unsupported operation: {other}")),
    };
    if request.content_type.as_deref().is_some_and(|t| t != "CSV") {
        return invalid_job("InvalidJob : contentType must be CSV");
    }
    let external_id_field = match (operation, request.external_id_field_name.as_deref()) {
        (Operation::Upsert, None | Some("")) => {
            return invalid_job(format!(
                "InvalidJob : External ID was blank for {}. An External ID must be specified for upsert.",
                object.name
            ));
        }
        (Operation::Upsert, Some(name)) => match object.field(name).filter(|f| f.external_id) {
            Some(field) => Some(field.name.clone()),
            None => {
                return invalid_job(format!(
                    "InvalidJob : Field {name} is not an external id field of {}",
                    object.name
                ));
            }
        },
        _ => None,
    };
    let spec = JobSpec {
        object: object.name.clone(),
        operation,
        external_id_field,
        delimiter: request.column_delimiter.unwrap_or(ColumnDelimiter::Comma),
        line_ending: request.line_ending.unwrap_or(LineEnding::Lf),
        api_version: version_number(&version),
    };
    let info = state.lock().bulk.create(spec).info(&version);
    (StatusCode::OK, Json(info)).into_response()
}

async fn list_jobs(State(state): State<SimState>, Path(version): Path<String>) -> Response {
    let data = state.lock();
    let records: Vec<_> = data.bulk.all().map(|job| job.info(&version)).collect();
    Json(json!({"done": true, "records": records, "nextRecordsUrl": null})).into_response()
}

async fn job_info(State(state): State<SimState>, Path((version, id)): Path<(String, String)>) -> Response {
    match state.lock().bulk.get(&id) {
        Some(job) => Json(job.info(&version)).into_response(),
        None => ApiError::not_found().into_response(),
    }
}

async fn upload(
    State(state): State<SimState>,
    Path((_version, id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    if !content_type.trim().to_ascii_lowercase().starts_with("text/csv") {
        return ApiError::new(
            StatusCode::BAD_REQUEST,
            "INVALIDCONTENTTYPE",
            "Content-Type must be text/csv for a job's data",
        )
        .into_response();
    }
    // Checked before reading: an unknown job or a closed one never buffers 150 MB.
    if let Err(err) = open_job(&state, &id) {
        return err.into_response();
    }
    let data = match axum::body::to_bytes(body, MAX_UPLOAD_BYTES).await {
        Ok(data) => data,
        Err(_) => {
            return ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "EXCEEDED_MAX_SIZE",
                format!("An upload may carry at most {MAX_UPLOAD_BYTES} bytes (150 MB)"),
            )
            .into_response();
        }
    };
    let mut org = state.lock();
    let Some(job) = org.bulk.get_mut(&id) else {
        return ApiError::not_found().into_response();
    };
    if job.state != JobState::Open {
        return invalid_state(format!("Upload not allowed: job {id} is {:?}, not Open", job.state));
    }
    if job.data.is_some() {
        return invalid_state("A job takes one upload of data; create another job for more");
    }
    job.data = Some(data.to_vec());
    StatusCode::CREATED.into_response()
}

/// The job exists and is Open.
fn open_job(state: &SimState, id: &str) -> Result<(), ApiError> {
    match state.lock().bulk.get(id).map(|job| job.state) {
        None => Err(ApiError::not_found()),
        Some(JobState::Open) => Ok(()),
        Some(other) => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "INVALIDJOBSTATE",
            format!("Upload not allowed: job {id} is {other:?}, not Open"),
        )),
    }
}

/// `PATCH /jobs/ingest/{id}` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StateIn {
    state: JobState,
}

async fn set_state(
    State(state): State<SimState>,
    Path((version, id)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let request: StateIn = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(err) => return ApiError::json_parser(err).into_response(),
    };
    let mut data = state.lock();
    let Some(job) = data.bulk.get_mut(&id) else {
        return ApiError::not_found().into_response();
    };
    match (job.state, request.state) {
        (JobState::Open, JobState::UploadComplete) => {
            job.set_state(JobState::UploadComplete);
            tokio::spawn(bulk_process::run(state.clone(), id.clone()));
        }
        (current, JobState::Aborted) if !current.is_final() => bulk_process::abort(job),
        (current, JobState::Aborted) => {
            return invalid_state(format!("Aborting already {current:?} Job not allowed"));
        }
        (current, JobState::UploadComplete) => {
            return invalid_state(format!("Closing a job in state {current:?} is not allowed"));
        }
        (_, wanted) => {
            return invalid_state(format!(
                "A client may set a job to UploadComplete or Aborted, not {wanted:?}"
            ));
        }
    }
    Json(job.info(&version)).into_response()
}

async fn delete_job(State(state): State<SimState>, Path((_version, id)): Path<(String, String)>) -> Response {
    let mut data = state.lock();
    match data.bulk.get(&id).map(|job| job.state) {
        None => ApiError::not_found().into_response(),
        Some(current @ (JobState::Open | JobState::InProgress)) => {
            invalid_state(format!("Deleting a job in state {current:?} is not allowed; abort it first"))
        }
        Some(_) => {
            data.bulk.remove(&id);
            StatusCode::NO_CONTENT.into_response()
        }
    }
}

async fn results(
    State(state): State<SimState>,
    Path((_version, id, results)): Path<(String, String, String)>,
) -> Response {
    let kind = match results.as_str() {
        "successfulResults" => ResultKind::Successful,
        "failedResults" => ResultKind::Failed,
        // Clients spell it both ways.
        "unprocessedrecords" | "unprocessedRecords" => ResultKind::Unprocessed,
        _ => return ApiError::not_found().into_response(),
    };
    let data = state.lock();
    let Some(job) = data.bulk.get(&id) else {
        return ApiError::not_found().into_response();
    };
    if !job.state.is_final() {
        return invalid_state(format!(
            "Results are available once the job ends; job {id} is {:?}",
            job.state
        ));
    }
    let csv = bulk_csv::write_results(
        kind,
        &job.results.header,
        &job.results.rows,
        &job.results.unprocessed,
        job.spec.delimiter,
        job.spec.line_ending,
    );
    match csv {
        Ok(csv) => ([(header::CONTENT_TYPE, "text/csv")], csv).into_response(),
        Err(err) => {
            tracing::error!(job_id = %id, error = %err, "could not write bulk results");
            ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "UNKNOWN_EXCEPTION",
                "results could not be written",
            )
            .into_response()
        }
    }
}
