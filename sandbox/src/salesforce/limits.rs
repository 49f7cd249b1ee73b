//! The org's API allowance: calls counted over a rolling window, as `Sforce-Limit-Info`
//! reports them and `REQUEST_LIMIT_EXCEEDED` enforces them.

use std::collections::VecDeque;
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

#[cfg(test)]
mod tests {
    use super::*;

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
