//! The wave driver, one per `serve` process with workers: every `waves.tick` it looks after
//! the running, paused and aborted waves.
//!
//! - A running wave is checked against the auto-pause rules, system by system; the first rule
//!   that fires pauses it (recorded with its evidence) and the system's owners are told.
//! - Otherwise it is fed: the next users in legacy id order are released into the ledger,
//!   as many as each system's in-flight cap has room for, at each system's rate (a governor
//!   limiter per wave and system, counted in the records the plan expects per user), ramped
//!   up after each start or resume as a canary is. One
//!   hub feeds a wave at a time, under a lease on the wave's row; the cursor is written after
//!   each release, and releasing is idempotent, so a hub that dies mid-wave loses nothing and
//!   doubles nothing: the next feeder releases from the cursor on.
//! - Once every user is released and every delivery settled (terminal, read back where the
//!   system is verified), the wave is completed.
//! - A paused or aborted wave's deliveries that a worker hands back for a retry are held too.

use std::collections::{BTreeMap, VecDeque};
use std::num::NonZeroU32;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use serde_json::json;
use tokio::sync::watch;

use super::control::{REDRIVABLE, WaveControl, baseline_count};
use super::notify::Notifier;
use super::rules::{Firing, SystemObservation, first_firing};
use crate::config::WavesConfig;
use crate::delivery::Waker;
use crate::legacy::release_wave_users;
use crate::metrics::HubMetrics;
use crate::policy::CircuitState;
use crate::store::{OutcomeKind, StoreError, WaveRun};

/// Users released per round at most (one release transaction round of the store).
const USERS_PER_ROUND: u32 = 500;
/// States of a wave's deliveries that count against a system's in-flight cap.
const IN_FLIGHT_STATES: [&str; 3] = ["pending", "in_flight", "submitted"];
/// Who the driver's own actions are recorded as.
pub const DRIVER_ACTOR: &str = "switchyard";

/// Attempts seen over time for one system: the failure-rate rule's sliding window.
#[derive(Debug, Default)]
struct FailureWindow {
    /// (when, attempts so far, failures so far), oldest first.
    samples: VecDeque<(Instant, u64, u64)>,
}

impl FailureWindow {
    fn sample(&mut self, at: Instant, attempts: u64, failures: u64, window: Duration) {
        self.samples.push_back((at, attempts, failures));
        // Keep the newest sample at or before the window's start, so the window is whole.
        while self.samples.len() > 1 && self.samples[1].0 + window <= at {
            self.samples.pop_front();
        }
    }

    /// (attempts, failures) within the window.
    fn within(&self) -> (u64, u64) {
        match (self.samples.front(), self.samples.back()) {
            (Some(first), Some(last)) => (last.1 - first.1, last.2 - first.2),
            _ => (0, 0),
        }
    }
}

/// The driver of this process.
pub struct WaveDriver {
    control: WaveControl,
    metrics: HubMetrics,
    waker: Option<Waker>,
    config: WavesConfig,
    owner: String,
    notifier: Notifier,
    windows: BTreeMap<String, FailureWindow>,
    circuit_not_closed_since: BTreeMap<String, DateTime<Utc>>,
    /// Per (wave, system): the limiter and the rate it was built for (the ramp changes it).
    limiters: BTreeMap<(String, String), (u32, DefaultDirectRateLimiter)>,
    /// Since when each running wave has been running, as this driver saw it (the ramp).
    running_since: BTreeMap<String, Instant>,
    /// Records per user each system gets, per wave (from its plan).
    ratios: BTreeMap<String, BTreeMap<String, f64>>,
    /// Each wave's state at the last tick: a wave seen running again was resumed.
    last_state: BTreeMap<String, String>,
    stopping: watch::Receiver<bool>,
}

impl std::fmt::Debug for WaveDriver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WaveDriver")
            .field("owner", &self.owner)
            .field("waves", &self.last_state)
            .finish_non_exhaustive()
    }
}

