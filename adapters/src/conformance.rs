//! Conformance kit: the scenarios of `docs/adapter-contract.md`, run against a wiremock
//! server. Every adapter passes it from its integration tests.

use std::sync::Arc;
use std::time::Duration;

use wiremock::{MockServer, ResponseTemplate};

use crate::adapter::{Adapter, BoxFuture, DeliveryItem};
use crate::outcome::{DeliveryOutcome, RejectCode};

/// The request timeout the kit asks for; the timeout scenario delays responses far beyond it.
pub const ADAPTER_TIMEOUT: Duration = Duration::from_millis(300);
/// The `Retry-After` the 429 scenario sends; subjects must accept it within their bounds.
pub const RETRY_AFTER_SECS: u64 = 7;

/// What the kit needs from an adapter's test suite.
pub trait ConformanceSubject: Send + Sync {
    /// Builds the adapter pointed at `server`, with request timeout `timeout`, a rate limit
    /// that admits a few requests at once, and `Retry-After` bounds that admit 7 s.
    fn build(&self, server: &MockServer, timeout: Duration) -> Arc<dyn Adapter>;

    /// Mounts `response` for the requests that carry `item`, or for every request when `None`.
    fn mount<'a>(
        &'a self,
        server: &'a MockServer,
        item: Option<&'a DeliveryItem>,
        response: ResponseTemplate,
    ) -> BoxFuture<'a, ()>;

    /// True when items of one batch can get different outcomes (a request per item, or a
    /// per-item response); false when one request carries the whole batch.
    fn per_item_outcomes(&self) -> bool;
}

/// A scenario that did not hold, with every problem found (not just the first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioFailure {
    pub scenario: &'static str,
    pub problems: Vec<String>,
}

/// Items with stable ids and a small fake record.
pub fn sample_items(count: usize) -> Vec<DeliveryItem> {
    (0..count)
        .map(|index| {
            let record = serde_json::json!({"external_id": format!("user-{index}"), "status": "active"});
            DeliveryItem {
                delivery_id: format!("dlv-conformance-{index}"),
                event_id: format!("evt-conformance-{index}"),
                record: record.as_object().cloned().unwrap_or_default(),
                attempt: 1,
            }
        })
        .collect()
}

/// Runs every scenario and returns the failures (empty when the adapter conforms).
pub async fn run_all(subject: &dyn ConformanceSubject) -> Vec<ScenarioFailure> {
    let results = [
        empty_batch(subject).await,
        success(subject).await,
        partial_batch_failure(subject).await,
        too_many_requests(subject).await,
        server_error(subject).await,
        timeout(subject).await,
        client_rejection(subject).await,
        bad_credentials(subject).await,
    ];
    results.into_iter().filter_map(Result::err).collect()
}

/// An empty batch gets no outcomes and sends nothing.
pub async fn empty_batch(subject: &dyn ConformanceSubject) -> Result<(), ScenarioFailure> {
    let server = MockServer::start().await;
    subject.mount(&server, None, ResponseTemplate::new(200)).await;
    let outcomes = subject.build(&server, ADAPTER_TIMEOUT).deliver(&[]).await;
    let mut problems = Vec::new();
    if !outcomes.is_empty() {
        problems.push(format!("expected no outcomes, got {outcomes:?}"));
    }
    let sent = server.received_requests().await.map_or(0, |requests| requests.len());
    if sent != 0 {
        problems.push(format!("expected no requests, got {sent}"));
    }
    verdict("empty_batch", problems)
}

/// 2xx: every item delivered.
pub async fn success(subject: &dyn ConformanceSubject) -> Result<(), ScenarioFailure> {
    let outcomes = run_scripted(subject, ResponseTemplate::new(200), ADAPTER_TIMEOUT).await;
    verdict("success", check_all(&outcomes, 2, "Delivered", DeliveryOutcome::is_delivered))
}

