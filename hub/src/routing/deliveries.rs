//! Which deliveries one accepted event gets: a route of its contract version per system, less
//! the routes whose mapping's `when` leaves it out. Ingest and a wave's release both use it,
//! so a migrated event is routed exactly as a live one.

use switchyard_contracts::Envelope;

use super::{Route, Routes};
use crate::store;

impl Routes {
    /// The ledger routes of `envelope`.
    pub fn deliveries_for(&self, envelope: &Envelope) -> Vec<store::Route> {
        let attributes = envelope.attributes_json();
        self.for_event(envelope.contract())
            .iter()
            // A mapping whose `when` fails to evaluate keeps its delivery: the worker records
            // the mapping error as the rejection reason, where ops can see it.
            .filter(|route| route.mapping.includes(envelope.data(), &attributes).unwrap_or(true))
            .map(store::Route::from)
            .collect()
    }
}

impl From<&Route> for store::Route {
    fn from(route: &Route) -> Self {
        store::Route { system: route.system.to_string(), mapping: route.mapping.name().to_owned() }
    }
}
