//! The webhook adapter's IO: destination checks, rate limiting, and the HTTP calls.

use std::time::{SystemTime, UNIX_EPOCH};

use futures_util::{StreamExt, stream};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use reqwest::header::CONTENT_TYPE;
use tracing::Instrument;

use crate::adapter::{Adapter, BoxFuture, DeliveryItem, Health};
use crate::outcome::{DeliveryOutcome, RejectCode};
use crate::ssrf::{check_destination, guarded_client};
use crate::webhook::classify::{TransportFailure, classify_response, classify_transport};
use crate::webhook::config::{DeliveryMode, WebhookConfig, WebhookConfigError, WebhookEndpoint};
use crate::webhook::request_builder::{self, WebhookRequest};

/// Delivers items to one webhook endpoint. Cheap to share behind `Arc<dyn Adapter>`.
#[derive(Debug)]
pub struct WebhookAdapter {
    endpoint: WebhookEndpoint,
    client: reqwest::Client,
    limiter: DefaultDirectRateLimiter,
}

impl WebhookAdapter {
    /// Validates `config` and builds the adapter.
    pub fn new(config: WebhookConfig) -> Result<Self, WebhookConfigError> {
        Self::from_endpoint(config.validate()?)
    }

    /// Builds the adapter from an already validated endpoint.
    pub fn from_endpoint(endpoint: WebhookEndpoint) -> Result<Self, WebhookConfigError> {
        let client = guarded_client(&endpoint.guard, endpoint.timeout).map_err(WebhookConfigError::Client)?;
        let limiter = RateLimiter::direct(Quota::per_second(endpoint.rate_limit_per_second));
        Ok(Self { endpoint, client, limiter })
    }

    /// The endpoint's rate limiter, shared by every call (tests and metrics read it).
    pub fn rate_limiter(&self) -> &DefaultDirectRateLimiter {
        &self.limiter
    }

    /// Refuses internal destinations (permanent) and reports unresolvable ones (transient).
    async fn check_destination(&self) -> Result<(), DeliveryOutcome> {
        check_destination(&self.endpoint.guard, &self.endpoint.url).await
    }

    /// Takes a rate-limit cell, or says when to come back: adapters never wait themselves.
    fn admit(&self) -> Result<(), DeliveryOutcome> {
        self.limiter.check().map_err(|not_until| {
            DeliveryOutcome::deferred(
                not_until.wait_time_from(DefaultClock::default().now()),
                "endpoint rate limit reached",
            )
        })
    }

    async fn send_one(&self, item: &DeliveryItem) -> DeliveryOutcome {
        let span = tracing::debug_span!(
            "webhook_delivery",
            delivery_id = %item.delivery_id,
            event_id = %item.event_id,
            attempt = item.attempt,
        );
        async {
            if let Err(outcome) = self.admit() {
                return outcome;
            }
            match request_builder::per_event(item, unix_now(), &self.endpoint.secrets) {
                Ok(request) => self.post(request).await,
                Err(_) => {
                    DeliveryOutcome::rejected(RejectCode::Encoding, "record could not be encoded as JSON")
                }
            }
        }
        .instrument(span)
        .await
    }

    async fn send_batch(&self, batch: &[DeliveryItem]) -> DeliveryOutcome {
        let span = tracing::debug_span!("webhook_batch", items = batch.len());
        async {
            if let Err(outcome) = self.admit() {
                return outcome;
            }
            match request_builder::batch(batch, unix_now(), &self.endpoint.secrets) {
                Ok(request) => self.post(request).await,
                Err(_) => {
                    DeliveryOutcome::rejected(RejectCode::Encoding, "records could not be encoded as JSON")
                }
            }
        }
        .instrument(span)
        .await
    }

    async fn post(&self, request: WebhookRequest) -> DeliveryOutcome {
        let sent = self
            .client
            .post(self.endpoint.url.clone())
            .header(CONTENT_TYPE, "application/json")
            .header("webhook-id", &request.webhook_id)
            .header("webhook-timestamp", request.timestamp.to_string())
            .header("webhook-signature", &request.signature)
            .body(request.body)
            .send()
            .await;
        match sent {
            Ok(response) => {
                let status = response.status();
                let outcome = classify_response(
                    status,
                    response.headers(),
                    SystemTime::now(),
                    self.endpoint.retry_after,
                );
                tracing::debug!(webhook_id = %request.webhook_id, status = status.as_u16(), "webhook answered");
                outcome
            }
            Err(err) => {
                // without_url: URLs may carry tokens in their query string.
                let err = err.without_url();
                tracing::warn!(webhook_id = %request.webhook_id, error = %err, "webhook request failed");
                classify_transport(TransportFailure::of(&err))
            }
        }
    }
}

impl Adapter for WebhookAdapter {
    fn deliver<'a>(&'a self, batch: &'a [DeliveryItem]) -> BoxFuture<'a, Vec<DeliveryOutcome>> {
        Box::pin(async move {
            if batch.is_empty() {
                return Vec::new();
            }
            if let Err(outcome) = self.check_destination().await {
                tracing::warn!(items = batch.len(), reason = ?outcome, "webhook destination unusable");
                return vec![outcome; batch.len()];
            }
            match self.endpoint.mode {
                // `buffered` keeps the batch's order while running requests concurrently.
                DeliveryMode::PerEvent => {
                    // Built eagerly: a closure inside the stream trips rustc's Send inference.
                    let sends: Vec<_> = batch.iter().map(|item| self.send_one(item)).collect();
                    stream::iter(sends).buffered(self.endpoint.max_concurrency).collect().await
                }
                DeliveryMode::Batch => vec![self.send_batch(batch).await; batch.len()],
            }
        })
    }

    fn health(&self) -> BoxFuture<'_, Health> {
        Box::pin(async move {
            match self.check_destination().await {
                Ok(()) => Health::Healthy,
                Err(outcome) => Health::Unhealthy { reason: outcome.reason().unwrap_or_default().to_owned() },
            }
        })
    }
}

fn unix_now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |elapsed| elapsed.as_secs() as i64)
}
