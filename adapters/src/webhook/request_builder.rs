//! Turns delivery items into signed webhook requests (body and Standard Webhooks headers).

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::adapter::DeliveryItem;
use crate::webhook::signing::{SigningSecret, signature_header};

/// One request to send: a JSON body and the three Standard Webhooks header values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookRequest {
    /// `webhook-id`: the delivery id (per event) or a digest of the batch's delivery ids, so
    /// a retry of the same delivery carries the same id and receivers can dedupe.
    pub webhook_id: String,
    /// `webhook-timestamp`, unix seconds at send time.
    pub timestamp: i64,
    /// `webhook-signature`.
    pub signature: String,
    pub body: Vec<u8>,
}

/// The JSON sent for one item. The delivery id is in the body too, so batch receivers can
/// dedupe per item.
#[derive(Serialize)]
struct Payload<'a> {
    delivery_id: &'a str,
    event_id: &'a str,
    data: &'a serde_json::Map<String, serde_json::Value>,
}

impl<'a> From<&'a DeliveryItem> for Payload<'a> {
    fn from(item: &'a DeliveryItem) -> Self {
        Self { delivery_id: &item.delivery_id, event_id: &item.event_id, data: &item.record }
    }
}

/// The request for one item (`per_event` mode).
pub fn per_event(
    item: &DeliveryItem,
    timestamp: i64,
    secrets: &[SigningSecret],
) -> Result<WebhookRequest, serde_json::Error> {
    let body = serde_json::to_vec(&Payload::from(item))?;
    Ok(signed(item.delivery_id.clone(), timestamp, body, secrets))
}

/// One request carrying every item as a JSON array (`batch` mode).
pub fn batch(
    items: &[DeliveryItem],
    timestamp: i64,
    secrets: &[SigningSecret],
) -> Result<WebhookRequest, serde_json::Error> {
    let payloads: Vec<Payload<'_>> = items.iter().map(Payload::from).collect();
    let body = serde_json::to_vec(&payloads)?;
    Ok(signed(batch_id(items), timestamp, body, secrets))
}

/// A stable id for a batch: the same delivery ids in the same order give the same id.
pub fn batch_id(items: &[DeliveryItem]) -> String {
    let mut hasher = Sha256::new();
    for item in items {
        hasher.update(item.delivery_id.as_bytes());
        // A separator that cannot appear in ids keeps ["ab","c"] apart from ["a","bc"].
        hasher.update([0u8]);
    }
    let digest = hasher.finalize();
    let hex: String = digest.iter().take(16).map(|byte| format!("{byte:02x}")).collect();
    format!("batch_{hex}")
}

fn signed(webhook_id: String, timestamp: i64, body: Vec<u8>, secrets: &[SigningSecret]) -> WebhookRequest {
    let signature = signature_header(secrets, &webhook_id, timestamp, &body);
    WebhookRequest { webhook_id, timestamp, signature, body }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::webhook::signing::verify;

    fn item(id: &str) -> DeliveryItem {
        let record = serde_json::json!({"email": "ada@example.com"}).as_object().unwrap().clone();
        DeliveryItem { delivery_id: id.into(), event_id: format!("evt-{id}"), record, attempt: 1 }
    }

    fn secrets() -> Vec<SigningSecret> {
        vec![SigningSecret::parse(&"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".into()).unwrap()]
    }

    #[test]
    fn per_event_uses_the_delivery_id_and_signs_the_exact_body() {
        let request = per_event(&item("d1"), 1_700_000_000, &secrets()).unwrap();
        assert_eq!(request.webhook_id, "d1");
        let body: serde_json::Value = serde_json::from_slice(&request.body).unwrap();
        assert_eq!(
            body,
            serde_json::json!({"delivery_id": "d1", "event_id": "evt-d1", "data": {"email": "ada@example.com"}})
        );
        let ts = request.timestamp.to_string();
        assert_eq!(
            verify(&secrets()[0], "d1", &ts, &request.signature, &request.body, request.timestamp),
            Ok(())
        );
    }

    #[test]
    fn retries_keep_the_id_and_body() {
        let mut retry = item("d1");
        retry.attempt = 2;
        let first = per_event(&item("d1"), 1_700_000_000, &secrets()).unwrap();
        let second = per_event(&retry, 1_700_000_060, &secrets()).unwrap();
        assert_eq!(first.webhook_id, second.webhook_id);
        assert_eq!(first.body, second.body);
    }

    #[test]
    fn batch_is_an_array_with_a_stable_id() {
        let items = [item("d1"), item("d2")];
        let request = batch(&items, 1_700_000_000, &secrets()).unwrap();
        let body: serde_json::Value = serde_json::from_slice(&request.body).unwrap();
        assert_eq!(body.as_array().unwrap().len(), 2);
        assert_eq!(request.webhook_id, batch_id(&items));
        assert!(request.webhook_id.starts_with("batch_"));
        assert_ne!(batch_id(&[item("ab"), item("c")]), batch_id(&[item("a"), item("bc")]));
    }
}
