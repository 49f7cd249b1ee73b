//! Bulk API 2.0 ingest jobs as the org holds them: what a job was created for, its state
//! machine (Open -> UploadComplete -> InProgress -> JobComplete | Failed | Aborted), its
//! uploaded data and per-row results, and the job info JSON with Salesforce's field names.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tokio::sync::watch;

use super::ids;

/// Key prefix of Bulk API job ids (`750...`).
const JOB_KEY_PREFIX: &str = "750";

/// The DML operation of an ingest job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Operation {
    Insert,
    Upsert,
    Update,
}

/// Where a job is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum JobState {
    Open,
    UploadComplete,
    InProgress,
    JobComplete,
    Failed,
    Aborted,
}

impl JobState {
    /// JobComplete, Failed or Aborted: nothing will change any more.
    pub fn is_final(self) -> bool {
        matches!(self, Self::JobComplete | Self::Failed | Self::Aborted)
    }
}

/// The CSV column delimiters Bulk API 2.0 accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum ColumnDelimiter {
    Backquote,
    Caret,
    Comma,
    Pipe,
    Semicolon,
    Tab,
}

impl ColumnDelimiter {
    pub fn byte(self) -> u8 {
        match self {
            Self::Backquote => b'`',
            Self::Caret => b'^',
            Self::Comma => b',',
            Self::Pipe => b'|',
            Self::Semicolon => b';',
            Self::Tab => b'\t',
        }
    }
}

/// The CSV line endings Bulk API 2.0 accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum LineEnding {
    Lf,
    Crlf,
}

/// What a job was created for, already checked against the org.
#[derive(Debug, Clone, PartialEq)]
pub struct JobSpec {
    /// The object's canonical API name.
    pub object: String,
    pub operation: Operation,
    /// The canonical external id field name (upsert only).
    pub external_id_field: Option<String>,
    pub delimiter: ColumnDelimiter,
    pub line_ending: LineEnding,
    /// The API version of the path the job was created through (`60.0`).
    pub api_version: f64,
}

/// One processed row: its result columns and the row as uploaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowResult {
    Succeeded { id: String, created: bool, row: Vec<String> },
    Failed { id: String, error: String, row: Vec<String> },
}

/// A job's rows once processing started: the header, the results so far and the rows that
/// were never processed (the job was aborted or failed first).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JobResults {
    pub header: Vec<String>,
    pub rows: Vec<RowResult>,
    pub unprocessed: Vec<Vec<String>>,
}

/// One ingest job.
#[derive(Debug)]
pub struct BulkJob {
    pub id: String,
    pub spec: JobSpec,
    pub state: JobState,
    pub created: DateTime<Utc>,
    pub modstamp: DateTime<Utc>,
    /// The uploaded CSV, until processing takes it.
    pub data: Option<Vec<u8>>,
    pub processed: u64,
    pub failed: u64,
    pub error_message: Option<String>,
    pub results: JobResults,
    /// Tells in-process waiters about every state change.
    changes: watch::Sender<JobState>,
}

impl BulkJob {
    /// Moves the job to `state` and wakes whoever waits on it.
    pub fn set_state(&mut self, state: JobState) {
        self.state = state;
        self.modstamp = Utc::now();
        self.changes.send_replace(state);
    }

    /// Ends the job as Failed with Salesforce's `errorMessage`.
    pub fn fail(&mut self, message: impl Into<String>) {
        self.error_message = Some(message.into());
        self.set_state(JobState::Failed);
    }

    /// A receiver that sees this job's state changes.
    pub fn subscribe(&self) -> watch::Receiver<JobState> {
        self.changes.subscribe()
    }

