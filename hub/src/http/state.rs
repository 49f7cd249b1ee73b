//! What every handler shares: the contract catalog, the event sink, the API tokens and limits,
//! and (for the ops routes) the ledger, metrics and routed systems.

use std::fmt;
use std::sync::Arc;

use switchyard_contracts::Catalog;

use super::auth::ApiTokens;
use super::ops::Ops;
use super::systems::SystemStatus;
use crate::ingest::EventSink;
use crate::metrics::HubMetrics;
use crate::store::Store;
use crate::waves::WaveControl;

/// Largest request body `POST /v1/events` reads, unless configured otherwise: 1 MiB.
pub const DEFAULT_BODY_LIMIT: usize = 1024 * 1024;

/// Shared state of the HTTP API; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    catalog: Arc<Catalog>,
    sink: Arc<dyn EventSink>,
    tokens: ApiTokens,
    body_limit: usize,
    /// The ops routes' state; without it they answer `503 ops.unavailable`.
    ops: Option<Arc<Ops>>,
    /// The wave routes' state; without it they answer `503 waves.unavailable`.
    waves: Option<WaveControl>,
}

impl AppState {
    pub fn new(catalog: Arc<Catalog>, sink: Arc<dyn EventSink>, tokens: ApiTokens) -> Self {
        Self { catalog, sink, tokens, body_limit: DEFAULT_BODY_LIMIT, ops: None, waves: None }
    }

    /// Enables the ops routes (deliveries, trace, dead letters, systems, metrics) on this
    /// ledger and these metrics; `systems` are the routed systems `GET /v1/systems` lists
    /// ([`SystemStatus::from_routes`] builds them). Ingest then also counts accepted and
    /// duplicate events into `metrics`.
    pub fn with_ops(mut self, store: Store, metrics: HubMetrics, systems: Vec<SystemStatus>) -> Self {
        self.ops = Some(Arc::new(Ops { store, metrics, systems }));
        self
    }

    /// Enables the wave routes (status and actions) on this control.
    pub fn with_waves(mut self, waves: WaveControl) -> Self {
        self.waves = Some(waves);
        self
    }

    pub(crate) fn waves(&self) -> Option<&WaveControl> {
        self.waves.as_ref()
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

    /// The ops state, when [`AppState::with_ops`] gave it.
    pub(crate) fn ops(&self) -> Option<&Ops> {
        self.ops.as_deref()
    }
}

impl fmt::Debug for AppState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AppState")
            .field("local_mode", &self.tokens.is_local_mode())
            .field("body_limit", &self.body_limit)
            .field("ops", &self.ops.is_some())
            .field("waves", &self.waves.is_some())
            .finish_non_exhaustive()
    }
}
