//! The hub run inside another program (the demo, tests, benchmarks): on a thread and tokio
//! runtime of its own, as a process of its own would be, stopped gracefully on request.

use std::net::SocketAddr;
use std::thread::JoinHandle;

use tokio::sync::oneshot;

use super::{StartError, serve_until};
use crate::config::HubConfig;

/// A hub running in this process until stopped (or dropped, which stops it without waiting).
#[derive(Debug)]
pub struct InProcessHub {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<Result<(), StartError>>>,
}

impl InProcessHub {
    /// Starts the hub on `config` and returns once it listens.
    pub async fn start(config: HubConfig) -> Result<InProcessHub, StartError> {
        switchyard_adapters::tls::ensure_crypto_provider();
        let (stop, stopped) = oneshot::channel::<()>();
        let (listening, address) = oneshot::channel();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Runtime::new().map_err(StartError::Serve)?;
            runtime.block_on(serve_until(
                config,
                move |addr| {
                    let _ = listening.send(addr);
                },
                async move {
                    let _ = stopped.await;
                },
            ))
        });
        match address.await {
            Ok(addr) => Ok(InProcessHub { addr, stop: Some(stop), thread: Some(thread) }),
            // It returned before listening: that is its error.
            Err(_) => match tokio::task::spawn_blocking(move || thread.join()).await {
                Ok(Ok(Err(err))) => Err(err),
                _ => {
                    Err(StartError::Serve(std::io::Error::other("the hub's thread stopped before listening")))
                }
            },
        }
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops gracefully and waits for the hub to finish.
    pub async fn stop(mut self) -> Result<(), StartError> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let Some(thread) = self.thread.take() else { return Ok(()) };
        match tokio::task::spawn_blocking(move || thread.join()).await {
            Ok(Ok(result)) => result,
            _ => Err(StartError::Serve(std::io::Error::other("the hub's thread panicked"))),
        }
    }
}

impl Drop for InProcessHub {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}
