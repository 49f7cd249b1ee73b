//! How an idle apalis worker is woken to look for jobs: a timer that re-arms itself.
//!
//! apalis 1.0's `IntervalStrategy` replaces its delay when it fires but does not poll the new
//! one, so no waker is registered for the next tick; when the backend's own fetch is not in
//! flight at that moment, the worker sleeps until its 30 s heartbeat. Measured here: with a
//! 10 ms interval an idle worker took 30 s to notice the first jobs after start. This
//! strategy polls its `tokio::time::Interval` until it is pending, which always leaves a waker
//! registered for the next tick.

use std::task::{Context, Poll};
use std::time::Duration;

use apalis::prelude::{PollSnapshot, PollStrategy};
use tokio::time::{Interval, MissedTickBehavior};

/// Wakes the worker every `period`.
#[derive(Debug)]
pub struct Ticks {
    period: Duration,
    interval: Option<Interval>,
}

impl Ticks {
    pub fn new(period: Duration) -> Self {
        Self { period, interval: None }
    }
}

impl Clone for Ticks {
    fn clone(&self) -> Self {
        Self::new(self.period)
    }
}

impl PollStrategy for Ticks {
    fn poll_drive(&mut self, cx: &mut Context<'_>, _snapshot: &PollSnapshot) -> Poll<Option<()>> {
        let period = self.period;
        // Created on first use: a tokio timer needs the runtime, which runs the worker.
        let interval = self.interval.get_or_insert_with(|| {
            let mut interval = tokio::time::interval(period);
            interval.set_missed_tick_behavior(MissedTickBehavior::Delay);
            interval
        });
        let mut ticked = false;
        while interval.poll_tick(cx).is_ready() {
            ticked = true;
        }
        if ticked { Poll::Ready(Some(())) } else { Poll::Pending }
    }
}

#[cfg(test)]
mod tests {
    use std::future::poll_fn;

    use super::*;

    #[tokio::test]
    async fn every_tick_leaves_a_waker_for_the_next_one() {
        let mut ticks = Ticks::new(Duration::from_millis(2));
        let snapshot = PollSnapshot::default();
        // Each await only completes if the previous poll registered a waker for this tick;
        // without one it would hang, and the timeout fails the test.
        let five_ticks = async {
            for _ in 0..5 {
                poll_fn(|cx| ticks.poll_drive(cx, &snapshot).map(|_| ())).await;
            }
        };
        tokio::time::timeout(Duration::from_secs(5), five_ticks).await.expect("woken for every tick");
    }
}
