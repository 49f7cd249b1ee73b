//! The Bulk API 2.0 ingest calls (create, upload, close, abort, job info, result files), each
//! with the one token refresh the contract allows on `INVALID_SESSION_ID`, and every failure
//! classified by `classify.rs` as the Collections calls are.

use std::time::{Instant, SystemTime};

use reqwest::header::{AUTHORIZATION, CONTENT_TYPE};
use reqwest::{Method, StatusCode};
use secrecy::ExposeSecret;
use serde::Deserialize;
use serde_json::json;

use crate::outcome::{DeliveryOutcome, RejectCode};
use crate::salesforce::auth::Session;
use crate::salesforce::classify::{CallFailure, classify_failed_call, classify_token_failure};
use crate::salesforce::service::SalesforceAdapter;
use crate::ssrf::check_destination;
use crate::webhook::classify::{TransportFailure, classify_transport};

/// A Bulk call that did not succeed: the outcome for the records it carried, and the HTTP
/// status when Salesforce answered (so a vanished job, 404, can be told from a refusal).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BulkCallError {
    pub outcome: DeliveryOutcome,
    pub status: Option<u16>,
}

impl From<DeliveryOutcome> for BulkCallError {
    fn from(outcome: DeliveryOutcome) -> Self {
        Self { outcome, status: None }
    }
}

/// A job's state as `GET /jobs/ingest/{id}` reports it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JobInfo {
    pub id: String,
    pub state: String,
    #[serde(default)]
    pub error_message: Option<String>,
}

/// The job's body part of a request.
enum Payload<'a> {
    None,
    Json(serde_json::Value),
    Csv(&'a [u8]),
}

impl SalesforceAdapter {
    fn jobs_path(&self, rest: &str) -> String {
        format!("services/data/{}/jobs/ingest{rest}", self.endpoint.api_version.as_str())
    }

    /// One call with a refresh on an expired session; the 2xx body, or why not.
    async fn bulk_call(
        &self,
        method: Method,
        path: &str,
        payload: Payload<'_>,
    ) -> Result<Vec<u8>, BulkCallError> {
        let mut session = self.session().await?;
        let mut refreshed = false;
        loop {
            let (status, headers, body) = self.bulk_send(&session, method.clone(), path, &payload).await?;
            if status.is_success() {
                return Ok(body);
            }
            match classify_failed_call(status, &headers, &body, SystemTime::now(), self.endpoint.retry_after)
            {
                CallFailure::Outcome(outcome) => {
                    // Only the spent daily allowance is deferred by classification (see the
                    // Collections path in `service.rs`).
                    let outcome = match outcome {
                        DeliveryOutcome::Deferred { reason, .. } => DeliveryOutcome::Deferred {
                            after: self.budget.allowance_spent(Instant::now()),
                            reason,
                        },
                        other => other,
                    };
                    return Err(BulkCallError { outcome, status: Some(status.as_u16()) });
                }
                CallFailure::SessionExpired if refreshed => {
                    return Err(DeliveryOutcome::rejected(
                        RejectCode::Auth,
                        "Salesforce refused a freshly issued session (INVALID_SESSION_ID)",
                    )
                    .into());
                }
                CallFailure::SessionExpired => {
                    tracing::info!(
                        "salesforce session expired during a Bulk call; fetching a new token once"
                    );
                    refreshed = true;
                    session = self.tokens.renew(&session).await.map_err(|f| classify_token_failure(&f))?;
                    check_destination(&self.endpoint.guard, &session.instance_url).await?;
                }
            }
        }
    }

