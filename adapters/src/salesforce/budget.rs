//! The API budget: keeps this hub within its share of the org's rolling 24-hour API allowance
//! (read from `Sforce-Limit-Info` on every answer) and under an optional call rate
//! (`governor`), and stops calling once Salesforce says the allowance is spent. A call the
//! budget holds back is never sent: its items are deferred, spending no attempt.

use std::collections::VecDeque;
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use serde::Deserialize;

use crate::adapter::ApiUsage;

/// Salesforce's allowance window.
pub const WINDOW: Duration = Duration::from_secs(24 * 3600);
/// Own calls are counted per minute over the window (1,440 buckets at most).
const BUCKET: Duration = Duration::from_secs(60);

/// `[systems.<id>.salesforce.budget]`.
///
/// ```toml
/// budget = { share = 0.5, max_calls_per_second = 20 }
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BudgetConfig {
    /// The share of the org's daily API allowance this hub may spend in any rolling 24 h
    /// (0 < share <= 1). The org's other integrations and users need the rest.
    pub share: f64,
    /// At most this many API calls per second (none: no rate limit besides the share).
    pub max_calls_per_second: Option<u32>,
    /// Once the org's allowance is spent (Salesforce refused a call, or reported `used >=
    /// limit`), no call goes out for this long; then one call probes the window. Salesforce
    /// never says when its rolling window frees capacity.
    pub spent_recheck_secs: u64,
}

impl Default for BudgetConfig {
    fn default() -> Self {
        Self { share: 0.5, max_calls_per_second: None, spent_recheck_secs: 600 }
    }
}

impl BudgetConfig {
    pub fn validate(&self) -> Result<(), &'static str> {
        if !(self.share > 0.0 && self.share <= 1.0) {
            return Err("budget.share: must be more than 0 and at most 1");
        }
        if self.spent_recheck_secs == 0 {
            return Err("budget.spent_recheck_secs: must be at least 1");
        }
        if self.max_calls_per_second == Some(0) {
            return Err("budget.max_calls_per_second: must be at least 1");
        }
        Ok(())
    }
}

/// Why a call may not go out now, and until when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Held {
    pub after: Duration,
    pub reason: String,
}

#[derive(Debug, Default)]
struct State {
    /// (bucket start, calls in it), oldest first.
    buckets: VecDeque<(Instant, u64)>,
    own_calls: u64,
    org: Option<(u64, u64)>,
    /// Salesforce answered `REQUEST_LIMIT_EXCEEDED` (TotalRequests): no calls before this.
    spent_until: Option<Instant>,
}

/// One adapter's budget. Shared by every call of the adapter.
#[derive(Debug)]
pub struct ApiBudget {
    share: f64,
    spent_recheck: Duration,
    rate: Option<DefaultDirectRateLimiter>,
    state: Mutex<State>,
}

