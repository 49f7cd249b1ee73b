//! The Salesforce adapter's IO: destination checks, the session, the concurrency cap, and
//! the sObject Collections calls; batches of `bulk_threshold` items or more go to `bulk`.

use std::sync::Arc;
use std::time::{Instant, SystemTime};

use futures_util::{StreamExt, stream};
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE};
use secrecy::ExposeSecret;
use tokio::sync::Semaphore;
use tracing::Instrument;
use url::Url;

use crate::adapter::{
    Adapter, ApiUsage, BoxFuture, DeliveryItem, Health, ReadBack, ReadBackError, ReadBackRecord,
};
use crate::outcome::{DeliveryOutcome, RejectCode};
use crate::salesforce::auth::{Session, TokenSource};
use crate::salesforce::budget::{ApiBudget, Held};
use crate::salesforce::classify::{
    CallFailure, classify_failed_call, classify_results, classify_token_failure, parse_limit_info,
};
use crate::salesforce::config::{SalesforceConfig, SalesforceConfigError, SalesforceEndpoint};
use crate::salesforce::request_builder::{self, CollectionCall};
use crate::ssrf::{check_destination, guarded_client};
use crate::webhook::classify::{TransportFailure, classify_transport};

/// How long a call waits when the adapter's own concurrency cap is full. The cap frees as
/// soon as a call in flight ends; a second is a short, honest guess.
pub const CONCURRENCY_DEFER: std::time::Duration = std::time::Duration::from_secs(1);

/// Delivers items to one Salesforce org through sObject Collections upserts by external id.
#[derive(Debug)]
pub struct SalesforceAdapter {
    pub(super) endpoint: SalesforceEndpoint,
    pub(super) client: reqwest::Client,
    pub(super) tokens: TokenSource,
    pub(super) in_flight: Semaphore,
    /// The share of the org's API allowance this hub may spend, and its use so far.
    pub(super) budget: ApiBudget,
}

/// The answer to one call: a status, its headers and body, or a transport failure.
enum Sent {
    Answered { status: reqwest::StatusCode, headers: reqwest::header::HeaderMap, body: Vec<u8> },
    Failed(DeliveryOutcome),
}

impl SalesforceAdapter {
    /// Validates `config` and builds the adapter.
    pub fn new(config: SalesforceConfig) -> Result<Self, SalesforceConfigError> {
        Self::from_endpoint(config.validate()?)
    }

    /// Builds the adapter from an already validated endpoint.
    pub fn from_endpoint(endpoint: SalesforceEndpoint) -> Result<Self, SalesforceConfigError> {
        let client =
            guarded_client(&endpoint.guard, endpoint.timeout).map_err(SalesforceConfigError::Client)?;
        let tokens =
            TokenSource::new(&endpoint.token_url, &endpoint.client_id, &endpoint.credentials, client.clone());
        let in_flight = Semaphore::new(endpoint.max_concurrency);
        let budget = ApiBudget::new(&endpoint.budget);
        Ok(Self { endpoint, client, tokens, in_flight, budget })
    }

    pub(super) fn record_usage(&self, headers: &reqwest::header::HeaderMap) {
        let usage = headers.get("sforce-limit-info").and_then(|v| v.to_str().ok()).and_then(parse_limit_info);
        if let Some((used, limit)) = usage {
            self.budget.observe_usage(used, limit);
        }
    }

    /// Takes one API call from the budget, or says why not and for how long.
    pub(crate) fn take_call(&self) -> Result<(), Held> {
        self.budget.try_call(Instant::now())
    }

    pub(crate) fn endpoint(&self) -> &SalesforceEndpoint {
        &self.endpoint
    }

    pub(crate) fn http(&self) -> &reqwest::Client {
        &self.client
    }

    pub(crate) fn note_usage(&self, headers: &reqwest::header::HeaderMap) {
        self.record_usage(headers);
    }

    /// A new session after `stale` was refused, its instance URL checked by the guard.
    pub(crate) async fn renew_session(&self, stale: &Arc<Session>) -> Result<Arc<Session>, DeliveryOutcome> {
        let session = self.tokens.renew(stale).await.map_err(|failure| classify_token_failure(&failure))?;
        check_destination(&self.endpoint.guard, &session.instance_url).await?;
        Ok(session)
    }

