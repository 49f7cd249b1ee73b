//! Processing a closed ingest job, asynchronously as Salesforce does: a tokio task reads the
//! upload, then saves each row through the same path as the REST calls (`OrgData::save_keyed`:
//! seeded lock faults, field rules, duplicate and validation rules, the CRM flows), a slice at
//! a time so that clients polling the job see it InProgress and an abort stops it mid-way.

use std::collections::HashMap;

use super::bulk_csv::{self, Upload};
use super::bulk_job::{BulkJob, JobSpec, JobState, Operation, RowResult};
use super::org_config::ObjectConfig;
use super::server::{OrgData, SimState};
use super::store::{UpsertFailure, UpsertOutcome, WriteKey};
use super::wire_errors::RecordError;

/// Rows saved per hold of the org's lock: other requests get their turn between slices.
const ROWS_PER_SLICE: usize = 200;
/// Salesforce splits a job into internal batches of 10,000 records; a repeated external id is
/// refused within one, as in a Collections request.
const INTERNAL_BATCH: usize = 10_000;

/// Processes job `id` to its end; started when the client sets it UploadComplete.
pub async fn run(state: SimState, id: String) {
    let Some((spec, data)) = start(&state, &id) else {
        return;
    };
    let Some(object) = state.org.object(&spec.object) else {
        finish_failed(&state, &id, format!("InvalidJob : Unknown object {}", spec.object));
        return;
    };
    let upload = match bulk_csv::read_upload(&data, spec.delimiter, spec.line_ending) {
        Ok(upload) => upload,
        Err(message) => {
            finish_failed(&state, &id, message);
            return;
        }
    };
    let checked =
        bulk_csv::check_header(&upload.header, object, spec.operation, spec.external_id_field.as_deref());
    if let Some(job) = state.lock().bulk.get_mut(&id) {
        job.results.header = upload.header.clone();
        if checked.is_err() {
            job.results.unprocessed = upload.rows.clone();
        }
    }
    if let Err(message) = checked {
        finish_failed(&state, &id, message);
        return;
    }
    let Upload { header, rows } = upload;
    let mut next = 0;
    while next < rows.len() {
        tokio::task::yield_now().await;
        let mut data = state.lock();
        match data.bulk.get(&id).map(|job| job.state) {
            Some(JobState::InProgress) => {}
            Some(_) => {
                // Aborted while running: the rest is never processed.
                if let Some(job) = data.bulk.get_mut(&id) {
                    job.results.unprocessed.extend(rows[next..].iter().cloned());
                }
                return;
            }
            None => return, // deleted, or the org was reset
        }
        let end = (next + ROWS_PER_SLICE).min(rows.len());
        let batch_start = next / INTERNAL_BATCH * INTERNAL_BATCH;
        let batch = &rows[batch_start..(batch_start + INTERNAL_BATCH).min(rows.len())];
        let repeated = repeated_keys(&spec, &header, batch);
        let results: Vec<RowResult> = rows[next..end]
            .iter()
            .map(|row| save_row(&mut data, &state, object, &spec, &header, row, &repeated))
            .collect();
        if let Some(job) = data.bulk.get_mut(&id) {
            job.processed += results.len() as u64;
            job.failed += results.iter().filter(|r| matches!(r, RowResult::Failed { .. })).count() as u64;
            job.results.rows.extend(results);
        }
        next = end;
    }
    if let Some(job) = state.lock().bulk.get_mut(&id)
        && job.state == JobState::InProgress
    {
        job.set_state(JobState::JobComplete);
    }
}

/// Moves the job to InProgress and takes its upload; `None` if it is gone or was aborted.
fn start(state: &SimState, id: &str) -> Option<(JobSpec, Vec<u8>)> {
    let mut data = state.lock();
    let job = data.bulk.get_mut(id)?;
    if job.state != JobState::UploadComplete {
        return None;
    }
    job.set_state(JobState::InProgress);
    let upload = job.data.take();
    let spec = job.spec.clone();
    match upload {
        Some(upload) => Some((spec, upload)),
        None => {
            job.fail("InvalidBatch : No data was uploaded to this job");
            None
        }
    }
}

