//! The Prometheus text exposition (format 0.0.4): the recorded metrics, then the delivery
//! counts read from the ledger, which is the queue's source of truth.

use std::collections::BTreeSet;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::encoding::prometheus_text;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

use super::HubMetrics;
use crate::store::{DeliveryState, StateCount};

/// The content type of [`HubMetrics::render`]'s output.
pub const CONTENT_TYPE: &str = prometheus_text::CONTENT_TYPE;

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct DeliveryLabels {
    system: String,
    state: &'static str,
}

impl HubMetrics {
    /// Every metric in the Prometheus text format, plus `switchyard_deliveries{system,state}`
    /// from `ledger` (as [`crate::store::Store::state_counts`] returns it): every state of
    /// every system in it, 0 where it has none, so a state that empties reads 0 instead of
    /// vanishing. Queue depth is `pending` + `in_flight`.
    pub fn render(&self, ledger: &[StateCount]) -> String {
        let mut text = String::new();
        // Writing to a String cannot fail; the encoder has no other error.
        let _ = prometheus_text::encode(&mut text, &self.inner.registry);
        let _ = prometheus_text::encode(&mut text, &ledger_registry(ledger));
        text
    }
}

/// A registry built for one rendering, so concurrent scrapes never see each other's counts.
fn ledger_registry(ledger: &[StateCount]) -> Registry {
    let mut registry = Registry::with_prefix("switchyard");
    let deliveries: Family<DeliveryLabels, Gauge> = Family::default();
    let systems: BTreeSet<&str> = ledger.iter().map(|count| count.system.as_str()).collect();
    for system in systems {
        for state in DeliveryState::ALL {
            let labels = DeliveryLabels { system: system.to_owned(), state: state.as_str() };
            // Created at 0: a state that empties reads 0 rather than vanishing.
            deliveries.get_or_create(&labels).set(0);
        }
    }
    for count in ledger {
        let labels = DeliveryLabels { system: count.system.clone(), state: count.state.as_str() };
        deliveries.get_or_create(&labels).set(i64::try_from(count.count).unwrap_or(i64::MAX));
    }
    registry.register(
        "deliveries",
        "Deliveries per system and state in the ledger (queue depth: pending + in_flight)",
        deliveries,
    );
    registry
}
