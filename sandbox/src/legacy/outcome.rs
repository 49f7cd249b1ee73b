//! What Switchyard expects for an edge case, as data: the replay checks it, people read it.

use serde::Serialize;

/// The outcome Switchyard expects for one edge-case class, derived from the shipped mappings
/// and the shipped e-learning org (see each class's note where the choice was ours).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "kebab-case")]
pub enum ExpectedOutcome {
    /// Delivered to every consuming system as the legacy data had it.
    DeliveredAsIs,
    /// Delivered, with `field` rewritten (`how`) by the mapping or at import.
    Normalized { field: &'static str, how: &'static str },
    /// Delivered without `field` (the mapping or the import leaves it out).
    Dropped { field: &'static str },
    /// Sent, and refused by `system` with `code`.
    Rejected { system: &'static str, code: &'static str },
    /// Never becomes an event: held at import with `reason`, counted and listed.
    Quarantined { reason: &'static str },
    /// `field` is discarded at the import edge and must never appear downstream or in any
    /// sample.
    NeverSent { field: &'static str },
}

/// What one occurrence of a class is: the row it is found on, or (for classes about a user's
/// rows taken together) the user's customer row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CaseUnit {
    CustomerRow,
    AddressRow,
    EnrollmentRow,
    /// A customer judged by its addresses and enrollments (found once all files are read).
    User,
}