/// One item fails with 500 and one succeeds: only the failed one retries (per-item
/// adapters); one-request adapters apply the single failure to every item.
pub async fn partial_batch_failure(subject: &dyn ConformanceSubject) -> Result<(), ScenarioFailure> {
    let server = MockServer::start().await;
    let items = sample_items(2);
    let mut problems = Vec::new();
    if subject.per_item_outcomes() {
        subject.mount(&server, Some(&items[0]), ResponseTemplate::new(500)).await;
        subject.mount(&server, Some(&items[1]), ResponseTemplate::new(200)).await;
        let outcomes = subject.build(&server, ADAPTER_TIMEOUT).deliver(&items).await;
        match outcomes.as_slice() {
            [first, second] => {
                if !first.is_retry() {
                    problems.push(format!("item 0 (500) should retry, got {first:?}"));
                }
                if !second.is_delivered() {
                    problems.push(format!("item 1 (200) should be delivered, got {second:?}"));
                }
            }
            other => problems.push(format!("expected 2 outcomes, got {}", other.len())),
        }
    } else {
        subject.mount(&server, None, ResponseTemplate::new(500)).await;
        let outcomes = subject.build(&server, ADAPTER_TIMEOUT).deliver(&items).await;
        problems.extend(check_all(&outcomes, 2, "Retry", DeliveryOutcome::is_retry));
    }
    verdict("partial_batch_failure", problems)
}

/// 429 with `Retry-After: 7`: retry after 7 s.
pub async fn too_many_requests(subject: &dyn ConformanceSubject) -> Result<(), ScenarioFailure> {
    let response = ResponseTemplate::new(429).insert_header("retry-after", RETRY_AFTER_SECS.to_string());
    let outcomes = run_scripted(subject, response, ADAPTER_TIMEOUT).await;
    let expected = Some(Duration::from_secs(RETRY_AFTER_SECS));
    let problems = check_all(
        &outcomes,
        2,
        "Retry after 7 s",
        |outcome| matches!(outcome, DeliveryOutcome::Retry { after, .. } if *after == expected),
    );
    verdict("too_many_requests", problems)
}

/// 503: retry.
pub async fn server_error(subject: &dyn ConformanceSubject) -> Result<(), ScenarioFailure> {
    let outcomes = run_scripted(subject, ResponseTemplate::new(503), ADAPTER_TIMEOUT).await;
    verdict("server_error", check_all(&outcomes, 2, "Retry", DeliveryOutcome::is_retry))
}

/// A response slower than the adapter's timeout: retry, and return promptly.
pub async fn timeout(subject: &dyn ConformanceSubject) -> Result<(), ScenarioFailure> {
    let response = ResponseTemplate::new(200).set_delay(ADAPTER_TIMEOUT * 20);
    let outcomes = run_scripted(subject, response, ADAPTER_TIMEOUT).await;
    verdict("timeout", check_all(&outcomes, 2, "Retry", DeliveryOutcome::is_retry))
}

/// 422: rejected as a client error, never retried.
pub async fn client_rejection(subject: &dyn ConformanceSubject) -> Result<(), ScenarioFailure> {
    let outcomes = run_scripted(subject, ResponseTemplate::new(422), ADAPTER_TIMEOUT).await;
    let problems = check_all(&outcomes, 2, "Rejected(client_error)", |outcome| {
        outcome.reject_code() == Some(RejectCode::Client)
    });
    verdict("client_rejection", problems)
}

/// 401: rejected with the auth code, so operators fix credentials instead of waiting.
pub async fn bad_credentials(subject: &dyn ConformanceSubject) -> Result<(), ScenarioFailure> {
    let outcomes = run_scripted(subject, ResponseTemplate::new(401), ADAPTER_TIMEOUT).await;
    let problems =
        check_all(&outcomes, 2, "Rejected(auth)", |outcome| outcome.reject_code() == Some(RejectCode::Auth));
    verdict("bad_credentials", problems)
}

/// Starts a server answering every request with `response` and delivers two items.
async fn run_scripted(
    subject: &dyn ConformanceSubject,
    response: ResponseTemplate,
    timeout: Duration,
) -> Vec<DeliveryOutcome> {
    let server = MockServer::start().await;
    subject.mount(&server, None, response).await;
    subject.build(&server, timeout).deliver(&sample_items(2)).await
}

fn check_all(
    outcomes: &[DeliveryOutcome],
    expected_len: usize,
    expected: &str,
    holds: impl Fn(&DeliveryOutcome) -> bool,
) -> Vec<String> {
    let mut problems = Vec::new();
    if outcomes.len() != expected_len {
        problems.push(format!("expected {expected_len} outcomes (one per item), got {}", outcomes.len()));
    }
    for (index, outcome) in outcomes.iter().enumerate() {
        if !holds(outcome) {
            problems.push(format!("item {index}: expected {expected}, got {outcome:?}"));
        }
    }
    problems
}

fn verdict(scenario: &'static str, problems: Vec<String>) -> Result<(), ScenarioFailure> {
    if problems.is_empty() { Ok(()) } else { Err(ScenarioFailure { scenario, problems }) }
}
