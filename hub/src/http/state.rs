//! What every handler shares: the contract catalog, the event sink, the API tokens and limits.

use std::fmt;
use std::sync::Arc;

use switchyard_contracts::Catalog;

use super::auth::ApiTokens;
use crate::ingest::EventSink;

/// Largest request body `POST /v1/events` reads, unless configured otherwise: 1 MiB.
pub const DEFAULT_BODY_LIMIT: usize = 1024 * 1024;

/// Shared state of the HTTP API; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    catalog: Arc<Catalog>,
    sink: Arc<dyn EventSink>,
    tokens: ApiTokens,
    body_limit: usize,
}

impl AppState {
    pub fn new(catalog: Arc<Catalog>, sink: Arc<dyn EventSink>, tokens: ApiTokens) -> Self {
        Self { catalog, sink, tokens, body_limit: DEFAULT_BODY_LIMIT }
    }

    /// Sets the largest body (in bytes) accepted on ingest; larger ones get `413`.
    pub fn with_body_limit(mut self, bytes: usize) -> Self {
        self.body_limit = bytes;
        self
    }

    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    pub fn sink(&self) -> &dyn EventSink {
        self.sink.as_ref()
    }

    pub fn tokens(&self) -> &ApiTokens {
        &self.tokens
    }

    pub fn body_limit(&self) -> usize {
        self.body_limit
    }
}

impl fmt::Debug for AppState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AppState")
            .field("local_mode", &self.tokens.is_local_mode())
            .field("body_limit", &self.body_limit)
            .finish_non_exhaustive()
    }
}
