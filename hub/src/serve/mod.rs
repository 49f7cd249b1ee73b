//! `switchyard serve`: loads configuration, catalog and map, builds the routes (refusing to
//! start on any routing error), opens the ledger and serves the HTTP API until SIGTERM or
//! Ctrl-C, finishing in-flight requests.
//!
//! Today the server ingests: events are validated, routed and committed with their pending
//! deliveries. The delivery workers that drain those deliveries are the next step of the hub.

mod ledger_sink;

use std::net::SocketAddr;
use std::sync::Arc;

use secrecy::ExposeSecret;
use switchyard_contracts::Catalog;
use switchyard_dependency_map::DependencyMap;
use tokio::net::TcpListener;

pub use ledger_sink::LedgerSink;

use crate::config::HubConfig;
use crate::http::{ApiTokens, AppState, bind_policy, router};
use crate::routing::Routes;
use crate::store::Store;

/// Why the hub did not start; each names what was being done.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("the catalog at {root} cannot be used: {problems}")]
    Catalog { root: String, problems: String },
    #[error("the dependency map at {root} cannot be used: {problems}")]
    Map { root: String, problems: String },
    #[error("routing refuses to start:\n{problems}")]
    Routes { problems: String },
    #[error("cannot open the ledger")]
    Store(#[source] crate::store::StoreError),
    #[error(transparent)]
    Bind(#[from] crate::http::BindError),
    #[error("cannot listen on {addr}")]
    Listen { addr: SocketAddr, source: std::io::Error },
    #[error("the HTTP server failed")]
    Serve(#[source] std::io::Error),
}

fn lines<T: std::fmt::Display>(items: &[T]) -> String {
    items.iter().map(|item| format!("  {item}")).collect::<Vec<_>>().join("\n")
}

/// Runs the hub until a shutdown signal. `on_listening` gets the bound address (port 0 is
/// resolved), so scripts and tests learn where it listens.
pub async fn serve(config: HubConfig, on_listening: impl FnOnce(SocketAddr)) -> Result<(), StartError> {
    let catalog_root = config.catalog_root();
    let catalog = Catalog::load(&catalog_root).map_err(|findings| StartError::Catalog {
        root: catalog_root.display().to_string(),
        problems: lines(&findings),
    })?;
    let map_root = config.map_root();
    let map = DependencyMap::load(&map_root).map_err(|findings| StartError::Map {
        root: map_root.display().to_string(),
        problems: lines(&findings),
    })?;
    let routes = Routes::build(&map, &catalog, &config)
        .map_err(|errors| StartError::Routes { problems: lines(&errors) })?;
    for system in routes.waiting_systems() {
        tracing::warn!(%system, "no adapter configured: its deliveries wait in the ledger");
    }
    let tokens = ApiTokens::new(config.api.tokens.clone());
    let mode = bind_policy(config.listen, &tokens)?;
    let store = open_ledger(&config).await.map_err(StartError::Store)?;
    let sink = Arc::new(LedgerSink::new(store.clone(), Arc::new(routes)));
    let state = AppState::new(Arc::new(catalog), sink, tokens).with_body_limit(config.http.body_limit_bytes);
    let listener = TcpListener::bind(config.listen)
        .await
        .map_err(|source| StartError::Listen { addr: config.listen, source })?;
    let addr = listener.local_addr().map_err(|source| StartError::Listen { addr: config.listen, source })?;
    mode.announce(addr);
    on_listening(addr);
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown_signal())
        .await
        .map_err(StartError::Serve)?;
    store.close().await;
    tracing::info!("stopped");
    Ok(())
}

/// The configured ledger: `database.url` when set, else SQLite in the data directory.
pub async fn open_ledger(config: &HubConfig) -> Result<Store, crate::store::StoreError> {
    match &config.database.url {
        Some(url) => Store::open_url(url.expose_secret()).await,
        None => Store::open_sqlite(&config.data_dir).await,
    }
}

/// Resolves on SIGTERM or Ctrl-C.
async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
    tracing::info!("shutting down: finishing in-flight requests");
}
