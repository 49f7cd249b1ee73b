//! A Standard Webhooks receiver on loopback, as a partner runs one: it verifies every
//! request's signature and timestamp, dedupes on `webhook-id`, and records what arrived (per
//! request and, for batch bodies, per item), so tests and rehearsals can check that every
//! delivery arrived and how often, and what it carried (the last body accepted per delivery
//! id: a webhook partner's "read back"). Its answer can be scripted (e.g. `503` with
//! `Retry-After`) to play a failing partner.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rand::RngCore;
use secrecy::SecretString;
use serde_json::Value;
use switchyard_adapters::webhook::signing::{SigningSecret, verify};
use tokio::sync::{Notify, oneshot};

/// What the receiver has seen so far.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReceiverStats {
    /// Requests with a valid signature (each answered as scripted).
    pub requests: u64,
    /// Requests refused: bad or missing signature, stale timestamp, unreadable body.
    pub refused: u64,
    /// Distinct `webhook-id`s accepted with a 2xx: what a deduping receiver processed once.
    pub unique_messages: u64,
    /// Accepted requests whose `webhook-id` had been accepted before (a retry or a replay).
    pub duplicate_messages: u64,
    /// Times each delivery id arrived in an accepted request (per-event or inside a batch).
    pub items: HashMap<String, u64>,
    /// Times each source event id arrived, over all its deliveries.
    pub events: HashMap<String, u64>,
}

#[derive(Debug, Default)]
struct Inner {
    stats: ReceiverStats,
    accepted_ids: HashMap<String, u64>,
    /// The last item body accepted under each delivery id. Only the last: a retry carries the
    /// same body, and a long rehearsal should not keep every copy.
    bodies: HashMap<String, Value>,
    /// Answers for the next requests, first first; then `200`.
    script: Vec<(StatusCode, Option<String>)>,
}

#[derive(Debug, Clone)]
struct Shared {
    secret: Arc<SigningSecret>,
    inner: Arc<Mutex<Inner>>,
    changed: Arc<Notify>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A poisoned lock only means a test thread panicked while holding it; the data stays usable.
        self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// A running receiver; stops when dropped.
#[derive(Debug)]
pub struct WebhookReceiver {
    addr: SocketAddr,
    shared: Shared,
    _stop: oneshot::Sender<()>,
}

/// Why the receiver did not start.
#[derive(Debug, thiserror::Error)]
pub enum ReceiverError {
    #[error("the signing secret cannot be used")]
    Secret(#[source] switchyard_adapters::webhook::signing::SecretError),
    #[error("cannot listen")]
    Listen(#[source] std::io::Error),
}

impl WebhookReceiver {
    /// Starts on `listen` (port 0 picks a free port) verifying with `secret` (`whsec_...`).
    pub async fn start(listen: SocketAddr, secret: &SecretString) -> Result<Self, ReceiverError> {
        let secret = SigningSecret::parse(secret).map_err(ReceiverError::Secret)?;
        let shared = Shared {
            secret: Arc::new(secret),
            inner: Arc::new(Mutex::new(Inner::default())),
            changed: Arc::new(Notify::new()),
        };
        let listener = tokio::net::TcpListener::bind(listen).await.map_err(ReceiverError::Listen)?;
        let addr = listener.local_addr().map_err(ReceiverError::Listen)?;
        let app = Router::new().route("/{*path}", post(receive)).with_state(shared.clone());
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(async move {
            let server = axum::serve(listener, app).with_graceful_shutdown(async {
                let _ = stopped.await;
            });
            if let Err(err) = server.await {
                tracing::warn!(error = %err, "webhook receiver stopped");
            }
        });
        Ok(Self { addr, shared, _stop: stop })
    }

    /// The URL to configure as the webhook endpoint.
    pub fn url(&self) -> String {
        format!("http://{}/hooks", self.addr)
    }

    pub fn stats(&self) -> ReceiverStats {
        self.shared.lock().stats.clone()
    }

    /// The last item accepted (with a 2xx) under `delivery_id`, as it arrived:
    /// `{"delivery_id", "event_id", "data"}` (an item of a batch body, or the whole body of a
    /// per-event request). `None` if nothing was accepted under it.
    pub fn body(&self, delivery_id: &str) -> Option<Value> {
        self.shared.lock().bodies.get(delivery_id).cloned()
    }

    /// The next requests get these answers (status and optional `Retry-After`), in order.
    pub fn script<'a>(&self, answers: impl IntoIterator<Item = (u16, Option<&'a str>)>) {
        let mut inner = self.shared.lock();
        inner.script = answers
            .into_iter()
            .map(|(status, retry_after)| {
                (StatusCode::from_u16(status).unwrap_or(StatusCode::OK), retry_after.map(str::to_owned))
            })
            .collect();
    }

