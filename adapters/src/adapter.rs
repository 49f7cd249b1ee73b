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

    /// The results of work that [`Adapter::deliver`] (or an earlier `collect`) handed out as
    /// [`DeliveryOutcome::Submitted`] under `ticket`. `batch` holds the items submitted under
    /// that ticket (mapped again, so the same records); returns one outcome per item, in order.
    /// An item still being processed comes back `Submitted` again, with the same or a new
    /// ticket (e.g. a follow-up job for child records once their parents are in).
    ///
    /// Adapters that never submit keep the default, which asks the hub to send the items again.
    fn collect<'a>(
        &'a self,
        ticket: &'a str,
        batch: &'a [DeliveryItem],
    ) -> BoxFuture<'a, Vec<DeliveryOutcome>> {
        let _ = ticket;
        Box::pin(async move {
            batch
                .iter()
                .map(|_| DeliveryOutcome::retry("this adapter hands out no tickets to collect"))
                .collect()
        })
    }

    /// Reads records back from the downstream, for verification: the records of
    /// `query.object` whose `query.match_field` is one of `query.values`, with `query.fields`.
    /// Adapters of systems that cannot be read back keep the default.
    fn read_back<'a>(
        &'a self,
        query: &'a ReadBack,
    ) -> BoxFuture<'a, Result<Vec<ReadBackRecord>, ReadBackError>> {
        let _ = query;
        Box::pin(async { Err(ReadBackError::Unsupported) })
    }
}

/// One read-back query: records of `object` whose `match_field` is in `values`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadBack {
    /// The downstream's object (an sObject for Salesforce).
    pub object: String,
    /// The field the records are found by (an external id).
    pub match_field: String,
    /// The values to look for; the adapter splits them into as many queries as it needs.
    pub values: Vec<String>,
    /// The fields to read, besides `match_field`.
    pub fields: Vec<String>,
}

/// A record read back: its fields by name (`match_field` included). Personal data: never log.
pub type ReadBackRecord = serde_json::Map<String, serde_json::Value>;

/// Why a read-back gave no answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadBackError {
    /// This adapter cannot read its downstream back.
    #[error("this adapter cannot read records back")]
    Unsupported,
    /// The downstream could not answer now (network, limits, 5xx); verification tries later.
    #[error("read-back failed for now: {0}")]
    Transient(String),
    /// The query itself was refused (unknown object or field): fix the expectation.
    #[error("read-back refused: {0}")]
    Refused(String),
}