impl WaveDriver {
    /// `owner` names this process in feeder leases (its process id).
    pub fn new(
        control: WaveControl,
        metrics: HubMetrics,
        waker: Option<Waker>,
        config: WavesConfig,
        owner: String,
        stopping: watch::Receiver<bool>,
    ) -> Self {
        let notifier = Notifier::new(config.ops_webhook.clone());
        Self {
            control,
            metrics,
            waker,
            config,
            owner,
            notifier,
            windows: BTreeMap::new(),
            circuit_not_closed_since: BTreeMap::new(),
            limiters: BTreeMap::new(),
            running_since: BTreeMap::new(),
            ratios: BTreeMap::new(),
            last_state: BTreeMap::new(),
            stopping,
        }
    }

    /// Ticks until the stop signal, then hands back the waves this process fed.
    pub async fn run(mut self) {
        let tick = self.config.tick.get();
        loop {
            let started = Instant::now();
            if let Err(err) = self.tick().await {
                // The next tick tries again: the ledger may be briefly unavailable.
                tracing::warn!(error = %err, "wave driver: a tick failed");
            }
            // Ticks start a tick apart: a tick that fed for its whole length is followed by
            // the next at once, so feeding never idles half the time.
            let mut stopping = self.stopping.clone();
            tokio::select! {
                () = tokio::time::sleep(tick.saturating_sub(started.elapsed())) => {}
                () = crate::serve::stopped(stopping.clone()) => break,
            }
            if *stopping.borrow_and_update() {
                break;
            }
        }
        let fed: Vec<String> = self.last_state.keys().cloned().collect();
        for wave in fed {
            if let Err(err) = self.control.store().release_wave_feeder(&wave, &self.owner).await {
                tracing::warn!(%wave, error = %err, "could not hand the wave's feeding back; its lease lapses");
            }
        }
    }

    fn stopping(&self) -> bool {
        *self.stopping.borrow()
    }

    /// One round over every active wave.
    pub async fn tick(&mut self) -> Result<(), StoreError> {
        self.sample();
        for run in self.control.store().active_waves().await? {
            let resumed = self.last_state.get(&run.name).is_some_and(|state| state != "running");
            self.last_state.insert(run.name.clone(), run.state.clone());
            match run.state.as_str() {
                "running" => {
                    if resumed {
                        self.running_since.remove(&run.name);
                    }
                    self.running_since.entry(run.name.clone()).or_insert_with(Instant::now);
                    self.drive(&run, resumed).await?;
                }
                _ => {
                    self.running_since.remove(&run.name);
                    self.control.store().hold_wave_deliveries(&run.name).await?;
                }
            }
        }
        Ok(())
    }

    /// Reads this hub's outcome counters and circuits into the windows.
    fn sample(&mut self) {
        let at = Instant::now();
        let window = self.config.auto_pause.failure_window.get();
        let systems: Vec<String> = self.ratios.values().flat_map(|ratios| ratios.keys().cloned()).collect();
        for system in systems {
            let count = |kind| self.metrics.outcome_total(&system, kind);
            let failures =
                count(OutcomeKind::Retry) + count(OutcomeKind::Rejected) + count(OutcomeKind::DeadLettered);
            let attempts = failures + count(OutcomeKind::Delivered);
            self.windows.entry(system.clone()).or_default().sample(at, attempts, failures, window);
        }
        let now = Utc::now();
        for (system, snapshot) in self.metrics.circuits() {
            if snapshot.state == CircuitState::Closed {
                self.circuit_not_closed_since.remove(&system);
            } else {
                self.circuit_not_closed_since.entry(system).or_insert(now);
            }
        }
    }