/// Aborts a job that has not ended. Rows uploaded but not yet taken by processing are reported
/// unprocessed; a running job stops at its next slice and reports the rest itself.
pub fn abort(job: &mut BulkJob) {
    if let Some(upload) = job.data.take()
        && let Ok(upload) = bulk_csv::read_upload(&upload, job.spec.delimiter, job.spec.line_ending)
    {
        job.results.header = upload.header;
        job.results.unprocessed = upload.rows;
    }
    job.set_state(JobState::Aborted);
}

fn finish_failed(state: &SimState, id: &str, message: String) {
    if let Some(job) = state.lock().bulk.get_mut(id)
        && job.state == JobState::InProgress
    {
        job.fail(message);
    }
}

/// External id values that appear more than once in one internal batch.
fn repeated_keys(spec: &JobSpec, header: &[String], batch: &[Vec<String>]) -> Vec<String> {
    let Some(field) = spec.external_id_field.as_deref().filter(|_| spec.operation == Operation::Upsert)
    else {
        return Vec::new();
    };
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for row in batch {
        if let Some(value) = bulk_csv::cell(header, row, field) {
            *seen.entry(value).or_default() += 1;
        }
    }
    seen.into_iter().filter(|(_, n)| *n > 1).map(|(value, _)| value.to_owned()).collect()
}

/// Saves one row and returns its result line.
fn save_row(
    data: &mut OrgData,
    state: &SimState,
    object: &ObjectConfig,
    spec: &JobSpec,
    header: &[String],
    row: &[String],
    repeated: &[String],
) -> RowResult {
    let given_id = bulk_csv::cell(header, row, "Id").unwrap_or_default().to_owned();
    let failed = |errors: Vec<RecordError>| RowResult::Failed {
        id: if spec.operation == Operation::Update { given_id.clone() } else { String::new() },
        error: error_column(&errors),
        row: row.to_vec(),
    };
    let mut record = bulk_csv::row_to_record(header, row);
    record.retain(|column, _| !column.eq_ignore_ascii_case("Id"));
    let saved = match spec.operation {
        Operation::Insert => data.save_keyed(&state.org, object, WriteKey::New, &record),
        Operation::Update => {
            if given_id.is_empty() {
                return failed(vec![RecordError::new(
                    "MISSING_ARGUMENT",
                    "Id not specified in an update call",
                    vec!["Id".into()],
                )]);
            }
            data.save_keyed(&state.org, object, WriteKey::Id(&given_id), &record)
        }
        Operation::Upsert => {
            let field_name = spec.external_id_field.as_deref().unwrap_or_default();
            let Some(field) = object.field(field_name) else {
                return failed(vec![RecordError::new("INVALID_FIELD", "unknown external id field", vec![])]);
            };
            let Some(value) = bulk_csv::cell(header, row, &field.name).map(str::to_owned) else {
                return failed(vec![RecordError::new(
                    "MISSING_ARGUMENT",
                    format!("{} not specified", field.name),
                    vec![field.name.clone()],
                )]);
            };
            if repeated.contains(&value) {
                return failed(vec![RecordError::new(
                    "DUPLICATE_EXTERNAL_ID",
                    format!("Duplicate external id specified: {value}"),
                    vec![field.name.clone()],
                )]);
            }
            record.retain(|column, _| !column.eq_ignore_ascii_case(&field.name));
            data.save_keyed(&state.org, object, WriteKey::ExternalId { field, value: &value }, &record)
        }
    };
    match saved {
        Ok((UpsertOutcome::Created { id }, _)) => {
            RowResult::Succeeded { id, created: true, row: row.to_vec() }
        }
        Ok((UpsertOutcome::Updated { id }, _)) => {
            RowResult::Succeeded { id, created: false, row: row.to_vec() }
        }
        Err(UpsertFailure::Rejected(errors)) => failed(errors),
        Err(UpsertFailure::MultipleMatches(ids)) => failed(vec![RecordError::new(
            "DUPLICATE_EXTERNAL_ID",
            format!("more than one record found for external id field: [{}]", ids.join(", ")),
            vec![],
        )]),
    }
}

/// `sf__Error`: each error as `CODE:message:fields --`.
pub fn error_column(errors: &[RecordError]) -> String {
    errors
        .iter()
        .map(|error| format!("{}:{}:{} --", error.status_code, error.message, error.fields.join(",")))
        .collect::<Vec<_>>()
        .join(" ")
}
