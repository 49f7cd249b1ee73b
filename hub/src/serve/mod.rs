//! `switchyard serve`: loads configuration, catalog and map, builds the routes (refusing to
//! start on any routing error), opens the ledger and the queue, and runs the HTTP API, the
//! delivery workers, the sweeper and the wave driver until SIGTERM or Ctrl-C.
//!
//! Stopping is graceful: the API stops accepting and finishes in-flight requests, the workers
//! finish their batches (up to `workers.shutdown_timeout`), and whatever this process still
//! holds under a lease is handed back to `pending` without spending an attempt.

mod in_process;
mod ledger_sink;
mod workers;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use secrecy::ExposeSecret;
use switchyard_contracts::Catalog;
use switchyard_dependency_map::DependencyMap;
use tokio::net::TcpListener;
use tokio::sync::watch;

pub use in_process::InProcessHub;
pub use ledger_sink::{LedgerSink, ledger_event};
use workers::DeliveryWorkers;

use crate::config::HubConfig;
use crate::delivery::{Waker, build_lanes};
use crate::http::{ApiTokens, AppState, SystemStatus, bind_policy, router};
use crate::metrics::HubMetrics;
use crate::queue::JobQueue;
use crate::routing::Routes;
use crate::store::Store;
use crate::waves::{WaveControl, WaveDriver};

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
    #[error("a system's delivery settings cannot be used: {0}")]
    Lane(#[source] crate::delivery::LaneError),
    #[error("cannot open the queue")]
    Queue(#[source] crate::queue::QueueError),
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

/// Runs the hub until SIGTERM or Ctrl-C. `on_listening` gets the bound address (port 0 is
/// resolved), so scripts and tests learn where it listens.
pub async fn serve(config: HubConfig, on_listening: impl FnOnce(SocketAddr)) -> Result<(), StartError> {
    serve_until(config, on_listening, shutdown_signal()).await
}

/// Runs the hub until `shutdown` resolves (in-process uses: tests, the demo, benchmarks).
pub async fn serve_until(
    config: HubConfig,
    on_listening: impl FnOnce(SocketAddr),
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), StartError> {
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
    let metrics = HubMetrics::new();
    let lanes = build_lanes(&routes, &config).map_err(StartError::Lane)?;
    let queue = JobQueue::open(&store, &config.workers.queue_prefix, config.workers.poll_interval.get())
        .await
        .map_err(StartError::Queue)?
        .with_stale_after(config.workers.lease.get() * 2);
    let waker = Waker::new(queue.clone(), &lanes);
    let systems = SystemStatus::from_routes(&routes);
    let routes = Arc::new(routes);
    let catalog = Arc::new(catalog);
    let sink = LedgerSink::new(store.clone(), Arc::clone(&routes)).with_waker(waker.clone());
    let waves = WaveControl::new(
        store.clone(),
        Arc::clone(&catalog),
        Arc::new(map),
        Ok(routes),
        config.waves.replay_max_age.get(),
    );
    let state = AppState::new(catalog, Arc::new(sink), tokens)
        .with_body_limit(config.http.body_limit_bytes)
        .with_ops(store.clone(), metrics.clone(), systems)
        .with_waves(waves.clone());
    let listener = TcpListener::bind(config.listen)
        .await
        .map_err(|source| StartError::Listen { addr: config.listen, source })?;
    let addr = listener.local_addr().map_err(|source| StartError::Listen { addr: config.listen, source })?;

    let (stop, stopping) = watch::channel(false);
    tokio::spawn(async move {
        shutdown.await;
        let _ = stop.send(true);
    });
    // The wave driver runs beside the workers: a hub that delivers also feeds waves.
    let driver = config.workers.enabled.then(|| {
        let owner = format!("waves-{}-{}", std::process::id(), ulid::Ulid::generate());
        let driver = WaveDriver::new(
            waves,
            metrics.clone(),
            Some(waker),
            config.waves.clone(),
            owner,
            stopping.clone(),
        );
        tokio::spawn(driver.run())
    });
    let workers =
        DeliveryWorkers::start(&config, store.clone(), queue.clone(), lanes, metrics, stopping.clone());
    mode.announce(addr);
    on_listening(addr);
    let served = axum::serve(listener, router(state)).with_graceful_shutdown(stopped(stopping)).await;
    if let Some(driver) = driver {
        let _ = driver.await;
    }
    workers.stop().await;
    queue.close().await;
    store.close().await;
    served.map_err(StartError::Serve)?;
    tracing::info!("stopped");
    Ok(())
}

/// Resolves once `stop` has been sent.
pub(crate) async fn stopped(mut stopping: watch::Receiver<bool>) {
    while !*stopping.borrow_and_update() {
        if stopping.changed().await.is_err() {
            return;
        }
    }
}

/// The configured ledger: `database.url` when set, else SQLite in the data directory.
pub async fn open_ledger(config: &HubConfig) -> Result<Store, crate::store::StoreError> {
    match &config.database.url {
        Some(url) => Store::open_url(url.expose_secret()).await,
        None => Store::open_sqlite(&config.data_dir).await,
    }
}

/// Resolves on SIGTERM or Ctrl-C.
pub(crate) async fn shutdown_signal() {
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
