//! The `Adapter` trait every downstream implements, and the items it delivers.

use std::future::Future;
use std::pin::Pin;

use crate::outcome::DeliveryOutcome;

/// A boxed future, so `Adapter` stays dyn-compatible (the hub holds `Arc<dyn Adapter>`).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// One mapped record to deliver to one system.
#[derive(Debug, Clone, PartialEq)]
pub struct DeliveryItem {
    /// The ledger's delivery id; stable across retries (the webhook adapter sends it as
    /// `webhook-id`, so receivers can dedupe).
    pub delivery_id: String,
    /// The source event's id.
    pub event_id: String,
    /// The mapped record. Personal data: never log it.
    pub record: serde_json::Map<String, serde_json::Value>,
    /// 1 for the first attempt; the hub increments it on every retry.
    pub attempt: u32,
}

/// Whether the downstream looks usable right now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Health {
    /// Reachable and configured correctly, as far as the adapter can tell.
    Healthy,
    /// Not usable; `reason` is for operators and holds no secrets.
    Unhealthy { reason: String },
}

/// A downstream. See `docs/adapter-contract.md` for the rules every implementation follows.
///
/// Adapters never sleep and never retry on their own: they classify each item's outcome and
/// the hub decides what happens next.
pub trait Adapter: Send + Sync + std::fmt::Debug {
    /// Delivers a batch and returns exactly one outcome per item, in the batch's order.
    fn deliver<'a>(&'a self, batch: &'a [DeliveryItem]) -> BoxFuture<'a, Vec<DeliveryOutcome>>;

    /// A cheap check that the downstream is usable, for system health and wave gates.
    fn health(&self) -> BoxFuture<'_, Health>;
}
