//! **For tests only**: an in-memory [`EventSink`] that deduplicates on `source`+`id` and can be
//! told to fail. It is public so the integration tests in `hub/tests/it` can use it; production
//! wiring uses the ledger.

use std::collections::HashSet;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use switchyard_contracts::Envelope;

use super::sink::{BoxFuture, EventSink, Receipt, SinkError};
use super::validate::ValidatedEvent;

/// Stores events in memory, once per `source`+`id`.
#[derive(Debug, Default)]
pub struct MemorySink {
    stored: Mutex<StoredEvents>,
    failing: AtomicBool,
}

#[derive(Debug, Default)]
struct StoredEvents {
    events: Vec<Envelope>,
    keys: HashSet<(String, String)>,
}

impl MemorySink {
    pub fn new() -> Self {
        Self::default()
    }

    /// While `true`, every `accept` fails and stores nothing, and `ready` fails.
    pub fn set_failing(&self, failing: bool) {
        self.failing.store(failing, Ordering::SeqCst);
    }

    /// Every stored event, in the order it was stored.
    pub fn stored(&self) -> Vec<Envelope> {
        self.lock().events.clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, StoredEvents> {
        // A panicking test thread must not hide what was stored from the others.
        self.stored.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl EventSink for MemorySink {
    fn accept(&self, events: Vec<ValidatedEvent>) -> BoxFuture<'_, Result<Vec<Receipt>, SinkError>> {
        Box::pin(async move {
            if self.failing.load(Ordering::SeqCst) {
                return Err(SinkError::new("commit events", "memory sink told to fail"));
            }
            let mut stored = self.lock();
            let receipts = events
                .into_iter()
                .map(|event| {
                    let envelope = event.into_envelope();
                    let key = (envelope.source().to_owned(), envelope.id().to_owned());
                    let duplicate = !stored.keys.insert(key.clone());
                    if !duplicate {
                        stored.events.push(envelope);
                    }
                    Receipt { source: key.0, id: key.1, duplicate }
                })
                .collect();
            Ok(receipts)
        })
    }

    fn ready(&self) -> BoxFuture<'_, Result<(), SinkError>> {
        Box::pin(async move {
            if self.failing.load(Ordering::SeqCst) {
                return Err(SinkError::without_source("check readiness"));
            }
            Ok(())
        })
    }
}
