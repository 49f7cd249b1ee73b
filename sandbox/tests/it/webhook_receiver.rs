//! The Standard Webhooks receiver as a partner runs it: it accepts only correctly signed
//! requests, dedupes on `webhook-id`, counts every delivery id, keeps the body it accepted
//! for each, and answers as scripted.

use std::time::{SystemTime, UNIX_EPOCH};

use secrecy::ExposeSecret;
use serde_json::json;
use switchyard_adapters::webhook::signing::{SigningSecret, signature_header};
use switchyard_sandbox::{WebhookReceiver, generate_secret};

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

async fn post(
    receiver: &WebhookReceiver,
    id: &str,
    body: &serde_json::Value,
    secret: &str,
) -> reqwest::Response {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let body = serde_json::to_vec(body).expect("json");
    let now = SystemTime::now().duration_since(UNIX_EPOCH).expect("clock").as_secs() as i64;
    let secret = SigningSecret::parse(&secret.into()).expect("secret");
    reqwest::Client::new()
        .post(receiver.url())
        .header("webhook-id", id)
        .header("webhook-timestamp", now.to_string())
        .header("webhook-signature", signature_header(&[secret], id, now, &body))
        .body(body)
        .send()
        .await
        .expect("POST")
}

async fn receiver() -> WebhookReceiver {
    WebhookReceiver::start(([127, 0, 0, 1], 0).into(), &SECRET.into()).await.expect("receiver")
}

#[tokio::test]
async fn signed_requests_are_counted_once_per_webhook_id_and_per_item() {
    let receiver = receiver().await;
    let single = json!({"delivery_id": "d1", "event_id": "e1", "data": {}});
    assert_eq!(post(&receiver, "d1", &single, SECRET).await.status(), 204);
    assert_eq!(post(&receiver, "d1", &single, SECRET).await.status(), 204, "a retry is acknowledged");
    let batch = json!([
        {"delivery_id": "d2", "event_id": "e2", "data": {}},
        {"delivery_id": "d3", "event_id": "e2", "data": {}}
    ]);
    assert_eq!(post(&receiver, "batch_1", &batch, SECRET).await.status(), 204);

    let stats = receiver.stats();
    assert_eq!((stats.requests, stats.unique_messages, stats.duplicate_messages), (3, 2, 1));
    assert_eq!(stats.items.get("d1"), Some(&2));
    assert_eq!(stats.items.get("d3"), Some(&1));
    assert_eq!(stats.events.get("e2"), Some(&2));
}

#[tokio::test]
async fn a_wrong_signature_is_refused_and_not_counted() {
    let receiver = receiver().await;
    let other = "whsec_c2Vjb25kLXNlY3JldC1mb3Itcm90YXRpb24=";
    let response = post(&receiver, "d1", &json!({"delivery_id": "d1"}), other).await;
    assert_eq!(response.status(), 401);
    let stats = receiver.stats();
    assert_eq!((stats.refused, stats.requests, stats.items.len()), (1, 0, 0));
}

#[tokio::test]
async fn scripted_answers_come_first_and_are_not_counted_as_received() {
    let receiver = receiver().await;
    receiver.script([(503, Some("7")), (429, None)]);
    let body = json!({"delivery_id": "d1", "event_id": "e1", "data": {}});
    let first = post(&receiver, "d1", &body, SECRET).await;
    assert_eq!(first.status(), 503);
    assert_eq!(first.headers()["retry-after"], "7");
    assert_eq!(post(&receiver, "d1", &body, SECRET).await.status(), 429);
    assert_eq!(post(&receiver, "d1", &body, SECRET).await.status(), 204);
    let stats = receiver.wait_until(|stats| stats.unique_messages == 1).await;
    assert_eq!((stats.requests, stats.duplicate_messages, stats.items.get("d1")), (3, 0, Some(&1)));
}

#[tokio::test]
async fn the_accepted_body_of_each_delivery_id_can_be_read_back() {
    let receiver = receiver().await;
    receiver.script([(422, None)]);
    let refused = json!({"delivery_id": "d1", "event_id": "e1", "data": {"status": "refused"}});
    assert_eq!(post(&receiver, "d1", &refused, SECRET).await.status(), 422);
    assert_eq!(receiver.body("d1"), None, "a refused request is not what the partner processed");
    let single = json!({"delivery_id": "d1", "event_id": "e1", "data": {"status": "active"}});
    assert_eq!(post(&receiver, "d1", &single, SECRET).await.status(), 204);
    let batch = json!([
        {"delivery_id": "d2", "event_id": "e2", "data": {"n": 2}},
        {"delivery_id": "d3", "event_id": "e2", "data": {"n": 3}}
    ]);
    assert_eq!(post(&receiver, "batch_1", &batch, SECRET).await.status(), 204);
    assert_eq!(receiver.body("d1"), Some(single));
    assert_eq!(receiver.body("d3"), Some(batch[1].clone()));
    assert_eq!(receiver.body("d4"), None);
}

#[tokio::test]
async fn a_generated_secret_is_a_fresh_usable_whsec_key() {
    let (first, second) = (generate_secret(), generate_secret());
    assert!(first.expose_secret().starts_with("whsec_"));
    assert_ne!(first.expose_secret(), second.expose_secret());
    let receiver = WebhookReceiver::start(([127, 0, 0, 1], 0).into(), &first).await.expect("receiver");
    let body = json!({"delivery_id": "d1", "event_id": "e1", "data": {}});
    assert_eq!(post(&receiver, "d1", &body, first.expose_secret()).await.status(), 204);
    assert_eq!(post(&receiver, "d2", &body, second.expose_secret()).await.status(), 401);
}
