//! Where one user of a wave stands, at each system it must reach and overall: pure rules over
//! what the ledger holds for it (`Store::wave_report_page`), for the wave's report.
//!
//! # States and their precedence
//!
//! A user's state at one system comes from its deliveries there:
//!
//! | state | deliveries | terminal |
//! | --- | --- | --- |
//! | `rejected` | refused for good by the downstream (with its reason) | yes |
//! | `silent_failure` | accepted, but the expected effect was not read back (with the evidence) | yes |
//! | `dead_lettered` | attempts exhausted (with the last failure) | yes |
//! | `in_progress` | `pending`, `in_flight`, `submitted` or `held` | no |
//! | `not_started` | staged events of the user are not released yet | no |
//! | `delivered` | accepted, not confirmed: terminal only when no read-back is due | when no verification is pending |
//! | `confirmed` | accepted and read back | yes |
//!
//! With several deliveries at one system (a user and its enrollments), the worst wins, in the
//! order above: a failure needs someone first, then work still under way, then work not begun;
//! `delivered` is worse than `confirmed` because it is less proven. A user with staged events
//! not yet released counts `not_started` at every system it may reach (we cannot tell which
//! of them those events will go to without releasing them), so it is never reported done early.
//!
//! # Which systems a user must reach
//!
//! The systems its deliveries go to (routing decided them at release); while some of its
//! events are unreleased, also every system the wave impacts (the plan's). A user whose
//! released events route nowhere owes nothing: its overall state is `delivered`, terminal.
//!
//! # A user's overall state
//!
//! The worst of its systems' states, in the same order. A user with rows quarantined at
//! import (say, one enrollment with a zero date) whose every system is otherwise done
//! (`confirmed`, or `delivered` with nothing left to verify) is `quarantined_at_import`: what
//! did migrate is done, but not all of the account did. A worse state keeps precedence, as it
//! is what needs acting on. Accounts quarantined whole never became users, belong to no wave
//! and are counted apart (`WaveReport::quarantined_whole_accounts`).

use std::collections::BTreeSet;

use serde::Serialize;

use crate::store::{DeliveryState, SystemDeliveries, WaveUserDeliveries};

/// Where a user stands, at one system or overall. Ordered worst first (see the module docs):
/// the state of several is their minimum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportState {
    Rejected,
    SilentFailure,
    DeadLettered,
    InProgress,
    NotStarted,
    Delivered,
    /// Only overall: the migrated part is done, some rows of the account were quarantined.
    QuarantinedAtImport,
    Confirmed,
}

impl ReportState {
    /// Every state, worst first.
    pub const ALL: [ReportState; 8] = [
        Self::Rejected,
        Self::SilentFailure,
        Self::DeadLettered,
        Self::InProgress,
        Self::NotStarted,
        Self::Delivered,
        Self::QuarantinedAtImport,
        Self::Confirmed,
    ];

    /// The states a user can have at one system (all but `quarantined_at_import`), worst first.
    pub fn at_system() -> impl Iterator<Item = ReportState> {
        Self::ALL.into_iter().filter(|state| *state != Self::QuarantinedAtImport)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Rejected => "rejected",
            Self::SilentFailure => "silent_failure",
            Self::DeadLettered => "dead_lettered",
            Self::InProgress => "in_progress",
            Self::NotStarted => "not_started",
            Self::Delivered => "delivered",
            Self::QuarantinedAtImport => "quarantined_at_import",
            Self::Confirmed => "confirmed",
        }
    }

    /// The report state of deliveries in ledger state `state`.
    pub fn of_delivery(state: DeliveryState) -> Self {
        match state {
            DeliveryState::Pending
            | DeliveryState::InFlight
            | DeliveryState::Submitted
            | DeliveryState::Held => Self::InProgress,
            DeliveryState::Delivered => Self::Delivered,
            DeliveryState::Rejected => Self::Rejected,
            DeliveryState::DeadLettered => Self::DeadLettered,
            DeliveryState::Confirmed => Self::Confirmed,
            DeliveryState::SilentFailure => Self::SilentFailure,
        }
    }

    /// The ledger state whose recorded reason explains this report state, if one does.
    fn reason_source(self) -> Option<DeliveryState> {
        match self {
            Self::Rejected => Some(DeliveryState::Rejected),
            Self::SilentFailure => Some(DeliveryState::SilentFailure),
            Self::DeadLettered => Some(DeliveryState::DeadLettered),
            _ => None,
        }
    }
}

impl std::fmt::Display for ReportState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A user's state at one system.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SystemStanding {
    pub system: String,
    pub state: ReportState,
    /// For `rejected`, `silent_failure` and `dead_lettered`: the downstream's reason or the
    /// verification's evidence, as the ledger recorded it (no event data).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// `delivered` with a read-back verification still due: not terminal yet.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub awaiting_verification: bool,
}