    /// A session whose token URL and instance URL both pass the SSRF guard.
    pub(crate) async fn session(&self) -> Result<Arc<Session>, DeliveryOutcome> {
        check_destination(&self.endpoint.guard, &self.endpoint.token_url).await?;
        let session = self.tokens.session().await.map_err(|failure| classify_token_failure(&failure))?;
        check_destination(&self.endpoint.guard, &session.instance_url).await?;
        Ok(session)
    }

    fn collection_url(&self, session: &Session, call: &CollectionCall) -> Result<Url, DeliveryOutcome> {
        // Object and field are validated API names (letters, digits, `_`): safe in a path.
        let path = format!(
            "services/data/{}/composite/sobjects/{}/{}",
            self.endpoint.api_version.as_str(),
            call.object,
            call.external_id_field
        );
        session.instance_url.join(&path).map_err(|_| {
            DeliveryOutcome::rejected(RejectCode::InvalidDestination, "instance URL cannot be joined")
        })
    }

    async fn send(&self, session: &Session, call: &CollectionCall, body: Vec<u8>) -> Sent {
        let url = match self.collection_url(session, call) {
            Ok(url) => url,
            Err(outcome) => return Sent::Failed(outcome),
        };
        let sent = self
            .client
            .patch(url)
            .header(CONTENT_TYPE, "application/json")
            .header(AUTHORIZATION, format!("Bearer {}", session.access_token.expose_secret()))
            .body(body)
            .send()
            .await;
        let response = match sent {
            Ok(response) => response,
            Err(err) => {
                let err = err.without_url();
                tracing::warn!(object = %call.object, error = %err, "salesforce request failed");
                return Sent::Failed(classify_transport(TransportFailure::of(&err)));
            }
        };
        let status = response.status();
        let headers = response.headers().clone();
        self.record_usage(&headers);
        match response.bytes().await {
            Ok(body) => Sent::Answered { status, headers, body: body.to_vec() },
            Err(err) => Sent::Failed(classify_transport(TransportFailure::of(&err.without_url()))),
        }
    }

    /// One Collections call, with the one token refresh the contract allows on
    /// `INVALID_SESSION_ID`. Returns one outcome per record of the call.
    async fn upsert(&self, call: &CollectionCall) -> Vec<DeliveryOutcome> {
        let all = |outcome: DeliveryOutcome| vec![outcome; call.records.len()];
        let Ok(_permit) = self.in_flight.try_acquire() else {
            return all(DeliveryOutcome::deferred(CONCURRENCY_DEFER, "Salesforce concurrency cap reached"));
        };
        if let Err(held) = self.take_call() {
            return all(DeliveryOutcome::deferred(held.after, held.reason));
        }
        let body = match call.body() {
            Ok(body) => body,
            Err(_) => {
                return all(DeliveryOutcome::rejected(RejectCode::Encoding, "records could not be encoded"));
            }
        };
        let mut session = match self.session().await {
            Ok(session) => session,
            Err(outcome) => return all(outcome),
        };
        let mut refreshed = false;
        loop {
            let (status, headers, response) = match self.send(&session, call, body.clone()).await {
                Sent::Answered { status, headers, body } => (status, headers, body),
                Sent::Failed(outcome) => return all(outcome),
            };
            tracing::debug!(object = %call.object, records = call.records.len(), status = status.as_u16(), "salesforce answered");
            if status.is_success() {
                let records: Vec<_> = call.records.iter().collect();
                return classify_results(status, &response, &records);
            }
            let failure = classify_failed_call(
                status,
                &headers,
                &response,
                SystemTime::now(),
                self.endpoint.retry_after,
            );
            match failure {
                CallFailure::Outcome(outcome) => {
                    // Only the spent daily allowance is deferred by classification: hold
                    // every call of this adapter until then, not just this one's items.
                    if let DeliveryOutcome::Deferred { reason, .. } = outcome {
                        let after = self.budget.allowance_spent(Instant::now());
                        return all(DeliveryOutcome::Deferred { after, reason });
                    }
                    return all(outcome);
                }
                CallFailure::SessionExpired if refreshed => {
                    return all(DeliveryOutcome::rejected(
                        RejectCode::Auth,
                        "Salesforce refused a freshly issued session (INVALID_SESSION_ID)",
                    ));
                }
                CallFailure::SessionExpired => {
                    tracing::info!(object = %call.object, "salesforce session expired; fetching a new token once");
                    refreshed = true;
                    session = match self.tokens.renew(&session).await {
                        Ok(session) => session,
                        Err(failure) => return all(classify_token_failure(&failure)),
                    };
                    if let Err(outcome) = check_destination(&self.endpoint.guard, &session.instance_url).await
                    {
                        return all(outcome);
                    }
                }
            }
        }
    }

