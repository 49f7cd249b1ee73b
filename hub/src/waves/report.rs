//! The reconciliation of a wave: every user of the cohort with its state at every system it
//! must reach (the rules are in `standing.rs`), totals by legacy status × state that add up
//! to the cohort, per-system totals, the accounts quarantined whole (in no wave), and whether
//! the wave is complete. Built page by page from the ledger (`Store::wave_report_page`); the
//! renderings are in `report_render.rs`.

use std::collections::BTreeMap;

use serde::Serialize;

use super::WavePlan;
use super::standing::{ReportState, UserReport};
use crate::store::{Store, StoreError, WaveRow, WaveUserDeliveries, WholeAccountQuarantine};

/// Users read from the ledger per page: a few MB of rows at a time.
const PAGE: u32 = 5_000;

/// The legacy statuses, listed in the totals even when no user has them.
pub const STATUSES: [&str; 3] = ["active", "inactive", "expired"];

/// Users counted by state; every state of the row's kind is listed, 0 included.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StateCounts {
    #[serde(flatten)]
    pub by_state: BTreeMap<ReportState, i64>,
    pub total: i64,
}

impl StateCounts {
    fn new(states: impl IntoIterator<Item = ReportState>) -> Self {
        Self { by_state: states.into_iter().map(|state| (state, 0)).collect(), total: 0 }
    }

    fn add(&mut self, state: ReportState) {
        *self.by_state.entry(state).or_default() += 1;
        self.total += 1;
    }

    pub fn get(&self, state: ReportState) -> i64 {
        self.by_state.get(&state).copied().unwrap_or(0)
    }
}

/// Users by legacy status × overall state, with the sums of each row and column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Totals {
    /// One row per status (`active`, `inactive`, `expired`): its users by state, and its total.
    pub by_status: BTreeMap<String, StateCounts>,
    /// The column sums: users by state over every status, and the grand total.
    pub all: StateCounts,
}

/// One system: the wave's users by their state there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SystemTotals {
    pub system: String,
    pub users: StateCounts,
    /// Of its `delivered` users, those whose read-back is still due.
    pub awaiting_verification: i64,
}

/// The reconciliation of one wave.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WaveReport {
    pub wave: WaveRow,
    /// Every user of the cohort reached a terminal state at every system it must reach, and
    /// the users reported are exactly the cohort.
    pub complete: bool,
    /// Users not yet in a terminal state.
    pub unfinished: i64,
    pub totals: Totals,
    pub systems: Vec<SystemTotals>,
    /// Accounts of the export quarantined whole: in no wave, counted apart.
    pub quarantined_whole_accounts: WholeAccountQuarantine,
    /// Every user of the wave, in legacy id order.
    pub users: Vec<UserReport>,
}

impl WaveReport {
    /// The cohort as planned (`waves.users`): what the totals must add up to.
    pub fn cohort(&self) -> i64 {
        self.wave.users
    }

    /// The users reported differ in number from the cohort planned.
    pub fn is_miscounted(&self) -> bool {
        self.totals.all.total != self.cohort()
    }
}

/// Accumulates users into a report, page after page, so the rules can run without a ledger.
#[derive(Debug)]
pub struct ReportBuilder {
    impacted: Vec<String>,
    totals: Totals,
    systems: BTreeMap<String, SystemTotals>,
    users: Vec<UserReport>,
    unfinished: i64,
}

impl ReportBuilder {
    /// A report for a wave impacting `impacted` systems (the plan's).
    pub fn new(impacted: Vec<String>) -> Self {
        let by_status =
            STATUSES.iter().map(|status| (status.to_string(), StateCounts::new(ReportState::ALL)));
        Self {
            impacted,
            totals: Totals { by_status: by_status.collect(), all: StateCounts::new(ReportState::ALL) },
            systems: BTreeMap::new(),
            users: Vec::new(),
            unfinished: 0,
        }
    }

    pub fn add(&mut self, user: WaveUserDeliveries) {
        let user = UserReport::of(user, &self.impacted);
        self.totals
            .by_status
            .entry(user.status.clone())
            .or_insert_with(|| StateCounts::new(ReportState::ALL))
            .add(user.state);
        self.totals.all.add(user.state);
        for standing in &user.systems {
            let system = self.systems.entry(standing.system.clone()).or_insert_with(|| SystemTotals {
                system: standing.system.clone(),
                users: StateCounts::new(ReportState::at_system()),
                awaiting_verification: 0,
            });
            system.users.add(standing.state);
            system.awaiting_verification += i64::from(standing.awaiting_verification);
        }
        self.unfinished += i64::from(!user.is_terminal());
        self.users.push(user);
    }

    pub fn finish(self, wave: WaveRow, quarantined_whole_accounts: WholeAccountQuarantine) -> WaveReport {
        let complete = self.unfinished == 0 && self.totals.all.total == wave.users;
        WaveReport {
            wave,
            complete,
            unfinished: self.unfinished,
            totals: self.totals,
            systems: self.systems.into_values().collect(),
            quarantined_whole_accounts,
            users: self.users,
        }
    }
}

/// The report of the planned wave, from the ledger (the plan gives its impacted systems).
pub async fn report_of(store: &Store, plan: &WavePlan) -> Result<WaveReport, StoreError> {
    let impacted = plan.impacted().map(|system| system.system.clone()).collect();
    reconcile(store, plan.wave.clone(), impacted).await
}

/// The report of `wave`, whose unreleased users may still go to the `impacted` systems.
pub async fn reconcile(
    store: &Store,
    wave: WaveRow,
    impacted: Vec<String>,
) -> Result<WaveReport, StoreError> {
    let mut builder = ReportBuilder::new(impacted);
    let mut after: Option<String> = None;
    loop {
        let page = store.wave_report_page(&wave.name, after.as_deref(), PAGE).await?;
        let Some(last) = page.last() else { break };
        after = Some(last.legacy_id.clone());
        for user in page {
            builder.add(user);
        }
    }
    let whole = store.quarantined_whole_accounts().await?;
    Ok(builder.finish(wave, whole))
}