impl SystemStanding {
    /// Where the user stands at `system`, from its deliveries there (if any) and whether some
    /// of its events are still unreleased.
    pub fn of(system: &str, deliveries: Option<&SystemDeliveries>, unreleased: bool) -> Self {
        let from_deliveries = deliveries.into_iter().flat_map(|found| {
            found
                .by_state
                .iter()
                .filter(|(_, count)| **count > 0)
                .map(|(state, _)| ReportState::of_delivery(*state))
        });
        let state = from_deliveries
            .chain(unreleased.then_some(ReportState::NotStarted))
            .min()
            .unwrap_or(ReportState::NotStarted);
        let reason = state
            .reason_source()
            .and_then(|source| deliveries.and_then(|found| found.reasons.get(&source)).cloned());
        let awaiting_verification = state == ReportState::Delivered
            && deliveries.is_some_and(|found| found.awaiting_verification > 0);
        Self { system: system.to_owned(), state, reason, awaiting_verification }
    }

    /// Nothing more will happen here on its own: confirmed, refused, failed, or delivered with
    /// nothing left to verify.
    pub fn is_terminal(&self) -> bool {
        match self.state {
            ReportState::InProgress | ReportState::NotStarted => false,
            ReportState::Delivered => !self.awaiting_verification,
            _ => true,
        }
    }

    /// Done and good: confirmed, or delivered with nothing left to verify.
    fn is_done(&self) -> bool {
        self.state == ReportState::Confirmed || (self.state == ReportState::Delivered && self.is_terminal())
    }
}

/// One user of the wave and where it stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UserReport {
    pub legacy_id: String,
    pub user_id: String,
    pub status: String,
    /// The worst of its systems' states, or `quarantined_at_import` (see the module docs).
    pub state: ReportState,
    /// Rows of its account the import quarantined.
    pub quarantined_rows: i64,
    /// Some of its staged events are not released into the ledger yet.
    pub unreleased: bool,
    /// Its state at each system it must reach, by system name.
    pub systems: Vec<SystemStanding>,
}

impl UserReport {
    /// The user's report from what the ledger holds; `impacted` are the wave's systems (what
    /// unreleased events may still go to).
    pub fn of(user: WaveUserDeliveries, impacted: &[String]) -> Self {
        let WaveUserDeliveries { legacy_id, user_id, status, unreleased, quarantined_rows, systems: found } =
            user;
        let mut required: BTreeSet<&str> = found.iter().map(|system| system.system.as_str()).collect();
        if unreleased {
            required.extend(impacted.iter().map(String::as_str));
        }
        let systems: Vec<SystemStanding> = required
            .into_iter()
            .map(|system| {
                let deliveries = found.iter().find(|found| found.system == system);
                SystemStanding::of(system, deliveries, unreleased)
            })
            .collect();
        let state = overall(&systems, unreleased, quarantined_rows);
        Self { legacy_id, user_id, status, state, quarantined_rows, unreleased, systems }
    }

    /// Every system it must reach is in a terminal state, and nothing of it waits for release.
    pub fn is_terminal(&self) -> bool {
        !self.unreleased && self.systems.iter().all(SystemStanding::is_terminal)
    }

    /// Nothing to follow up: confirmed, or delivered where nothing is left to verify (a system
    /// without read-back, such as a webhook, never confirms).
    pub fn is_done(&self) -> bool {
        match self.state {
            ReportState::Confirmed => true,
            ReportState::Delivered => !self.unreleased && self.systems.iter().all(SystemStanding::is_done),
            _ => false,
        }
    }
}

