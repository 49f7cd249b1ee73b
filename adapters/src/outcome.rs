//! What happened to one delivery item: delivered, retry later, rejected for good, or deferred
//! (never sent: the adapter's own limit held it back).

use std::fmt;
use std::time::Duration;

/// The result of delivering one item. The hub records it in the ledger and owns what
/// happens next (retry schedule, jitter, dead letters); adapters only classify.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeliveryOutcome {
    /// The downstream accepted the item.
    Delivered {
        /// The downstream's own id for the record, when it returns one.
        downstream_id: Option<String>,
    },
    /// A transient failure; the hub should try again, not before `after` when given.
    Retry {
        /// A delay the downstream asked for (e.g. `Retry-After`), already clamped to bounds.
        after: Option<Duration>,
        /// Why, for operators; never contains record data or secrets.
        reason: String,
    },
    /// Not sent at all: the adapter's own limit (a local rate limit, an API budget) held the
    /// item back. The downstream never saw it, so the hub holds it until `after` without
    /// spending an attempt, and it says nothing about the downstream's health.
    Deferred {
        /// When the limit frees capacity again.
        after: Duration,
        /// Why, for operators.
        reason: String,
    },
    /// Accepted for asynchronous processing (a Salesforce Bulk API job): the downstream has
    /// the item but its result is not known yet. The hub keeps the delivery `submitted` with
    /// `ticket` and, from `check_after` on, asks [`crate::Adapter::collect`] for the result.
    /// No attempt is counted until the result arrives.
    Submitted {
        /// The adapter's own handle on the work (e.g. a Bulk job id); opaque to the hub, stored
        /// in the ledger so that another hub or a restarted one can collect it. Never secret.
        ticket: String,
        /// When to look again.
        check_after: Duration,
    },
    /// A permanent failure; retrying the same item cannot succeed.
    Rejected {
        /// Why, for operators; never contains record data or secrets.
        reason: String,
        /// A stable code the hub can group and alert on.
        code: RejectCode,
    },
}

impl DeliveryOutcome {
    /// A retry with no requested delay.
    pub fn retry(reason: impl Into<String>) -> Self {
        Self::Retry { after: None, reason: reason.into() }
    }

    /// A rejection with a stable code.
    pub fn rejected(code: RejectCode, reason: impl Into<String>) -> Self {
        Self::Rejected { reason: reason.into(), code }
    }

    /// True for `Delivered`.
    pub fn is_delivered(&self) -> bool {
        matches!(self, Self::Delivered { .. })
    }

    /// A deferral: not sent, come back after `after`.
    pub fn deferred(after: Duration, reason: impl Into<String>) -> Self {
        Self::Deferred { after, reason: reason.into() }
    }

    /// True for `Deferred`.
    pub fn is_deferred(&self) -> bool {
        matches!(self, Self::Deferred { .. })
    }

    /// Submitted for asynchronous processing under `ticket`; look again after `check_after`.
    pub fn submitted(ticket: impl Into<String>, check_after: Duration) -> Self {
        Self::Submitted { ticket: ticket.into(), check_after }
    }

    /// True for `Submitted`.
    pub fn is_submitted(&self) -> bool {
        matches!(self, Self::Submitted { .. })
    }

    /// True for `Retry`.
    pub fn is_retry(&self) -> bool {
        matches!(self, Self::Retry { .. })
    }

    /// The operator-facing reason of a retry or rejection.
    pub fn reason(&self) -> Option<&str> {
        match self {
            Self::Delivered { .. } => None,
            Self::Retry { reason, .. } | Self::Rejected { reason, .. } | Self::Deferred { reason, .. } => {
                Some(reason)
            }
            Self::Submitted { .. } => None,
        }
    }

    /// The rejection code, if this is a rejection.
    pub fn reject_code(&self) -> Option<RejectCode> {
        match self {
            Self::Rejected { code, .. } => Some(*code),
            _ => None,
        }
    }
}

/// Stable codes for permanent failures. New codes may be added; match with a fallback.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RejectCode {
    /// The downstream refused our credentials or signature (401, 403).
    Auth,
    /// The downstream refused the item itself (any other 4xx).
    Client,
    /// The downstream answered with a redirect; we never follow them (SSRF), so fix the URL.
    Redirect,
    /// The configured destination cannot be used (bad URL, unresolvable scheme).
    InvalidDestination,
    /// The destination resolves to a private or loopback address that is not allow-listed.
    DestinationRefused,
    /// The item could not be encoded for the downstream.
    Encoding,
}

impl RejectCode {
    /// The code as it appears in the ledger and in logs.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Auth => "auth",
            Self::Client => "client_error",
            Self::Redirect => "redirect",
            Self::InvalidDestination => "invalid_destination",
            Self::DestinationRefused => "destination_refused",
            Self::Encoding => "encoding",
        }
    }
}

impl fmt::Display for RejectCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
