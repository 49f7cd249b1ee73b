//! Webhook adapter behaviour beyond the kit: signatures, stable ids, rotation, SSRF refusal,
//! rate limiting, batch bodies and redirects.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use switchyard_adapters::conformance::sample_items;
use switchyard_adapters::webhook::request_builder::batch_id;
use switchyard_adapters::webhook::signing::verify;
use switchyard_adapters::webhook::{DeliveryMode, SigningSecret, WebhookConfig};
use switchyard_adapters::{Adapter, DeliveryOutcome, Health, RejectCode};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{self, SECOND_SECRET, SECRET};

const TIMEOUT: Duration = Duration::from_secs(5);

async fn server_answering(status: u16) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST")).respond_with(ResponseTemplate::new(status)).mount(&server).await;
    server
}

fn header<'r>(request: &'r wiremock::Request, name: &str) -> &'r str {
    request.headers.get(name).and_then(|value| value.to_str().ok()).unwrap_or_default()
}

fn secret(raw: &str) -> SigningSecret {
    SigningSecret::parse(&raw.into()).unwrap()
}

fn unix_now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64
}

#[tokio::test]
async fn requests_verify_with_the_receiver_side_check() {
    let server = server_answering(204).await;
    let adapter = support::adapter(support::config(&server, DeliveryMode::PerEvent, TIMEOUT));
    let outcomes = adapter.deliver(&sample_items(1)).await;
    assert_eq!(outcomes, vec![DeliveryOutcome::Delivered { downstream_id: None }]);

    let requests = server.received_requests().await.unwrap();
    let request = &requests[0];
    assert_eq!(header(request, "content-type"), "application/json");
    let verified = verify(
        &secret(SECRET),
        header(request, "webhook-id"),
        header(request, "webhook-timestamp"),
        header(request, "webhook-signature"),
        &request.body,
        unix_now(),
    );
    assert_eq!(verified, Ok(()));
    let body: serde_json::Value = serde_json::from_slice(&request.body).unwrap();
    assert_eq!(body["delivery_id"], "dlv-conformance-0");
    assert_eq!(body["data"]["external_id"], "user-0");
}

#[tokio::test]
async fn webhook_id_is_the_delivery_id_on_every_attempt() {
    let server = server_answering(503).await;
    let adapter = support::adapter(support::config(&server, DeliveryMode::PerEvent, TIMEOUT));
    let mut items = sample_items(1);
    assert!(adapter.deliver(&items).await[0].is_retry());
    items[0].attempt = 2;
    assert!(adapter.deliver(&items).await[0].is_retry());

    let requests = server.received_requests().await.unwrap();
    let ids: Vec<&str> = requests.iter().map(|request| header(request, "webhook-id")).collect();
    assert_eq!(ids, ["dlv-conformance-0", "dlv-conformance-0"]);
}

#[tokio::test]
async fn rotation_signs_with_both_secrets() {
    let server = server_answering(200).await;
    let config = WebhookConfig {
        secrets: vec![SECRET.into(), SECOND_SECRET.into()],
        ..support::config(&server, DeliveryMode::PerEvent, TIMEOUT)
    };
    support::adapter(config).deliver(&sample_items(1)).await;

    let requests = server.received_requests().await.unwrap();
    let request = &requests[0];
    let signatures = header(request, "webhook-signature");
    assert_eq!(signatures.split(' ').filter(|sig| sig.starts_with("v1,")).count(), 2);
    for raw in [SECRET, SECOND_SECRET] {
        let verified = verify(
            &secret(raw),
            header(request, "webhook-id"),
            header(request, "webhook-timestamp"),
            signatures,
            &request.body,
            unix_now(),
        );
        assert_eq!(verified, Ok(()), "a receiver holding only one secret accepts the request");
    }
}

