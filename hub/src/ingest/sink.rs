//! Where accepted events go: a durable store that commits them before the hub answers.

use std::future::Future;
use std::pin::Pin;

use super::validate::ValidatedEvent;

/// A boxed, `Send` future, so the sink trait stays object-safe.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Commits accepted events durably (the ledger implements it).
///
/// `accept` must have committed every event before it returns `Ok`, and return one receipt per
/// event, in the same order. An event whose `source`+`id` is already stored is not stored
/// again: its receipt says `duplicate: true` (this holds within one call, too). On `Err`
/// nothing of the call may be reported as accepted; the hub answers 503 and the sender
/// re-sends, which deduplication makes safe.
pub trait EventSink: Send + Sync + 'static {
    fn accept(&self, events: Vec<ValidatedEvent>) -> BoxFuture<'_, Result<Vec<Receipt>, SinkError>>;

    /// Whether the sink can take events now (`GET /readyz`). Ready unless overridden.
    fn ready(&self) -> BoxFuture<'_, Result<(), SinkError>> {
        Box::pin(async { Ok(()) })
    }
}

/// The sink's word on one event.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Receipt {
    pub source: String,
    pub id: String,
    /// `true` when this `source`+`id` was already stored; it was acknowledged, not stored again.
    pub duplicate: bool,
}

/// The sink could not commit; says which operation failed. Its `Display` does not repeat the
/// source error (log the chain once).
#[derive(Debug, thiserror::Error)]
#[error("event sink failed to {operation}")]
pub struct SinkError {
    pub operation: &'static str,
    #[source]
    pub source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl SinkError {
    pub fn new(operation: &'static str, source: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self { operation, source: Some(source.into()) }
    }

    /// A failure without an underlying error (e.g. the sink is shutting down).
    pub fn without_source(operation: &'static str) -> Self {
        Self { operation, source: None }
    }
}