    /// The job info JSON (`GET /jobs/ingest/{id}`), with Salesforce's field names.
    pub fn info(&self, version_path: &str) -> JobInfoOut {
        JobInfoOut {
            id: self.id.clone(),
            operation: self.spec.operation,
            object: self.spec.object.clone(),
            created_by_id: "0055g00000SimUserAAA",
            created_date: timestamp(self.created),
            system_modstamp: timestamp(self.modstamp),
            state: self.state,
            external_id_field_name: self.spec.external_id_field.clone(),
            concurrency_mode: "Parallel",
            content_type: "CSV",
            api_version: self.spec.api_version,
            job_type: "V2Ingest",
            content_url: format!("services/data/{version_path}/jobs/ingest/{}/batches", self.id),
            line_ending: self.spec.line_ending,
            column_delimiter: self.spec.delimiter,
            number_records_processed: self.processed,
            number_records_failed: self.failed,
            retries: 0,
            total_processing_time: 0,
            api_active_processing_time: 0,
            apex_processing_time: 0,
            error_message: self.error_message.clone(),
        }
    }

    /// What the inspection API shows of a job (no record data).
    pub fn summary(&self) -> BulkJobSummary {
        BulkJobSummary {
            id: self.id.clone(),
            object: self.spec.object.clone(),
            operation: self.spec.operation,
            state: self.state,
            records_processed: self.processed,
            records_failed: self.failed,
            records_unprocessed: self.results.unprocessed.len() as u64,
            error_message: self.error_message.clone(),
        }
    }
}

/// Salesforce's timestamp form: `2024-01-03T23:52:01.000+0000`.
fn timestamp(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%.3f+0000").to_string()
}

/// The job info JSON.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JobInfoOut {
    pub id: String,
    pub operation: Operation,
    pub object: String,
    pub created_by_id: &'static str,
    pub created_date: String,
    pub system_modstamp: String,
    pub state: JobState,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_id_field_name: Option<String>,
    pub concurrency_mode: &'static str,
    pub content_type: &'static str,
    pub api_version: f64,
    pub job_type: &'static str,
    pub content_url: String,
    pub line_ending: LineEnding,
    pub column_delimiter: ColumnDelimiter,
    pub number_records_processed: u64,
    pub number_records_failed: u64,
    pub retries: u64,
    pub total_processing_time: u64,
    pub api_active_processing_time: u64,
    pub apex_processing_time: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_message: Option<String>,
}

/// A job as the inspection API lists it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BulkJobSummary {
    pub id: String,
    pub object: String,
    pub operation: Operation,
    pub state: JobState,
    pub records_processed: u64,
    pub records_failed: u64,
    pub records_unprocessed: u64,
    pub error_message: Option<String>,
}

/// Every ingest job of the org, oldest first.
#[derive(Debug, Default)]
pub struct BulkJobs {
    jobs: BTreeMap<u64, BulkJob>,
    next_serial: u64,
}

impl BulkJobs {
    /// Creates an Open job and returns it.
    pub fn create(&mut self, spec: JobSpec) -> &BulkJob {
        self.next_serial += 1;
        let serial = self.next_serial;
        let now = Utc::now();
        let (changes, _) = watch::channel(JobState::Open);
        let job = BulkJob {
            id: ids::record_id(JOB_KEY_PREFIX, serial),
            spec,
            state: JobState::Open,
            created: now,
            modstamp: now,
            data: None,
            processed: 0,
            failed: 0,
            error_message: None,
            results: JobResults::default(),
            changes,
        };
        self.jobs.entry(serial).or_insert(job)
    }

    pub fn get(&self, id: &str) -> Option<&BulkJob> {
        self.jobs.values().find(|job| job.id == id)
    }

    pub fn get_mut(&mut self, id: &str) -> Option<&mut BulkJob> {
        self.jobs.values_mut().find(|job| job.id == id)
    }

    pub fn remove(&mut self, id: &str) -> Option<BulkJob> {
        let serial = self.jobs.iter().find(|(_, job)| job.id == id).map(|(serial, _)| *serial)?;
        self.jobs.remove(&serial)
    }

    pub fn all(&self) -> impl Iterator<Item = &BulkJob> {
        self.jobs.values()
    }
}
