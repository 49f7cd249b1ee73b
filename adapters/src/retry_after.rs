//! Parses `Retry-After` (delay-seconds or HTTP-date) into a delay clamped to configured bounds.

use std::time::{Duration, SystemTime};

/// The shortest and longest delay we accept from a downstream. A downstream asking for
/// 0 s would make us hammer it; one asking for a week would stall a wave silently.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryAfterBounds {
    min: Duration,
    max: Duration,
}

impl RetryAfterBounds {
    /// Bounds with `min <= max`; `None` otherwise.
    pub fn new(min: Duration, max: Duration) -> Option<Self> {
        (min <= max).then_some(Self { min, max })
    }

    /// The shortest accepted delay.
    pub fn min(&self) -> Duration {
        self.min
    }

    /// The longest accepted delay.
    pub fn max(&self) -> Duration {
        self.max
    }

    fn clamp(&self, delay: Duration) -> Duration {
        delay.clamp(self.min, self.max)
    }
}

/// The delay a `Retry-After` value asks for, clamped to `bounds`; `None` when unparseable
/// (the hub then uses its own schedule). A date in the past yields `bounds.min()`.
pub fn parse_retry_after(value: &str, now: SystemTime, bounds: RetryAfterBounds) -> Option<Duration> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        // Very long digit strings overflow u64: treat them as "as long as allowed".
        let secs = value.parse::<u64>().unwrap_or(u64::MAX);
        return Some(bounds.clamp(Duration::from_secs(secs)));
    }
    // httpdate accepts all three HTTP-date forms (IMF-fixdate, RFC 850, asctime).
    let at = httpdate::parse_http_date(value).ok()?;
    let delay = at.duration_since(now).unwrap_or(Duration::ZERO);
    Some(bounds.clamp(delay))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bounds() -> RetryAfterBounds {
        RetryAfterBounds::new(Duration::from_secs(1), Duration::from_secs(3600)).unwrap()
    }

    fn now() -> SystemTime {
        // Sun, 06 Nov 1994 08:49:37 GMT
        SystemTime::UNIX_EPOCH + Duration::from_secs(784_111_777)
    }

    #[test]
    fn seconds_are_taken_as_is_within_bounds() {
        assert_eq!(parse_retry_after("120", now(), bounds()), Some(Duration::from_secs(120)));
        assert_eq!(parse_retry_after(" 7 ", now(), bounds()), Some(Duration::from_secs(7)));
    }

    #[test]
    fn seconds_are_clamped() {
        assert_eq!(parse_retry_after("0", now(), bounds()), Some(Duration::from_secs(1)));
        assert_eq!(parse_retry_after("999999", now(), bounds()), Some(Duration::from_secs(3600)));
        assert_eq!(
            parse_retry_after("99999999999999999999999", now(), bounds()),
            Some(Duration::from_secs(3600))
        );
    }

    #[test]
    fn http_dates_become_a_delay_from_now() {
        let later = "Sun, 06 Nov 1994 08:51:37 GMT";
        assert_eq!(parse_retry_after(later, now(), bounds()), Some(Duration::from_secs(120)));
        let rfc850 = "Sunday, 06-Nov-94 08:50:37 GMT";
        assert_eq!(parse_retry_after(rfc850, now(), bounds()), Some(Duration::from_secs(60)));
    }

    #[test]
    fn past_dates_give_the_minimum() {
        let earlier = "Sun, 06 Nov 1994 08:00:00 GMT";
        assert_eq!(parse_retry_after(earlier, now(), bounds()), Some(Duration::from_secs(1)));
    }

    #[test]
    fn garbage_and_negative_numbers_are_ignored() {
        for value in ["", "soon", "-5", "1.5", "Sun, 99 Nov 1994"] {
            assert_eq!(parse_retry_after(value, now(), bounds()), None, "{value:?}");
        }
    }

    #[test]
    fn bounds_must_be_ordered() {
        assert!(RetryAfterBounds::new(Duration::from_secs(2), Duration::from_secs(1)).is_none());
    }
}
