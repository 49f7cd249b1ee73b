//! Outcome classification: a pure function of the response status and headers (or of the
//! kind of transport failure), so every rule is unit-tested without a server.

use std::time::SystemTime;

use reqwest::StatusCode;
use reqwest::header::{HeaderMap, RETRY_AFTER};

use crate::outcome::{DeliveryOutcome, RejectCode};
use crate::retry_after::{RetryAfterBounds, parse_retry_after};

/// 2xx delivered; 408, 429 and 5xx retry (honouring `Retry-After` within bounds); 401/403
/// rejected as auth; 3xx rejected (we never follow redirects); other 4xx rejected.
pub fn classify_response(
    status: StatusCode,
    headers: &HeaderMap,
    now: SystemTime,
    bounds: RetryAfterBounds,
) -> DeliveryOutcome {
    let code = status.as_u16();
    if status.is_success() {
        return DeliveryOutcome::Delivered { downstream_id: None };
    }
    if matches!(code, 408 | 429) || status.is_server_error() {
        let after = headers
            .get(RETRY_AFTER)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| parse_retry_after(value, now, bounds));
        return DeliveryOutcome::Retry { after, reason: format!("downstream answered {code}") };
    }
    match code {
        401 | 403 => DeliveryOutcome::rejected(
            RejectCode::Auth,
            format!("downstream refused our credentials ({code})"),
        ),
        300..=399 => {
            DeliveryOutcome::rejected(RejectCode::Redirect, format!("downstream redirected ({code})"))
        }
        _ => {
            DeliveryOutcome::rejected(RejectCode::Client, format!("downstream rejected the request ({code})"))
        }
    }
}

/// What went wrong before a response arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransportFailure {
    Timeout,
    Connect,
    /// The request could not even be built (e.g. a URL reqwest refuses): permanent.
    InvalidRequest,
    /// Anything else on the wire (reset, bad response framing): assume transient.
    Other,
}

impl TransportFailure {
    /// Sorts a reqwest error into a failure kind.
    pub fn of(err: &reqwest::Error) -> Self {
        if err.is_timeout() {
            Self::Timeout
        } else if err.is_connect() {
            Self::Connect
        } else if err.is_builder() {
            Self::InvalidRequest
        } else {
            Self::Other
        }
    }
}

/// Timeouts and connection errors retry; an unbuildable request is rejected.
pub fn classify_transport(failure: TransportFailure) -> DeliveryOutcome {
    match failure {
        TransportFailure::Timeout => DeliveryOutcome::retry("request timed out"),
        TransportFailure::Connect => DeliveryOutcome::retry("could not connect"),
        TransportFailure::Other => DeliveryOutcome::retry("transport error"),
        TransportFailure::InvalidRequest => {
            DeliveryOutcome::rejected(RejectCode::InvalidDestination, "request could not be built")
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use reqwest::header::HeaderValue;

    use super::*;

    fn bounds() -> RetryAfterBounds {
        RetryAfterBounds::new(Duration::from_secs(1), Duration::from_secs(600)).unwrap()
    }

    fn classify(code: u16, retry_after: Option<&str>) -> DeliveryOutcome {
        let mut headers = HeaderMap::new();
        if let Some(value) = retry_after {
            headers.insert(RETRY_AFTER, HeaderValue::from_str(value).unwrap());
        }
        classify_response(StatusCode::from_u16(code).unwrap(), &headers, SystemTime::UNIX_EPOCH, bounds())
    }

    #[test]
    fn success_statuses_are_delivered() {
        for code in [200, 201, 202, 204] {
            assert!(classify(code, None).is_delivered(), "{code}");
        }
    }

    #[test]
    fn transient_statuses_retry_and_honour_retry_after_within_bounds() {
        for code in [408, 429, 500, 502, 503, 504] {
            assert!(matches!(classify(code, None), DeliveryOutcome::Retry { after: None, .. }), "{code}");
        }
        let outcome = classify(429, Some("7"));
        assert!(
            matches!(outcome, DeliveryOutcome::Retry { after: Some(d), .. } if d == Duration::from_secs(7))
        );
        let outcome = classify(503, Some("86400"));
        assert!(
            matches!(outcome, DeliveryOutcome::Retry { after: Some(d), .. } if d == Duration::from_secs(600))
        );
        assert!(matches!(classify(503, Some("later")), DeliveryOutcome::Retry { after: None, .. }));
    }

    #[test]
    fn client_errors_are_rejected_with_codes() {
        assert_eq!(classify(401, None).reject_code(), Some(RejectCode::Auth));
        assert_eq!(classify(403, None).reject_code(), Some(RejectCode::Auth));
        assert_eq!(classify(301, None).reject_code(), Some(RejectCode::Redirect));
        for code in [400, 404, 409, 410, 413, 422] {
            assert_eq!(classify(code, None).reject_code(), Some(RejectCode::Client), "{code}");
        }
        // Retry-After on a permanent failure does not make it retryable.
        assert_eq!(classify(400, Some("5")).reject_code(), Some(RejectCode::Client));
    }

    #[test]
    fn transport_failures_retry_except_unbuildable_requests() {
        assert!(classify_transport(TransportFailure::Timeout).is_retry());
        assert!(classify_transport(TransportFailure::Connect).is_retry());
        assert!(classify_transport(TransportFailure::Other).is_retry());
        assert_eq!(
            classify_transport(TransportFailure::InvalidRequest).reject_code(),
            Some(RejectCode::InvalidDestination)
        );
    }
}
