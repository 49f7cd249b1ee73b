//! A wave's progress as anyone may see it (`wave status`, `GET /v1/waves/{name}`): its state,
//! how many users are released, and per system its records by outcome against the plan, with
//! the action that paused it, if one did.

use std::collections::BTreeMap;

use serde::Serialize;

use super::plan::WavePlan;
use crate::store::{Store, StoreError, WaveAction, WaveCount, WaveRun};

/// One system's part of a wave so far.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct SystemProgress {
    pub system: String,
    /// Records the plan expects (staged events routed to the system).
    pub planned: i64,
    pub confirmed: i64,
    /// Delivered; verified later or not at all (systems without read-back).
    pub delivered: i64,
    /// Of `delivered`, still awaiting their read-back.
    pub verifying: i64,
    /// Waiting for a worker (pending, submitted), or held by a pause.
    pub queued: i64,
    pub held: i64,
    pub in_flight: i64,
    pub rejected: i64,
    pub dead_lettered: i64,
    pub silent_failures: i64,
}

impl SystemProgress {
    /// Records settled for good or ill (counted by the progress bars).
    pub fn settled(&self) -> i64 {
        self.confirmed
            + (self.delivered - self.verifying)
            + self.rejected
            + self.dead_lettered
            + self.silent_failures
    }

    /// Records that ended badly.
    pub fn failed(&self) -> i64 {
        self.rejected + self.dead_lettered + self.silent_failures
    }
}

/// A wave's progress.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct WaveStatus {
    pub wave: String,
    pub state: String,
    pub users: i64,
    pub released_users: i64,
    pub systems: Vec<SystemProgress>,
    /// The latest pause, automatic or by hand, while the wave is paused.
    pub paused_by: Option<WaveAction>,
    /// The latest action of any kind.
    pub last_action: Option<WaveAction>,
}

impl WaveStatus {
    /// Builds the status of `run` from its plan and the ledger's counts.
    pub async fn of(store: &Store, run: &WaveRun, plan: &WavePlan) -> Result<Self, StoreError> {
        let counts = store.wave_counts(&run.name, None).await?;
        let actions = store.wave_actions(&run.name).await?;
        let paused_by = (run.state == "paused")
            .then(|| actions.iter().rev().find(|action| action.action.ends_with("paused")).cloned())
            .flatten();
        Ok(Self {
            wave: run.name.clone(),
            state: run.state.clone(),
            users: run.users,
            released_users: run.fed_users,
            systems: progress(plan, &counts),
            paused_by,
            last_action: actions.last().cloned(),
        })
    }

    pub fn to_text(&self) -> String {
        let mut out = format!(
            "wave {} is {}: {} of {} users released\n",
            self.wave, self.state, self.released_users, self.users
        );
        for system in &self.systems {
            out.push_str(&format!(
                "  {}: {} of {} settled; {} confirmed, {} delivered ({} verifying), {} queued ({} held), \
                 {} in flight, {} rejected, {} dead-lettered, {} silent failures\n",
                system.system,
                system.settled(),
                system.planned,
                system.confirmed,
                system.delivered,
                system.verifying,
                system.queued,
                system.held,
                system.in_flight,
                system.rejected,
                system.dead_lettered,
                system.silent_failures
            ));
        }
        if let Some(pause) = &self.paused_by {
            out.push_str(&format!(
                "  paused ({}) by {} at {}: {}\n",
                pause.action,
                pause.actor,
                pause.at.to_rfc3339(),
                pause.reason.as_deref().unwrap_or("no reason given")
            ));
        }
        out
    }
}

/// Each planned system's counts.
fn progress(plan: &WavePlan, counts: &[WaveCount]) -> Vec<SystemProgress> {
    let mut systems: BTreeMap<String, SystemProgress> = plan
        .impacted()
        .map(|system| {
            let progress = SystemProgress {
                system: system.system.clone(),
                planned: system.records.values().sum(),
                ..SystemProgress::default()
            };
            (system.system.clone(), progress)
        })
        .collect();
    for count in counts {
        let system = systems
            .entry(count.system.clone())
            .or_insert_with(|| SystemProgress { system: count.system.clone(), ..SystemProgress::default() });
        let n = count.count;
        match count.state.as_str() {
            "confirmed" => system.confirmed += n,
            "delivered" => {
                system.delivered += n;
                if count.verifying == 1 {
                    system.verifying += n;
                }
            }
            "pending" | "submitted" => system.queued += n,
            "held" => {
                system.queued += n;
                system.held += n;
            }
            "in_flight" => system.in_flight += n,
            "rejected" => system.rejected += n,
            "dead_lettered" => system.dead_lettered += n,
            "silent_failure" => system.silent_failures += n,
            _ => {}
        }
    }
    systems.into_values().collect()
}
