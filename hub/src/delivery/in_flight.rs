//! Counting the delivery steps that are running, so a stopping hub can let them finish: a
//! step runs on a task of its own, and a queue worker that stops (or restarts) never cancels
//! a batch halfway between the downstream's answer and the ledger's record.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::Notify;

/// The running steps. Cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct InFlight {
    inner: Arc<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    running: AtomicUsize,
    idle: Notify,
}

/// Held while a step runs.
#[derive(Debug)]
pub struct StepGuard {
    inner: Arc<Inner>,
}

impl InFlight {
    pub fn enter(&self) -> StepGuard {
        self.inner.running.fetch_add(1, Ordering::AcqRel);
        StepGuard { inner: Arc::clone(&self.inner) }
    }

    pub fn running(&self) -> usize {
        self.inner.running.load(Ordering::Acquire)
    }

    /// Waits until no step runs, or `limit` passes. Returns the steps still running.
    pub async fn wait_idle(&self, limit: Duration) -> usize {
        let idle = async {
            loop {
                let notified = self.inner.idle.notified();
                if self.running() == 0 {
                    return;
                }
                notified.await;
            }
        };
        let _ = tokio::time::timeout(limit, idle).await;
        self.running()
    }
}

impl Drop for StepGuard {
    fn drop(&mut self) {
        if self.inner.running.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.inner.idle.notify_waiters();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn waiting_ends_when_the_last_step_ends() {
        let in_flight = InFlight::default();
        let first = in_flight.enter();
        let second = in_flight.enter();
        assert_eq!(in_flight.running(), 2);
        let waiter = {
            let in_flight = in_flight.clone();
            tokio::spawn(async move { in_flight.wait_idle(Duration::from_secs(30)).await })
        };
        drop(first);
        drop(second);
        assert_eq!(waiter.await.unwrap(), 0);
    }

    #[tokio::test]
    async fn waiting_gives_up_after_the_limit_and_says_how_many_still_run() {
        let in_flight = InFlight::default();
        let _running = in_flight.enter();
        assert_eq!(in_flight.wait_idle(Duration::from_millis(10)).await, 1);
    }
}
