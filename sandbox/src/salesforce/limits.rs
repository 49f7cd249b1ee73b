//! The org's API limits: the allowance (calls counted over a rolling window, as
//! `Sforce-Limit-Info` reports them and `REQUEST_LIMIT_EXCEEDED` `TotalRequests` enforces
//! them) and the concurrent long-request limit (`ConcurrentPerOrgLongTxn`: calls running at
//! least a threshold count as long; when too many are, new calls are refused).

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

/// API calls made within the rolling window.
#[derive(Debug)]
pub struct ApiUsage {
    limit: u64,
    window: Duration,
    /// When each call in the window was made, oldest first.
    calls: VecDeque<Instant>,
    /// Every call ever counted (not only the window's).
    total: u64,
}

impl ApiUsage {
    pub fn new(limit: u64, window: Duration) -> Self {
        Self { limit, window, calls: VecDeque::new(), total: 0 }
    }

    fn expire(&mut self, now: Instant) {
        while let Some(first) = self.calls.front() {
            if now.duration_since(*first) >= self.window {
                self.calls.pop_front();
            } else {
                break;
            }
        }
    }

    /// Counts one call if the allowance has room; `false` when it is spent.
    pub fn try_count(&mut self, now: Instant) -> bool {
        self.expire(now);
        if self.calls.len() as u64 >= self.limit {
            return false;
        }
        self.calls.push_back(now);
        self.total += 1;
        true
    }

    /// Calls in the window now.
    pub fn used(&mut self, now: Instant) -> u64 {
        self.expire(now);
        self.calls.len() as u64
    }

    pub fn limit(&self) -> u64 {
        self.limit
    }

    pub fn total(&self) -> u64 {
        self.total
    }

    /// The `Sforce-Limit-Info` header value.
    pub fn header_value(&mut self, now: Instant) -> String {
        format!("api-usage={}/{}", self.used(now), self.limit)
    }

    /// Forgets every call.
    pub fn reset(&mut self) {
        self.calls.clear();
        self.total = 0;
    }
}

/// The data calls running now and when each started, for the long-request limit.
#[derive(Debug)]
pub struct LongRequests {
    max: usize,
    threshold: Duration,
    running: HashMap<u64, Instant>,
    next_id: u64,
}

impl LongRequests {
    pub fn new(max: usize, threshold: Duration) -> Self {
        Self { max, threshold, running: HashMap::new(), next_id: 0 }
    }

    /// Registers a call starting at `now`, or `None` when `max` calls have already been
    /// running for `threshold` or longer.
    pub fn try_start(&mut self, now: Instant) -> Option<u64> {
        let long =
            self.running.values().filter(|start| now.saturating_duration_since(**start) >= self.threshold);
        if long.count() >= self.max {
            return None;
        }
        self.next_id += 1;
        self.running.insert(self.next_id, now);
        Some(self.next_id)
    }

    /// The call `id` ended (answered, or its client went away).
    pub fn finish(&mut self, id: u64) {
        self.running.remove(&id);
    }

    /// Data calls running now.
    pub fn running(&self) -> usize {
        self.running.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_calls_past_the_threshold_count_towards_the_long_request_limit() {
        let start = Instant::now();
        let mut long = LongRequests::new(2, Duration::from_secs(20));
        let first = long.try_start(start).expect("room");
        let second = long.try_start(start).expect("room");
        // Many short calls may run at once.
        assert!(long.try_start(start + Duration::from_secs(19)).is_some());
        // At 20 s the first two are long: the limit of 2 is reached.
        assert_eq!(long.try_start(start + Duration::from_secs(20)), None);
        long.finish(first);
        assert!(long.try_start(start + Duration::from_secs(20)).is_some());
        long.finish(second);
        assert_eq!(long.running(), 2);
    }

    #[test]
    fn the_allowance_is_spent_then_freed_as_the_window_rolls() {
        let start = Instant::now();
        let mut usage = ApiUsage::new(2, Duration::from_secs(10));
        assert!(usage.try_count(start));
        assert!(usage.try_count(start + Duration::from_secs(5)));
        assert!(!usage.try_count(start + Duration::from_secs(6)));
        assert_eq!(usage.header_value(start + Duration::from_secs(6)), "api-usage=2/2");
        // The first call leaves the window at 10 s.
        assert!(usage.try_count(start + Duration::from_secs(10)));
        assert_eq!(usage.total(), 3);
    }
}