    async fn drive(&mut self, run: &WaveRun, resumed: bool) -> Result<(), StoreError> {
        let ratios = self.ratios_of(run).await?;
        if let Some(firing) = self.check_rules(run, &ratios).await? {
            return self.auto_pause(run, &firing).await;
        }
        if resumed {
            self.wake(ratios.keys());
        }
        let now = Utc::now();
        let lease = (self.config.tick.get() * 6).max(Duration::from_secs(3));
        let until = now + chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::MAX);
        if run.fed_users < run.users {
            if self.control.store().claim_wave_feeder(&run.name, &self.owner, now, until).await? {
                self.feed(run, &ratios).await?;
            }
            return Ok(());
        }
        self.complete_if_settled(run).await
    }

    /// Records per user for each system the wave's plan reaches.
    async fn ratios_of(&mut self, run: &WaveRun) -> Result<BTreeMap<String, f64>, StoreError> {
        if let Some(ratios) = self.ratios.get(&run.name) {
            return Ok(ratios.clone());
        }
        let plan = match self.control.plan(&run.name).await {
            Ok(plan) => plan,
            Err(super::ControlError::Store(err)) => return Err(err),
            Err(other) => {
                tracing::warn!(wave = %run.name, error = %other, "wave driver: no plan");
                return Ok(BTreeMap::new());
            }
        };
        let users = run.users.max(1) as f64;
        let ratios: BTreeMap<String, f64> = plan
            .impacted()
            .map(|system| (system.system.clone(), system.records.values().sum::<i64>() as f64 / users))
            .collect();
        self.ratios.insert(run.name.clone(), ratios.clone());
        Ok(ratios)
    }

    async fn check_rules(
        &self,
        run: &WaveRun,
        ratios: &BTreeMap<String, f64>,
    ) -> Result<Option<Firing>, StoreError> {
        let counts = self.control.store().wave_counts(&run.name, Some(&REDRIVABLE)).await?;
        let now = Utc::now();
        for system in ratios.keys() {
            let count = |state: &str| {
                counts
                    .iter()
                    .filter(|c| &c.system == system && c.state == state)
                    .map(|c| c.count)
                    .sum::<i64>()
            };
            let (window_attempts, window_failures) =
                self.windows.get(system).map(FailureWindow::within).unwrap_or_default();
            let seen = SystemObservation {
                system: system.clone(),
                window_attempts,
                window_failures,
                silent_failures: count("silent_failure"),
                silent_failures_before: baseline_count(run.baseline.as_ref(), "silent_failure", system),
                dead_letters: count("dead_lettered"),
                dead_letters_before: baseline_count(run.baseline.as_ref(), "dead_lettered", system),
                api_usage: self.metrics.latest_api_usage(system),
                circuit_not_closed_since: self.circuit_not_closed_since.get(system).copied(),
            };
            if let Some(firing) = first_firing(&self.config.auto_pause, &seen, now) {
                return Ok(Some(firing));
            }
        }
        Ok(None)
    }

    async fn auto_pause(&mut self, run: &WaveRun, firing: &Firing) -> Result<(), StoreError> {
        let reason = format!("{} at {}: {}", firing.rule, firing.system, firing.evidence);
        let evidence = json!({ "rule": firing.rule, "system": firing.system, "evidence": firing.evidence,
            "observed": firing.observed, "threshold": firing.threshold });
        let held = match self
            .control
            .pause_for(&run.name, "auto-paused", DRIVER_ACTOR, Some(&reason), Some(&evidence))
            .await
        {
            Ok(held) => held,
            Err(super::ControlError::Store(err)) => return Err(err),
            // Paused or aborted by hand meanwhile: nothing to do.
            Err(_) => return Ok(()),
        };
        self.last_state.insert(run.name.clone(), "paused".to_owned());
        let owners = Notifier::owners(self.control.map(), &firing.system);
        self.notifier.paused(&run.name, firing, owners, held).await;
        Ok(())
    }

    /// Releases users while every system has room and rate, for up to one tick.
    async fn feed(&mut self, run: &WaveRun, ratios: &BTreeMap<String, f64>) -> Result<(), StoreError> {
        let started = Instant::now();
        let mut cursor = run.cursor.clone();
        let mut fed = run.fed_users;
        let store = self.control.store().clone();
        let running_for = self.running_since.get(&run.name).map(Instant::elapsed).unwrap_or_default();
        while fed < run.users && started.elapsed() < self.config.tick.get() && !self.stopping() {
            let outstanding = store.wave_outstanding(&run.name, &IN_FLIGHT_STATES).await?;
            let mut users = USERS_PER_ROUND.min(u32::try_from(run.users - fed).unwrap_or(u32::MAX));
            for (system, ratio) in ratios.iter().filter(|(_, ratio)| **ratio > 0.0) {
                let feed = self.config.feed_for(system);
                let queued: i64 =
                    outstanding.iter().filter(|(id, _)| id == system).map(|(_, count)| count).sum();
                let room = (i64::from(feed.in_flight) - queued).max(0) as f64;
                let by_room = (room / ratio).floor() as u32;
                let by_rate =
                    ((f64::from(burst(feed.rate_after(running_for))) / ratio).floor() as u32).max(1);
                users = users.min(by_room).min(by_rate);
            }
            if users == 0 {
                break;
            }
            let ids = store.wave_users_after(&run.name, cursor.as_deref(), users).await?;
            let Some(last) = ids.last().cloned() else { break };
            for (system, ratio) in ratios.iter().filter(|(_, ratio)| **ratio > 0.0) {
                let rate = self.config.feed_for(system).rate_after(running_for);
                let records = ((ids.len() as f64 * ratio).ceil() as u32).clamp(1, burst(rate));
                let key = (run.name.clone(), system.clone());
                let entry = self.limiters.entry(key).or_insert_with(|| (rate, limiter(rate)));
                if entry.0 != rate {
                    *entry = (rate, limiter(rate));
                }
                let Some(records) = NonZeroU32::new(records) else { continue };
                // Within the burst, so this waits for tokens and never refuses.
                let _ = entry.1.until_n_ready(records).await;
            }
            // Paused or aborted meanwhile (while waiting for the rate): stop. A release that
            // races the pause all the same is held (see `Store::insert_events_for`).
            if store.wave_run(&run.name).await?.is_none_or(|now| now.state != "running") {
                break;
            }
            let report = release_wave_users(&store, self.control.routes(), &run.name, &ids).await?;
            fed += ids.len() as i64;
            store.record_wave_fed(&run.name, &last, fed).await?;
            cursor = Some(last);
            tracing::debug!(wave = %run.name, released = report.released, deliveries = report.deliveries,
                fed, "wave fed");
            self.wake(ratios.keys());
        }
        Ok(())
    }

    /// Completes the wave once every user is released and every delivery settled.
    async fn complete_if_settled(&self, run: &WaveRun) -> Result<(), StoreError> {
        if self.control.store().wave_unsettled(&run.name).await? > 0 {
            return Ok(());
        }
        let evidence = json!({ "users": run.users, "released_users": run.fed_users });
        let change = crate::store::WaveTransition {
            from: &["running"],
            to: "completed",
            action: "completed",
            actor: DRIVER_ACTOR,
            reason: Some("every user released and every delivery settled"),
            evidence: Some(&evidence),
            hold: crate::store::HoldChange::Keep,
            baseline: None,
        };
        match self.control.store().transition_wave(&run.name, &change).await {
            Ok(_) => {
                tracing::info!(wave = %run.name, users = run.users, "wave completed");
                Ok(())
            }
            Err(crate::store::TransitionError::Store(err)) => Err(err),
            Err(_) => Ok(()),
        }
    }

    fn wake<'a>(&self, systems: impl Iterator<Item = &'a String>) {
        if let Some(waker) = &self.waker {
            for system in systems {
                waker.committed(system);
            }
        }
    }
}

/// Records released at once at most: a fifth of a second's worth, so a ramp's steps and a
/// pause take effect quickly.
fn burst(rate: u32) -> u32 {
    (rate / 5).max(1)
}

fn limiter(rate: u32) -> DefaultDirectRateLimiter {
    let per_second = NonZeroU32::new(rate).unwrap_or(NonZeroU32::MIN);
    let burst = NonZeroU32::new(burst(rate)).unwrap_or(NonZeroU32::MIN);
    RateLimiter::direct(Quota::per_second(per_second).allow_burst(burst))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_failure_window_counts_only_its_own_span() {
        let start = Instant::now();
        let window = Duration::from_secs(10);
        let mut seen = FailureWindow::default();
        seen.sample(start, 100, 50, window);
        seen.sample(start + Duration::from_secs(5), 150, 50, window);
        assert_eq!(seen.within(), (50, 0));
        seen.sample(start + Duration::from_secs(12), 200, 60, window);
        // The window (2 s to 12 s) starts from the sample at 0 s, the newest before its start.
        assert_eq!(seen.within(), (100, 10));
        seen.sample(start + Duration::from_secs(30), 200, 60, window);
        assert_eq!(seen.within(), (0, 0));
    }
}
