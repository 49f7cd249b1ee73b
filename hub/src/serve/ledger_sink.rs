//! The ledger as the ingest's durable sink: accepted events and one delivery per route are
//! committed in one transaction before the hub answers; then the systems that got new
//! deliveries are woken. A route whose mapping's `when` skips the event gets no delivery
//! (`Routes::deliveries_for`).

use std::collections::BTreeSet;
use std::sync::Arc;

use serde_json::Value;
use switchyard_contracts::Envelope;

use crate::delivery::Waker;
use crate::ingest::{BoxFuture, EventSink, Receipt, SinkError, ValidatedEvent};
use crate::routing::Routes;
use crate::store::{NewEvent, Route, Store};

/// Routes each accepted event and records it, with its deliveries, in the ledger.
#[derive(Debug, Clone)]
pub struct LedgerSink {
    store: Store,
    routes: Arc<Routes>,
    waker: Option<Waker>,
}

impl LedgerSink {
    pub fn new(store: Store, routes: Arc<Routes>) -> Self {
        Self { store, routes, waker: None }
    }

    /// Wakes the delivery workers of the systems that got new deliveries.
    pub fn with_waker(mut self, waker: Waker) -> Self {
        self.waker = Some(waker);
        self
    }

    fn new_event(&self, event: ValidatedEvent) -> NewEvent {
        let routes = self.routes.deliveries_for(event.envelope());
        ledger_event(event.into_envelope(), routes)
    }
}

/// An accepted envelope as the ledger records it, with its routes (its data moved, not copied).
pub fn ledger_event(envelope: Envelope, routes: Vec<Route>) -> NewEvent {
    let contract = envelope.contract();
    let mut event = NewEvent {
        source: envelope.source().to_owned(),
        event_id: envelope.id().to_owned(),
        event_type: contract.event_type.to_string(),
        version: i32::try_from(contract.version.number()).unwrap_or(i32::MAX),
        time: envelope.time().copied(),
        data: serde_json::Value::Null,
        legacy_id: legacy_id(envelope.data()),
        routes,
    };
    event.data = envelope.into_data();
    event
}

/// The legacy platform's user id, when the event carries one, so `trace` finds a migrated user
/// by the id ops know from the old platform.
fn legacy_id(data: &Value) -> Option<String> {
    ["legacy_id", "legacy_user_id"].iter().find_map(|key| data.get(*key)?.as_str().map(str::to_owned))
}

impl LedgerSink {
    fn after_commit(&self, events: &[NewEvent], receipts: &[crate::store::Receipt]) {
        let Some(waker) = &self.waker else { return };
        let mut systems = BTreeSet::new();
        for (event, receipt) in events.iter().zip(receipts) {
            if !receipt.duplicate {
                systems.extend(event.routes.iter().map(|route| route.system.as_str()));
            }
        }
        for system in systems {
            waker.committed(system);
        }
    }
}

impl EventSink for LedgerSink {
    fn accept(&self, events: Vec<ValidatedEvent>) -> BoxFuture<'_, Result<Vec<Receipt>, SinkError>> {
        Box::pin(async move {
            let new_events: Vec<NewEvent> = events.into_iter().map(|event| self.new_event(event)).collect();
            let receipts = self
                .store
                .insert_events(&new_events)
                .await
                .map_err(|err| SinkError::new("record events in the ledger", err))?;
            self.after_commit(&new_events, &receipts);
            Ok(receipts
                .into_iter()
                .map(|receipt| Receipt {
                    source: receipt.source,
                    id: receipt.event_id,
                    duplicate: receipt.duplicate,
                })
                .collect())
        })
    }

    fn ready(&self) -> BoxFuture<'_, Result<(), SinkError>> {
        Box::pin(async move {
            self.store.state_counts().await.map(|_| ()).map_err(|err| SinkError::new("read the ledger", err))
        })
    }
}