/// A user's overall state from its systems' (see the module docs).
fn overall(systems: &[SystemStanding], unreleased: bool, quarantined_rows: i64) -> ReportState {
    if quarantined_rows > 0 && !unreleased && systems.iter().all(SystemStanding::is_done) {
        return ReportState::QuarantinedAtImport;
    }
    let worst = systems.iter().map(|system| system.state).min();
    // Nothing routed and nothing left to release: nothing is owed.
    let worst = worst.unwrap_or(ReportState::Delivered);
    if unreleased { worst.min(ReportState::NotStarted) } else { worst }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn at(system: &str, states: &[(DeliveryState, i64)]) -> SystemDeliveries {
        SystemDeliveries {
            system: system.into(),
            by_state: states.iter().copied().collect(),
            awaiting_verification: 0,
            reasons: BTreeMap::new(),
        }
    }

    fn user(systems: Vec<SystemDeliveries>, unreleased: bool, quarantined_rows: i64) -> WaveUserDeliveries {
        WaveUserDeliveries {
            legacy_id: "1001".into(),
            user_id: "u-1001".into(),
            status: "active".into(),
            unreleased,
            quarantined_rows,
            systems,
        }
    }

    #[test]
    fn the_worst_delivery_at_a_system_wins_and_brings_its_reason() {
        let mut crm = at("crm", &[(DeliveryState::Confirmed, 2), (DeliveryState::Rejected, 1)]);
        crm.reasons.insert(DeliveryState::Rejected, "REQUIRED_FIELD_MISSING: Email__c".into());
        let standing = SystemStanding::of("crm", Some(&crm), false);
        assert_eq!(standing.state, ReportState::Rejected);
        assert_eq!(standing.reason.as_deref(), Some("REQUIRED_FIELD_MISSING: Email__c"));
        assert!(standing.is_terminal());

        let held = at("crm", &[(DeliveryState::Held, 1), (DeliveryState::Delivered, 1)]);
        assert_eq!(SystemStanding::of("crm", Some(&held), false).state, ReportState::InProgress);
        let lost = at("crm", &[(DeliveryState::DeadLettered, 1), (DeliveryState::SilentFailure, 1)]);
        assert_eq!(SystemStanding::of("crm", Some(&lost), false).state, ReportState::SilentFailure);
    }

    #[test]
    fn delivered_is_terminal_only_when_no_read_back_is_due() {
        let mut crm = at("crm", &[(DeliveryState::Delivered, 1), (DeliveryState::Confirmed, 1)]);
        assert!(SystemStanding::of("crm", Some(&crm), false).is_terminal());
        crm.awaiting_verification = 1;
        let standing = SystemStanding::of("crm", Some(&crm), false);
        assert_eq!((standing.state, standing.awaiting_verification), (ReportState::Delivered, true));
        assert!(!standing.is_terminal());
    }

    #[test]
    fn a_user_with_unreleased_events_is_not_started_at_every_impacted_system() {
        let impacted = ["crm".to_owned(), "lms".to_owned()];
        let report = UserReport::of(user(Vec::new(), true, 0), &impacted);
        let states: Vec<(&str, ReportState)> =
            report.systems.iter().map(|s| (s.system.as_str(), s.state)).collect();
        assert_eq!(states, [("crm", ReportState::NotStarted), ("lms", ReportState::NotStarted)]);
        assert_eq!(report.state, ReportState::NotStarted);
        assert!(!report.is_terminal());

        // Partly released: a confirmed system still waits for the rest.
        let partly =
            UserReport::of(user(vec![at("crm", &[(DeliveryState::Confirmed, 1)])], true, 0), &impacted);
        assert!(partly.systems.iter().all(|s| s.state == ReportState::NotStarted), "{partly:?}");
    }

    #[test]
    fn a_released_user_must_reach_only_the_systems_its_deliveries_go_to() {
        let impacted = ["crm".to_owned(), "lms".to_owned(), "erp".to_owned()];
        let report =
            UserReport::of(user(vec![at("lms", &[(DeliveryState::Confirmed, 3)])], false, 0), &impacted);
        assert_eq!(report.systems.len(), 1);
        assert_eq!(report.state, ReportState::Confirmed);
        assert!(report.is_terminal());
        let nowhere = UserReport::of(user(Vec::new(), false, 0), &impacted);
        assert_eq!((nowhere.state, nowhere.is_terminal()), (ReportState::Delivered, true));
    }

    #[test]
    fn quarantined_rows_mark_a_user_that_is_otherwise_done_and_never_hide_a_failure() {
        let impacted = ["crm".to_owned()];
        let done =
            vec![at("crm", &[(DeliveryState::Confirmed, 1)]), at("lms", &[(DeliveryState::Delivered, 1)])];
        let report = UserReport::of(user(done, false, 2), &impacted);
        assert_eq!(report.state, ReportState::QuarantinedAtImport);
        assert!(report.is_terminal());

        let refused = vec![at("crm", &[(DeliveryState::Rejected, 1)])];
        assert_eq!(UserReport::of(user(refused, false, 2), &impacted).state, ReportState::Rejected);
        let mut verifying = at("crm", &[(DeliveryState::Delivered, 1)]);
        verifying.awaiting_verification = 1;
        assert_eq!(UserReport::of(user(vec![verifying], false, 1), &impacted).state, ReportState::Delivered);
    }

    #[test]
    fn states_order_worst_first() {
        let mut sorted = ReportState::ALL;
        sorted.sort();
        assert_eq!(sorted, ReportState::ALL);
        assert_eq!(sorted.first(), Some(&ReportState::Rejected));
        assert_eq!(sorted.last(), Some(&ReportState::Confirmed));
    }
}
