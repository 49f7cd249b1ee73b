//! The retry schedule: after a failed attempt, retry after the next delay (±20% jitter) or
//! dead-letter the delivery once its attempts are spent. A downstream's `Retry-After` wins
//! over the schedule, clamped to bounds.

use std::time::Duration;

use rand::Rng;

/// Jitter applied to scheduled delays: each is multiplied by a factor in `[0.8, 1.2]`.
const JITTER: f64 = 0.2;

/// What to do with a delivery whose attempt just failed with a retryable outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryDecision {
    /// Try again after this delay (re-enqueue with a delay; never sleep).
    RetryIn(Duration),
    /// Attempts are spent: dead-letter the delivery with the last reason.
    DeadLetter,
}

/// Why a schedule cannot be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RetryScheduleError {
    #[error("the retry schedule needs at least one delay")]
    EmptySchedule,
    #[error("max_attempts must be at least 1")]
    ZeroAttempts,
    #[error("the Retry-After minimum must not exceed its maximum")]
    RetryAfterBounds,
}

/// Delays between attempts and how many attempts a delivery gets.
///
/// `delays[k]` is the wait before retry `k + 1` (so before attempt `k + 2`; the first attempt
/// is not delayed). When `max_attempts` exceeds `delays.len() + 1`, the last delay repeats.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetrySchedule {
    delays: Vec<Duration>,
    max_attempts: u32,
    retry_after_min: Duration,
    retry_after_max: Duration,
}

impl RetrySchedule {
    /// The default delays, as the best webhook services use: immediately, 5 s, 5 min,
    /// 30 min, 2 h, 5 h, 10 h, 10 h.
    pub fn default_delays() -> Vec<Duration> {
        [0, 5, 5 * 60, 30 * 60, 2 * 3600, 5 * 3600, 10 * 3600, 10 * 3600]
            .into_iter()
            .map(Duration::from_secs)
            .collect()
    }

    /// Default `Retry-After` bounds: at least 1 s, at most 10 h (the longest default delay).
    pub const DEFAULT_RETRY_AFTER_MIN: Duration = Duration::from_secs(1);
    pub const DEFAULT_RETRY_AFTER_MAX: Duration = Duration::from_secs(10 * 3600);

    pub fn new(
        delays: Vec<Duration>,
        max_attempts: u32,
        retry_after_min: Duration,
        retry_after_max: Duration,
    ) -> Result<Self, RetryScheduleError> {
        if delays.is_empty() {
            return Err(RetryScheduleError::EmptySchedule);
        }
        if max_attempts == 0 {
            return Err(RetryScheduleError::ZeroAttempts);
        }
        if retry_after_min > retry_after_max {
            return Err(RetryScheduleError::RetryAfterBounds);
        }
        Ok(Self { delays, max_attempts, retry_after_min, retry_after_max })
    }

    pub fn delays(&self) -> &[Duration] {
        &self.delays
    }

    pub fn max_attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The decision after attempt number `attempt` (1 for the first attempt) failed and may be
    /// retried. `retry_after` is the downstream's hint, if it gave one: it replaces the
    /// scheduled delay, clamped to `[retry_after_min, retry_after_max]`, without jitter (the
    /// downstream named a time). Scheduled delays get ±20% jitter so retries of one outage
    /// do not arrive together.
    pub fn next_delay(
        &self,
        attempt: u32,
        retry_after: Option<Duration>,
        rng: &mut impl Rng,
    ) -> RetryDecision {
        if attempt >= self.max_attempts {
            return RetryDecision::DeadLetter;
        }
        if let Some(hint) = retry_after {
            return RetryDecision::RetryIn(hint.clamp(self.retry_after_min, self.retry_after_max));
        }
        let index = (attempt.max(1) as usize - 1).min(self.delays.len() - 1);
        let base = self.delays[index];
        let factor = rng.random_range((1.0 - JITTER)..=(1.0 + JITTER));
        RetryDecision::RetryIn(base.mul_f64(factor))
    }
}

impl Default for RetrySchedule {
    /// The default delays and `max_attempts` = delays + 1 (every delay is used once).
    fn default() -> Self {
        let delays = Self::default_delays();
        let max_attempts = delays.len() as u32 + 1;
        Self {
            delays,
            max_attempts,
            retry_after_min: Self::DEFAULT_RETRY_AFTER_MIN,
            retry_after_max: Self::DEFAULT_RETRY_AFTER_MAX,
        }
    }
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    use super::*;