#[tokio::test]
async fn loopback_is_refused_unless_allow_listed() {
    let server = server_answering(200).await;
    let config =
        WebhookConfig { allow_list: vec![], ..support::config(&server, DeliveryMode::PerEvent, TIMEOUT) };
    let adapter = support::adapter(config);

    let outcomes = adapter.deliver(&sample_items(2)).await;
    assert_eq!(outcomes.len(), 2);
    for outcome in &outcomes {
        assert_eq!(outcome.reject_code(), Some(RejectCode::DestinationRefused), "{outcome:?}");
    }
    assert!(matches!(adapter.health().await, Health::Unhealthy { .. }));
    assert!(server.received_requests().await.unwrap().is_empty(), "nothing may reach a refused address");
}

#[tokio::test]
async fn health_is_good_for_an_allow_listed_endpoint() {
    let server = MockServer::start().await;
    let adapter = support::adapter(support::config(&server, DeliveryMode::PerEvent, TIMEOUT));
    assert_eq!(adapter.health().await, Health::Healthy);
}

#[tokio::test]
async fn the_rate_limit_spaces_requests_instead_of_sleeping() {
    let server = MockServer::start().await;
    Mock::given(method("POST")).respond_with(ResponseTemplate::new(200)).expect(1).mount(&server).await;
    let config = WebhookConfig {
        rate_limit_per_second: 1,
        max_concurrency: 1,
        ..support::config(&server, DeliveryMode::PerEvent, TIMEOUT)
    };
    let adapter = support::adapter(config);

    let outcomes = adapter.deliver(&sample_items(2)).await;
    assert!(outcomes[0].is_delivered(), "{:?}", outcomes[0]);
    // The second item is handed back unsent, with the limiter's own wait, for the hub to hold
    // without spending an attempt.
    assert!(
        matches!(&outcomes[1], DeliveryOutcome::Deferred { after, .. }
            if !after.is_zero() && *after <= Duration::from_secs(1)),
        "{:?}",
        outcomes[1]
    );
    assert!(adapter.rate_limiter().check().is_err(), "the limiter is not ready within the second");
}

#[tokio::test]
async fn batch_mode_sends_one_array_with_a_stable_id() {
    let server = server_answering(200).await;
    let adapter = support::adapter(support::config(&server, DeliveryMode::Batch, TIMEOUT));
    let items = sample_items(3);
    let outcomes = adapter.deliver(&items).await;
    assert!(outcomes.iter().all(DeliveryOutcome::is_delivered));
    assert_eq!(outcomes.len(), 3);

    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 1);
    assert_eq!(header(&requests[0], "webhook-id"), batch_id(&items));
    let body: serde_json::Value = serde_json::from_slice(&requests[0].body).unwrap();
    let ids: Vec<&str> =
        body.as_array().unwrap().iter().map(|entry| entry["delivery_id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["dlv-conformance-0", "dlv-conformance-1", "dlv-conformance-2"]);
}

#[tokio::test]
async fn redirects_are_not_followed() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(302).insert_header("location", "http://169.254.169.254/"))
        .expect(1)
        .mount(&server)
        .await;
    let adapter = support::adapter(support::config(&server, DeliveryMode::PerEvent, TIMEOUT));
    let outcomes = adapter.deliver(&sample_items(1)).await;
    assert_eq!(outcomes[0].reject_code(), Some(RejectCode::Redirect));
}

#[tokio::test]
async fn host_names_are_resolved_and_checked_by_the_guard() {
    let server = server_answering(200).await;
    let by_name = server.uri().replace("127.0.0.1", "localhost");
    let base = || WebhookConfig {
        url: by_name.clone(),
        ..support::config(&server, DeliveryMode::PerEvent, TIMEOUT)
    };

    // Every address localhost resolves to must be allow-listed (it may include ::1).
    let allowed =
        support::adapter(WebhookConfig { allow_list: vec!["127.0.0.0/8".into(), "::1".into()], ..base() });
    let by_host = support::adapter(WebhookConfig { allow_list: vec!["localhost".into()], ..base() });
    let none = support::adapter(WebhookConfig { allow_list: vec![], ..base() });

    assert!(allowed.deliver(&sample_items(1)).await[0].is_delivered());
    assert!(by_host.deliver(&sample_items(1)).await[0].is_delivered());
    assert_eq!(none.deliver(&sample_items(1)).await[0].reject_code(), Some(RejectCode::DestinationRefused));
}
