//! The Salesforce adapter passes the conformance kit against wiremock, and handles the odd
//! responses a simulator does not script: a session refused even after a fresh token, and the
//! daily allowance spent.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use switchyard_adapters::conformance::{self, ConformanceSubject, sample_items};
use switchyard_adapters::salesforce::{ObjectTarget, SalesforceAdapter, SalesforceConfig};
use switchyard_adapters::{Adapter, BoxFuture, DeliveryItem, DeliveryOutcome, RejectCode};
use wiremock::matchers::{body_string_contains, method, path, path_regex};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const TOKEN_PATH: &str = "/services/oauth2/token";

fn config(server: &MockServer, timeout: Duration) -> SalesforceConfig {
    SalesforceConfig {
        timeout_ms: timeout.as_millis() as u64,
        allow_list: vec!["127.0.0.0/8".into()],
        ..SalesforceConfig::new(
            format!("{}{TOKEN_PATH}", server.uri()),
            "app",
            "s3cret".into(),
            // The kit's sample records carry their id as `external_id`.
            ObjectTarget::new("Contact", "external_id"),
        )
    }
}

fn adapter(server: &MockServer, timeout: Duration) -> SalesforceAdapter {
    let _ = rustls::crypto::ring::default_provider().install_default();
    SalesforceAdapter::new(config(server, timeout)).expect("valid test config")
}

fn token_response(server: &MockServer) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "access_token": "00Dxx!token", "instance_url": server.uri(), "id": "x",
        "token_type": "Bearer", "issued_at": "1700000000000", "signature": "c2ln", "scope": "api",
    }))
}

async fn mount_token(server: &MockServer) {
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .respond_with(token_response(server))
        .mount(server)
        .await;
}

/// The kit's scripted status and headers, with the body Salesforce sends on a well-formed
/// Collections call: one success result per record of the request. A real 200 always carries
/// those results, and the adapter never counts a record delivered without its own result.
struct WithCollectionResults(ResponseTemplate);

impl Respond for WithCollectionResults {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let sent: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
        let count = sent["records"].as_array().map_or(0, Vec::len);
        let results: Vec<Value> = (0..count)
            .map(|index| json!({"id": format!("003SIM{index:012}"), "success": true, "errors": [], "created": true}))
            .collect();
        self.0.clone().set_body_json(results)
    }
}

struct SalesforceSubject;

impl ConformanceSubject for SalesforceSubject {
    fn build(&self, server: &MockServer, timeout: Duration) -> Arc<dyn Adapter> {
        Arc::new(adapter(server, timeout))
    }

    fn mount<'a>(
        &'a self,
        server: &'a MockServer,
        item: Option<&'a DeliveryItem>,
        response: ResponseTemplate,
    ) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            mount_token(server).await;
            let mock =
                Mock::given(method("PATCH")).and(path_regex("^/services/data/v60.0/composite/sobjects/"));
            let mock = match item.and_then(|item| item.record.get("external_id")).and_then(Value::as_str) {
                Some(id) => mock.and(body_string_contains(id)),
                None => mock,
            };
            mock.respond_with(WithCollectionResults(response)).mount(server).await;
        })
    }

    /// One Collections call carries the batch, so a failed call fails every item (per-record
    /// results inside a 200 are tested against the simulator).
    fn per_item_outcomes(&self) -> bool {
        false
    }
}

macro_rules! scenario_tests {
    ($($name:ident),* $(,)?) => {
        mod kit {
            use super::*;
            $(#[tokio::test]
            async fn $name() {
                if let Err(failure) = conformance::$name(&SalesforceSubject).await {
                    panic!("{failure:#?}");
                }
            })*
        }
    };
}

scenario_tests!(
    empty_batch,
    success,
    partial_batch_failure,
    too_many_requests,
    server_error,
    timeout,
    client_rejection,
    bad_credentials,
);

#[tokio::test]
async fn run_all_reports_no_failures() {
    assert_eq!(conformance::run_all(&SalesforceSubject).await, vec![]);
}

#[tokio::test]
async fn a_session_refused_after_one_renewal_is_rejected_without_a_third_call() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .respond_with(token_response(&server))
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("PATCH"))
        .respond_with(ResponseTemplate::new(401).set_body_json(
            json!([{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]),
        ))
        .expect(2)
        .mount(&server)
        .await;
    let outcomes = adapter(&server, Duration::from_secs(5)).deliver(&sample_items(2)).await;
    assert_eq!(outcomes.len(), 2);
    for outcome in &outcomes {
        assert_eq!(outcome.reject_code(), Some(RejectCode::Auth), "{outcome:?}");
    }
}

#[tokio::test]
async fn a_spent_daily_allowance_holds_items_and_every_call_until_the_recheck() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    Mock::given(method("PATCH"))
        .respond_with(
            ResponseTemplate::new(403)
                .insert_header("sforce-limit-info", "api-usage=15000/15000")
                .set_body_json(json!([{"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}])),
        )
        .mount(&server)
        .await;
    let adapter = adapter(&server, Duration::from_secs(5));
    let outcomes = adapter.deliver(&sample_items(2)).await;
    for outcome in &outcomes {
        assert!(
            matches!(outcome, DeliveryOutcome::Deferred { after, reason }
                if *after == Duration::from_secs(600) && reason.contains("TotalRequests")),
            "{outcome:?}"
        );
    }
    let usage = adapter.api_usage().expect("the Salesforce adapter reports its usage");
    assert_eq!((usage.org_used, usage.org_limit), (Some(15000), Some(15000)));
    // The next batch is held without a call: the allowance is spent.
    let held = adapter.deliver(&sample_items(1)).await;
    assert!(
        matches!(&held[0], DeliveryOutcome::Deferred { reason, .. } if reason.contains("allowance")),
        "{held:?}"
    );
    let patches =
        server.received_requests().await.unwrap().iter().filter(|r| r.method.as_str() == "PATCH").count();
    assert_eq!(patches, 1, "no call while the allowance is spent");
}

#[tokio::test]
async fn a_token_endpoint_refusal_rejects_every_item_as_auth() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .respond_with(ResponseTemplate::new(400).set_body_json(
            json!({"error": "invalid_client", "error_description": "invalid client credentials"}),
        ))
        .mount(&server)
        .await;
    let outcomes = adapter(&server, Duration::from_secs(5)).deliver(&sample_items(3)).await;
    assert_eq!(outcomes.len(), 3);
    assert!(outcomes.iter().all(|outcome| outcome.reject_code() == Some(RejectCode::Auth)), "{outcomes:?}");
    let data_calls =
        server.received_requests().await.unwrap().iter().filter(|r| r.method.as_str() == "PATCH").count();
    assert_eq!(data_calls, 0);
}