    /// Waits until `done` holds for the stats, re-checking after every request.
    pub async fn wait_until(&self, done: impl Fn(&ReceiverStats) -> bool) -> ReceiverStats {
        loop {
            let notified = self.shared.changed.notified();
            {
                let inner = self.shared.lock();
                if done(&inner.stats) {
                    return inner.stats.clone();
                }
            }
            notified.await;
        }
    }
}

/// A fresh random signing secret (`whsec_` and 32 random bytes in base64), for a receiver
/// whose sender is started by the same program (a replay against the simulator).
pub fn generate_secret() -> SecretString {
    let mut key = [0u8; 32];
    rand::rng().fill_bytes(&mut key);
    SecretString::from(format!("whsec_{}", STANDARD.encode(key)))
}

async fn receive(State(shared): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    let response = receive_inner(&shared, &headers, &body);
    shared.changed.notify_waiters();
    response
}

fn receive_inner(shared: &Shared, headers: &HeaderMap, body: &[u8]) -> Response {
    let header = |name: &str| headers.get(name).and_then(|value| value.to_str().ok()).unwrap_or_default();
    let (id, timestamp, signature) =
        (header("webhook-id"), header("webhook-timestamp"), header("webhook-signature"));
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |elapsed| elapsed.as_secs() as i64);
    let mut inner = shared.lock();
    if id.is_empty() || verify(&shared.secret, id, timestamp, signature, body, now).is_err() {
        inner.stats.refused += 1;
        return (StatusCode::UNAUTHORIZED, "signature refused").into_response();
    }
    let Ok(payload) = serde_json::from_slice::<Value>(body) else {
        inner.stats.refused += 1;
        return (StatusCode::BAD_REQUEST, "body is not JSON").into_response();
    };
    inner.stats.requests += 1;
    if !inner.script.is_empty() {
        let (status, retry_after) = inner.script.remove(0);
        if !status.is_success() {
            let mut response = status.into_response();
            if let Some(value) = retry_after.and_then(|value| value.parse().ok()) {
                response.headers_mut().insert("retry-after", value);
            }
            return response;
        }
    }
    let seen = inner.accepted_ids.entry(id.to_owned()).or_insert(0);
    *seen += 1;
    if *seen == 1 {
        inner.stats.unique_messages += 1;
    } else {
        inner.stats.duplicate_messages += 1;
    }
    let items = match payload {
        Value::Array(items) => items,
        single => vec![single],
    };
    for item in items {
        if let Some(event_id) = item.get("event_id").and_then(Value::as_str) {
            *inner.stats.events.entry(event_id.to_owned()).or_insert(0) += 1;
        }
        if let Some(delivery_id) = item.get("delivery_id").and_then(Value::as_str).map(str::to_owned) {
            *inner.stats.items.entry(delivery_id.clone()).or_insert(0) += 1;
            inner.bodies.insert(delivery_id, item);
        }
    }
    StatusCode::NO_CONTENT.into_response()
}