    async fn deliver_batch(&self, batch: &[DeliveryItem]) -> Vec<DeliveryOutcome> {
        let plan = request_builder::plan(batch, &self.endpoint.objects);
        let mut outcomes: Vec<Option<DeliveryOutcome>> = vec![None; batch.len()];
        for (index, outcome) in plan.settled {
            outcomes[index] = Some(outcome);
        }
        // Rank by rank (parents before the children that look them up), each rank's calls
        // concurrently. Built eagerly: a closure inside the stream trips rustc's Send inference.
        for rank in plan.calls.chunk_by(|a, b| a.rank == b.rank) {
            let calls: Vec<_> = rank.iter().map(|call| self.upsert(call)).collect();
            let results: Vec<Vec<DeliveryOutcome>> =
                stream::iter(calls).buffered(self.endpoint.max_concurrency).collect().await;
            for (call, call_outcomes) in rank.iter().zip(results) {
                for (index, outcome) in call.items.iter().zip(call_outcomes) {
                    outcomes[*index] = Some(outcome);
                }
            }
        }
        batch
            .iter()
            .zip(outcomes)
            .map(|(item, outcome)| {
                let outcome = outcome
                    .unwrap_or_else(|| DeliveryOutcome::retry("no outcome was recorded for this item"));
                log_outcome(item, &outcome);
                outcome
            })
            .collect()
    }
}

pub(super) fn log_outcome(item: &DeliveryItem, outcome: &DeliveryOutcome) {
    match outcome {
        DeliveryOutcome::Delivered { .. } => {
            tracing::debug!(delivery_id = %item.delivery_id, event_id = %item.event_id, "delivered to salesforce");
        }
        other => tracing::info!(
            delivery_id = %item.delivery_id,
            event_id = %item.event_id,
            attempt = item.attempt,
            reason = other.reason().unwrap_or_default(),
            "salesforce delivery not completed"
        ),
    }
}

impl Adapter for SalesforceAdapter {
    fn deliver<'a>(&'a self, batch: &'a [DeliveryItem]) -> BoxFuture<'a, Vec<DeliveryOutcome>> {
        Box::pin(async move {
            if batch.is_empty() {
                return Vec::new();
            }
            let span = tracing::debug_span!("salesforce_batch", items = batch.len());
            if batch.len() >= self.endpoint.bulk_threshold {
                return self.deliver_bulk(batch).instrument(span).await;
            }
            self.deliver_batch(batch).instrument(span).await
        })
    }

    fn api_usage(&self) -> Option<ApiUsage> {
        Some(self.budget.usage(Instant::now()))
    }

    fn read_back<'a>(
        &'a self,
        query: &'a ReadBack,
    ) -> BoxFuture<'a, Result<Vec<ReadBackRecord>, ReadBackError>> {
        Box::pin(self.read_back_records(query))
    }

    /// Reads the Bulk jobs a ticket names; see [`crate::salesforce::bulk`].
    fn collect<'a>(
        &'a self,
        ticket: &'a str,
        batch: &'a [DeliveryItem],
    ) -> BoxFuture<'a, Vec<DeliveryOutcome>> {
        Box::pin(async move {
            if batch.is_empty() {
                return Vec::new();
            }
            let span = tracing::debug_span!("salesforce_collect", items = batch.len());
            self.collect_bulk(ticket, batch).instrument(span).await
        })
    }

    /// Healthy when the token endpoint hands out a session (or one is cached) and both URLs
    /// pass the guard. Reads only: no record is written.
    fn health(&self) -> BoxFuture<'_, Health> {
        Box::pin(async move {
            match self.session().await {
                Ok(_) => Health::Healthy,
                Err(outcome) => {
                    Health::Unhealthy { reason: outcome.reason().unwrap_or("unusable").to_owned() }
                }
            }
        })
    }
}