    fn rng() -> StdRng {
        StdRng::seed_from_u64(7)
    }

    fn secs(value: u64) -> Duration {
        Duration::from_secs(value)
    }

    #[test]
    fn default_schedule_is_immediately_5s_5m_30m_2h_5h_10h_10h() {
        let schedule = RetrySchedule::default();
        let expected = [0, 5, 300, 1800, 7200, 18_000, 36_000, 36_000].map(secs);
        assert_eq!(schedule.delays(), expected);
        assert_eq!(schedule.max_attempts(), 9);
    }

    #[test]
    fn each_retry_uses_its_delay_within_20_percent_jitter() {
        let schedule = RetrySchedule::default();
        let mut rng = rng();
        for (index, base) in schedule.delays().to_vec().into_iter().enumerate() {
            let attempt = index as u32 + 1;
            for _ in 0..50 {
                let RetryDecision::RetryIn(delay) = schedule.next_delay(attempt, None, &mut rng) else {
                    panic!("attempt {attempt} should be retried");
                };
                assert!(delay >= base.mul_f64(0.8) && delay <= base.mul_f64(1.2), "{delay:?} vs {base:?}");
            }
        }
    }

    #[test]
    fn jitter_spreads_delays() {
        let schedule = RetrySchedule::default();
        let mut rng = rng();
        let delays: std::collections::BTreeSet<_> =
            (0..20).map(|_| schedule.next_delay(3, None, &mut rng)).map(|d| format!("{d:?}")).collect();
        assert!(delays.len() > 10, "jitter should vary the delay: {delays:?}");
    }

    #[test]
    fn same_seed_same_delays() {
        let schedule = RetrySchedule::default();
        let first: Vec<_> = (1..9).map(|a| schedule.next_delay(a, None, &mut rng())).collect();
        let second: Vec<_> = (1..9).map(|a| schedule.next_delay(a, None, &mut rng())).collect();
        assert_eq!(first, second);
    }

    #[test]
    fn the_last_attempt_dead_letters() {
        let schedule = RetrySchedule::default();
        assert!(matches!(schedule.next_delay(8, None, &mut rng()), RetryDecision::RetryIn(_)));
        assert_eq!(schedule.next_delay(9, None, &mut rng()), RetryDecision::DeadLetter);
        assert_eq!(schedule.next_delay(12, Some(secs(5)), &mut rng()), RetryDecision::DeadLetter);
    }

    #[test]
    fn more_attempts_than_delays_repeat_the_last_delay() {
        let schedule = RetrySchedule::new(vec![secs(10), secs(100)], 5, secs(1), secs(60)).unwrap();
        let RetryDecision::RetryIn(delay) = schedule.next_delay(4, None, &mut rng()) else { panic!() };
        assert!(delay >= secs(80) && delay <= secs(120));
        assert_eq!(schedule.next_delay(5, None, &mut rng()), RetryDecision::DeadLetter);
    }

    #[test]
    fn retry_after_is_honoured_within_bounds() {
        let schedule = RetrySchedule::new(vec![secs(5)], 3, secs(2), secs(60)).unwrap();
        let mut rng = rng();
        assert_eq!(schedule.next_delay(1, Some(secs(30)), &mut rng), RetryDecision::RetryIn(secs(30)));
        assert_eq!(schedule.next_delay(1, Some(secs(3600)), &mut rng), RetryDecision::RetryIn(secs(60)));
        assert_eq!(schedule.next_delay(1, Some(Duration::ZERO), &mut rng), RetryDecision::RetryIn(secs(2)));
    }

    #[test]
    fn invalid_schedules_are_refused() {
        assert_eq!(RetrySchedule::new(vec![], 1, secs(1), secs(2)), Err(RetryScheduleError::EmptySchedule));
        assert_eq!(
            RetrySchedule::new(vec![secs(1)], 0, secs(1), secs(2)),
            Err(RetryScheduleError::ZeroAttempts)
        );
        assert_eq!(
            RetrySchedule::new(vec![secs(1)], 1, secs(3), secs(2)),
            Err(RetryScheduleError::RetryAfterBounds)
        );
    }
}