impl ApiBudget {
    pub fn new(config: &BudgetConfig) -> Self {
        let rate = config
            .max_calls_per_second
            .and_then(NonZeroU32::new)
            .map(|per_second| RateLimiter::direct(Quota::per_second(per_second)));
        Self {
            share: config.share,
            spent_recheck: Duration::from_secs(config.spent_recheck_secs),
            rate,
            state: Mutex::new(State::default()),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Takes one call from the budget at `now`, or says how long to hold it back.
    pub fn try_call(&self, now: Instant) -> Result<(), Held> {
        let mut state = self.state();
        state.forget_before(now);
        match state.spent_until {
            Some(until) if until > now => {
                return Err(Held {
                    after: until - now,
                    reason: "the org's daily API allowance is spent (REQUEST_LIMIT_EXCEEDED); waiting for \
                             the rolling window to free capacity"
                        .to_owned(),
                });
            }
            Some(_) => {
                // The hold is over and the usage last reported is stale: one call finds out.
                state.spent_until = None;
                state.org = None;
            }
            None => {}
        }
        if let Some((used, limit)) = state.org {
            if used >= limit {
                state.spent_until = Some(now + self.spent_recheck);
                return Err(Held {
                    after: self.spent_recheck,
                    reason: format!("the org has used its whole daily API allowance ({used}/{limit})"),
                });
            }
            let budget = self.own_budget(limit);
            if state.own_calls >= budget {
                let after = state.buckets.front().map_or(BUCKET, |(start, _)| {
                    (*start + WINDOW).saturating_duration_since(now).max(BUCKET)
                });
                return Err(Held {
                    after,
                    reason: format!(
                        "this hub's share of the org's daily API allowance is spent ({}/{budget} calls in 24 h)",
                        state.own_calls
                    ),
                });
            }
        }
        if let Some(rate) = &self.rate
            && let Err(not_until) = rate.check()
        {
            return Err(Held {
                after: not_until.wait_time_from(DefaultClock::default().now()),
                reason: "the configured API call rate (max_calls_per_second) is reached".to_owned(),
            });
        }
        state.count(now);
        Ok(())
    }

    fn own_budget(&self, limit: u64) -> u64 {
        // Truncation is the conservative side of the share.
        (limit as f64 * self.share) as u64
    }

    /// Records the org's usage from a `Sforce-Limit-Info` header.
    pub fn observe_usage(&self, used: u64, limit: u64) {
        self.state().org = Some((used, limit));
    }

    /// Salesforce refused a call because the daily allowance is spent: hold every call until
    /// the recheck, and return how long that is.
    pub fn allowance_spent(&self, now: Instant) -> Duration {
        self.state().spent_until = Some(now + self.spent_recheck);
        self.spent_recheck
    }

    pub fn usage(&self, now: Instant) -> ApiUsage {
        let mut state = self.state();
        state.forget_before(now);
        let (org_used, org_limit) = match state.org {
            Some((used, limit)) => (Some(used), Some(limit)),
            None => (None, None),
        };
        ApiUsage {
            org_used,
            org_limit,
            own_calls: state.own_calls,
            own_budget: org_limit.map(|l| self.own_budget(l)),
        }
    }
}

impl State {
    fn count(&mut self, now: Instant) {
        match self.buckets.back_mut() {
            Some((start, calls)) if now.saturating_duration_since(*start) < BUCKET => *calls += 1,
            _ => self.buckets.push_back((now, 1)),
        }
        self.own_calls += 1;
    }

    fn forget_before(&mut self, now: Instant) {
        while let Some((start, calls)) = self.buckets.front().copied() {
            if now.saturating_duration_since(start) < WINDOW {
                break;
            }
            self.buckets.pop_front();
            self.own_calls -= calls;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn budget(share: f64, rate: Option<u32>) -> ApiBudget {
        ApiBudget::new(&BudgetConfig { share, max_calls_per_second: rate, spent_recheck_secs: 600 })
    }

    #[test]
    fn the_share_of_the_allowance_holds_calls_until_the_window_frees_them() {
        let budget = budget(0.5, None);
        let start = Instant::now();
        assert!(budget.try_call(start).is_ok(), "before the allowance is known, calls go out");
        budget.observe_usage(100, 10);
        budget.observe_usage(3, 10);
        for _ in 0..4 {
            budget.try_call(start).unwrap();
        }
        let held = budget.try_call(start).unwrap_err();
        assert!(held.reason.contains("5/5 calls"), "{held:?}");
        assert!(held.after > Duration::from_secs(23 * 3600), "{held:?}");
        let usage = budget.usage(start);
        assert_eq!((usage.own_calls, usage.own_budget, usage.org_used), (5, Some(5), Some(3)));
        // A day later the calls have left the window.
        let tomorrow = start + WINDOW + Duration::from_secs(1);
        assert!(budget.try_call(tomorrow).is_ok());
        assert_eq!(budget.usage(tomorrow).own_calls, 1);
    }

    #[test]
    fn an_org_whose_allowance_is_spent_by_others_is_probed_once_per_recheck() {
        let budget = budget(1.0, None);
        let now = Instant::now();
        budget.observe_usage(15_000, 15_000);
        let held = budget.try_call(now).unwrap_err();
        assert_eq!(held.after, Duration::from_secs(600));
        assert!(held.reason.contains("15000/15000"), "{held:?}");
        assert!(budget.try_call(now + Duration::from_secs(599)).is_err());
        assert!(budget.try_call(now + Duration::from_secs(601)).is_ok(), "one probe after the recheck");
    }

    #[test]
    fn a_refusal_for_the_daily_limit_stops_every_call_until_the_recheck() {
        let budget = budget(1.0, None);
        let now = Instant::now();
        assert_eq!(budget.allowance_spent(now), Duration::from_secs(600));
        let held = budget.try_call(now + Duration::from_secs(10)).unwrap_err();
        assert_eq!(held.after, Duration::from_secs(590));
        assert!(budget.try_call(now + Duration::from_secs(601)).is_ok());
    }

    #[test]
    fn the_call_rate_is_limited_by_governor() {
        let budget = budget(1.0, Some(2));
        let now = Instant::now();
        assert!(budget.try_call(now).is_ok());
        assert!(budget.try_call(now).is_ok());
        let held = budget.try_call(now).unwrap_err();
        assert!(
            held.reason.contains("max_calls_per_second") && held.after <= Duration::from_secs(1),
            "{held:?}"
        );
    }

    #[test]
    fn shares_outside_zero_to_one_are_refused() {
        let with = |share, max_calls_per_second, spent_recheck_secs| BudgetConfig {
            share,
            max_calls_per_second,
            spent_recheck_secs,
        };
        assert!(with(0.0, None, 600).validate().is_err());
        assert!(with(1.5, None, 600).validate().is_err());
        assert!(with(1.0, Some(0), 600).validate().is_err());
        assert!(with(1.0, None, 0).validate().is_err());
        assert!(BudgetConfig::default().validate().is_ok());
    }
}
