//! The Salesforce Bulk path against wiremock, for the answers a simulator does not script:
//! a job that ends `Failed` with an `errorMessage`, a job Salesforce no longer knows, and a
//! ticket that is not one of ours.

use serde_json::{Value, json};
use switchyard_adapters::salesforce::{ObjectTarget, SalesforceAdapter, SalesforceConfig};
use switchyard_adapters::{Adapter, DeliveryItem, DeliveryOutcome};
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const JOBS: &str = "/services/data/v60.0/jobs/ingest";
const JOB_ID: &str = "7505g0000000001AAA";

async fn server() -> MockServer {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/services/oauth2/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": "00Dxx!token", "instance_url": server.uri(), "id": "x",
            "token_type": "Bearer", "issued_at": "1700000000000", "signature": "c2ln", "scope": "api",
        })))
        .mount(&server)
        .await;
    server
}

fn adapter(server: &MockServer) -> SalesforceAdapter {
    SalesforceAdapter::new(SalesforceConfig {
        allow_list: vec!["127.0.0.0/8".into()],
        bulk_threshold: 2,
        ..SalesforceConfig::new(
            format!("{}/services/oauth2/token", server.uri()),
            "app",
            "s3cret".into(),
            ObjectTarget::new("Contact", "Legacy_Id__c"),
        )
    })
    .expect("valid config")
}

fn items() -> Vec<DeliveryItem> {
    (0..2)
        .map(|i| DeliveryItem {
            delivery_id: format!("dlv-{i}"),
            event_id: format!("evt-{i}"),
            record: json!({"Legacy_Id__c": format!("c{i}"), "LastName": "Doe"}).as_object().cloned().unwrap(),
            attempt: 1,
        })
        .collect()
}

/// Create, upload and close answer as Salesforce does; the job then reads as `info`.
async fn mount_job(server: &MockServer, info: Value) {
    Mock::given(method("POST"))
        .and(path(JOBS))
        .and(body_json(
            json!({"object": "Contact", "operation": "upsert", "externalIdFieldName": "Legacy_Id__c",
            "contentType": "CSV", "lineEnding": "LF", "columnDelimiter": "COMMA"}),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": JOB_ID, "state": "Open"})))
        .expect(1)
        .mount(server)
        .await;
    Mock::given(method("PUT"))
        .and(path(format!("{JOBS}/{JOB_ID}/batches")))
        .and(header("content-type", "text/csv"))
        .respond_with(ResponseTemplate::new(201))
        .expect(1)
        .mount(server)
        .await;
    Mock::given(method("PATCH"))
        .and(path(format!("{JOBS}/{JOB_ID}")))
        .and(body_json(json!({"state": "UploadComplete"})))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"id": JOB_ID, "state": "UploadComplete"})),
        )
        .expect(1)
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{JOBS}/{JOB_ID}")))
        .respond_with(info_response(info))
        .mount(server)
        .await;
}

fn info_response(info: Value) -> ResponseTemplate {
    match info {
        Value::Null => ResponseTemplate::new(404).set_body_json(
            json!([{"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}]),
        ),
        info => ResponseTemplate::new(200).set_body_json(info),
    }
}

async fn submit(adapter: &SalesforceAdapter) -> String {
    let outcomes = adapter.deliver(&items()).await;
    match &outcomes[..] {
        [DeliveryOutcome::Submitted { ticket, .. }, DeliveryOutcome::Submitted { ticket: other, .. }] => {
            assert_eq!(ticket, other);
            ticket.clone()
        }
        other => panic!("expected both items submitted, got {other:?}"),
    }
}

#[tokio::test]
async fn a_failed_job_retries_its_items_with_salesforces_error_message() {
    let server = server().await;
    let message = "InvalidBatch : Field name not found : LastName";
    mount_job(&server, json!({"id": JOB_ID, "state": "Failed", "errorMessage": message})).await;
    let adapter = adapter(&server);
    let ticket = submit(&adapter).await;
    let outcomes = adapter.collect(&ticket, &items()).await;
    for outcome in outcomes {
        assert!(outcome.is_retry(), "{outcome:?}");
        assert!(outcome.reason().unwrap().contains(message), "{outcome:?}");
    }
}

#[tokio::test]
async fn a_running_job_is_submitted_again_and_a_vanished_one_sends_its_items_again() {
    let server = server().await;
    mount_job(&server, json!({"id": JOB_ID, "state": "InProgress"})).await;
    let adapter = adapter(&server);
    let ticket = submit(&adapter).await;
    let again = adapter.collect(&ticket, &items()).await;
    assert!(
        again.iter().all(|o| matches!(o, DeliveryOutcome::Submitted { ticket: t, .. } if *t == ticket)),
        "{again:?}"
    );

    // The org forgets the job (deleted, or past its retention).
    server.reset().await;
    // The session is cached: only the job info is asked for.
    Mock::given(method("GET"))
        .and(path(format!("{JOBS}/{JOB_ID}")))
        .respond_with(info_response(Value::Null))
        .mount(&server)
        .await;
    let outcomes = adapter.collect(&ticket, &items()).await;
    for outcome in outcomes {
        assert!(outcome.is_retry(), "{outcome:?}");
        assert!(outcome.reason().unwrap().contains("no longer knows"), "{outcome:?}");
    }
}

#[tokio::test]
async fn a_ticket_that_is_not_ours_retries_every_item_without_a_call() {
    let server = server().await;
    let adapter = adapter(&server);
    let outcomes = adapter.collect("job-42", &items()).await;
    assert_eq!(outcomes.len(), 2);
    assert!(
        outcomes.iter().all(|o| o.is_retry() && o.reason().unwrap().contains("not a Salesforce Bulk ticket"))
    );
    assert!(server.received_requests().await.unwrap_or_default().is_empty());
}