    async fn bulk_send(
        &self,
        session: &Session,
        method: Method,
        path: &str,
        payload: &Payload<'_>,
    ) -> Result<(StatusCode, reqwest::header::HeaderMap, Vec<u8>), BulkCallError> {
        if let Err(held) = self.take_call() {
            return Err(DeliveryOutcome::deferred(held.after, held.reason).into());
        }
        let url = session.instance_url.join(path).map_err(|_| {
            DeliveryOutcome::rejected(RejectCode::InvalidDestination, "instance URL cannot be joined")
        })?;
        let mut request = self
            .client
            .request(method, url)
            .header(AUTHORIZATION, format!("Bearer {}", session.access_token.expose_secret()));
        request = match payload {
            Payload::None => request,
            Payload::Json(body) => request.header(CONTENT_TYPE, "application/json").body(body.to_string()),
            Payload::Csv(csv) => request.header(CONTENT_TYPE, "text/csv").body(csv.to_vec()),
        };
        let response = request.send().await.map_err(|err| {
            let err = err.without_url();
            tracing::warn!(error = %err, "salesforce Bulk request failed");
            BulkCallError::from(classify_transport(TransportFailure::of(&err)))
        })?;
        let status = response.status();
        let headers = response.headers().clone();
        self.record_usage(&headers);
        let body = response.bytes().await.map_err(|err| {
            BulkCallError::from(classify_transport(TransportFailure::of(&err.without_url())))
        })?;
        Ok((status, headers, body.to_vec()))
    }

    /// Creates an upsert job for `object`, uploads `csv` and closes the job; returns its id.
    /// A job that cannot be completed is aborted, so it never lingers Open in the org.
    pub(super) async fn start_job(
        &self,
        object: &str,
        external_id_field: &str,
        csv: &[u8],
    ) -> Result<String, BulkCallError> {
        let created = self
            .bulk_call(
                Method::POST,
                &self.jobs_path(""),
                Payload::Json(json!({"object": object, "operation": "upsert",
                    "externalIdFieldName": external_id_field, "contentType": "CSV",
                    "lineEnding": "LF", "columnDelimiter": "COMMA"})),
            )
            .await?;
        let job: JobInfo = serde_json::from_slice(&created).map_err(|_| {
            DeliveryOutcome::retry("Salesforce's answer to creating a Bulk job was unreadable")
        })?;
        if job.id.is_empty() || !job.id.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(
                DeliveryOutcome::retry("Salesforce named the new Bulk job with an unusable id").into()
            );
        }
        let upload = self
            .bulk_call(Method::PUT, &self.jobs_path(&format!("/{}/batches", job.id)), Payload::Csv(csv))
            .await;
        let closed = match upload {
            Ok(_) => self.set_job_state(&job.id, "UploadComplete").await,
            Err(err) => Err(err),
        };
        if let Err(err) = closed {
            if self.set_job_state(&job.id, "Aborted").await.is_err() {
                tracing::warn!(job_id = %job.id, "could not abort a Bulk job that failed to start");
            }
            return Err(err);
        }
        tracing::info!(job_id = %job.id, object, bytes = csv.len(), "salesforce Bulk job submitted");
        Ok(job.id)
    }

    async fn set_job_state(&self, id: &str, state: &str) -> Result<(), BulkCallError> {
        self.bulk_call(
            Method::PATCH,
            &self.jobs_path(&format!("/{id}")),
            Payload::Json(json!({"state": state})),
        )
        .await
        .map(drop)
    }

    /// The job's info.
    pub(super) async fn job_info(&self, id: &str) -> Result<JobInfo, BulkCallError> {
        let body = self.bulk_call(Method::GET, &self.jobs_path(&format!("/{id}")), Payload::None).await?;
        serde_json::from_slice(&body)
            .map_err(|_| DeliveryOutcome::retry("Salesforce's Bulk job info was unreadable").into())
    }

    /// One result file of a finished job: `successfulResults`, `failedResults` or
    /// `unprocessedrecords`.
    pub(super) async fn job_results(&self, id: &str, file: &str) -> Result<Vec<u8>, BulkCallError> {
        self.bulk_call(Method::GET, &self.jobs_path(&format!("/{id}/{file}/")), Payload::None).await
    }
}
