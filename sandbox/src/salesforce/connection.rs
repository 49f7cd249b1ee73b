//! The simulator's TCP connections, with a switch a handler can throw to drop one: the
//! seeded "dropped connection" fault closes the socket without writing any response, so a
//! client sees exactly what a reset load balancer gives it — a connection error, not a status.
//! (hyper owns the socket, so the stream itself refuses to write once the switch is thrown.)

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::extract::connect_info::Connected;
use axum::serve::{IncomingStream, Listener};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};

/// Accepts TCP connections whose streams can be dropped by a handler.
#[derive(Debug)]
pub struct DroppableListener(pub TcpListener);

/// One accepted connection and its drop switch.
#[derive(Debug)]
pub struct DroppableStream {
    inner: TcpStream,
    dropped: Arc<AtomicBool>,
}

/// The drop switch of the connection a request came on (from `ConnectInfo`).
#[derive(Debug, Clone)]
pub struct ConnectionSwitch(Arc<AtomicBool>);

impl ConnectionSwitch {
    /// Closes the connection without a response: every later read or write fails, so hyper
    /// gives the connection up instead of answering on it.
    pub fn drop_connection(&self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

impl Listener for DroppableListener {
    type Io = DroppableStream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            match self.0.accept().await {
                Ok((inner, addr)) => {
                    return (DroppableStream { inner, dropped: Arc::new(AtomicBool::new(false)) }, addr);
                }
                Err(err) => {
                    // Out of file descriptors and the like: axum's own listener pauses too.
                    tracing::warn!(error = %err, "salesforce simulator could not accept a connection");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.0.local_addr()
    }
}

impl Connected<IncomingStream<'_, DroppableListener>> for ConnectionSwitch {
    fn connect_info(stream: IncomingStream<'_, DroppableListener>) -> Self {
        ConnectionSwitch(Arc::clone(&stream.io().dropped))
    }
}

fn reset() -> io::Error {
    io::Error::new(io::ErrorKind::ConnectionReset, "connection dropped by the simulator's fault injector")
}

impl DroppableStream {
    fn is_dropped(&self) -> bool {
        self.dropped.load(Ordering::SeqCst)
    }
}

impl AsyncRead for DroppableStream {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.is_dropped() {
            return Poll::Ready(Err(reset()));
        }
        Pin::new(&mut this.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for DroppableStream {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if this.is_dropped() {
            return Poll::Ready(Err(reset()));
        }
        Pin::new(&mut this.inner).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.is_dropped() {
            return Poll::Ready(Err(reset()));
        }
        Pin::new(&mut this.inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if this.is_dropped() {
            return Poll::Ready(Err(reset()));
        }
        Pin::new(&mut this.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}
