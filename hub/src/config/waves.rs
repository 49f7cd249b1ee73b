//! `[waves]`: how a running wave is fed (a rate and an in-flight cap per system), when it
//! pauses itself (the auto-pause rules), who is told, and how recent a gate's replay must be.

use std::collections::BTreeMap;

use serde::Deserialize;
use switchyard_contracts::SystemId;

use super::duration::HumanDuration;

/// `[waves]`.
///
/// ```toml
/// [waves]
/// tick = "500ms"              # how often a hub feeds its waves and checks the rules
/// replay_max_age = "24h"      # the replay gate's evidence must be this recent
/// ops_webhook = "https://ops.example.com/hooks/switchyard"   # optional: pauses are POSTed here
/// feed = { rate = 2000, in_flight = 4000, ramp = "60s", ramp_from = 0.05 }  # per system
///
/// [waves.systems.salesforce]  # a system's own feed settings
/// rate = 500
///
/// [waves.auto_pause]
/// failure_rate = 0.2          # a system's failed attempts over the window, above this share
/// failure_window = "60s"
/// failure_min_attempts = 50   # ... once the window holds at least this many attempts
/// silent_failures = 0         # more new silent failures than this
/// dead_letters = 0            # more new dead letters than this
/// budget_floor = 0.05         # the share of the hub's API budget left, below this
/// circuit_open_for = "2m"     # a system's circuit not closed for longer than this
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WavesConfig {
    /// Default `"500ms"`.
    pub tick: HumanDuration,
    /// Default `"24h"`.
    pub replay_max_age: HumanDuration,
    /// Where pauses are POSTed as JSON, besides the log. Default: none.
    pub ops_webhook: Option<url::Url>,
    /// Default feed settings of every system.
    pub feed: FeedConfig,
    /// Per-system feed settings, over `feed`.
    pub systems: BTreeMap<SystemId, FeedOverrides>,
    pub auto_pause: AutoPauseConfig,
}

impl Default for WavesConfig {
    fn default() -> Self {
        Self {
            tick: HumanDuration::from_millis(500),
            replay_max_age: HumanDuration::from_secs(24 * 3600),
            ops_webhook: None,
            feed: FeedConfig::default(),
            systems: BTreeMap::new(),
            auto_pause: AutoPauseConfig::default(),
        }
    }
}

/// How fast a wave's records go to one system.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FeedConfig {
    /// Records per second released for the system, once ramped up. Default 2000.
    pub rate: u32,
    /// Records of the wave queued or in flight for the system, at most; feeding waits below
    /// it. Default 4000.
    pub in_flight: u32,
    /// After a start or a resume the rate ramps up linearly from `ramp_from` of `rate` to
    /// all of it over this long, as a canary does: a downstream that breaks is found after
    /// few records. Default `"60s"`; `"0s"` feeds at `rate` at once.
    pub ramp: HumanDuration,
    /// Default 0.05.
    pub ramp_from: f64,
}

impl Default for FeedConfig {
    fn default() -> Self {
        Self { rate: 2_000, in_flight: 4_000, ramp: HumanDuration::from_secs(60), ramp_from: 0.05 }
    }
}

impl FeedConfig {
    /// The rate `elapsed` after the wave (re)started running.
    pub fn rate_after(&self, elapsed: std::time::Duration) -> u32 {
        let ramp = self.ramp.get();
        if ramp.is_zero() || elapsed >= ramp {
            return self.rate;
        }
        let share = self.ramp_from + (1.0 - self.ramp_from) * elapsed.as_secs_f64() / ramp.as_secs_f64();
        ((f64::from(self.rate) * share).round() as u32).max(1)
    }
}

/// `[waves.systems.<id>]`: a system's feed settings over `[waves.feed]` (the ramp is the
/// wave's, not a system's).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FeedOverrides {
    pub rate: Option<u32>,
    pub in_flight: Option<u32>,
}

/// `[waves.auto_pause]`: the rules that pause a running wave, each evaluated per system.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AutoPauseConfig {
    /// Default 0.2; 1.0 turns the rule off.
    pub failure_rate: f64,
    /// Default `"60s"`.
    pub failure_window: HumanDuration,
    /// Default 50.
    pub failure_min_attempts: u64,
    /// Default 0: the first confirmed silent failure pauses.
    pub silent_failures: u64,
    /// Default 0: the first new dead letter pauses.
    pub dead_letters: u64,
    /// Default 0.05; 0 turns the rule off.
    pub budget_floor: f64,
    /// Default `"2m"`.
    pub circuit_open_for: HumanDuration,
}

impl Default for AutoPauseConfig {
    fn default() -> Self {
        Self {
            failure_rate: 0.2,
            failure_window: HumanDuration::from_secs(60),
            failure_min_attempts: 50,
            silent_failures: 0,
            dead_letters: 0,
            budget_floor: 0.05,
            circuit_open_for: HumanDuration::from_secs(120),
        }
    }
}

impl WavesConfig {
    /// The feed settings of one system.
    pub fn feed_for(&self, system: &str) -> FeedConfig {
        let overrides = SystemId::parse(system).ok().and_then(|id| self.systems.get(&id).copied());
        let overrides = overrides.unwrap_or_default();
        FeedConfig {
            rate: overrides.rate.unwrap_or(self.feed.rate),
            in_flight: overrides.in_flight.unwrap_or(self.feed.in_flight),
            ..self.feed
        }
    }

    /// Problems with the settings, as (key, rule).
    pub(super) fn problems(&self) -> Vec<(String, &'static str)> {
        let mut problems = Vec::new();
        if self.tick.get().is_zero() {
            problems.push(("waves.tick".to_owned(), "must be greater than zero"));
        }
        let feeds = std::iter::once(("waves.feed".to_owned(), self.feed))
            .chain(self.systems.keys().map(|id| (format!("waves.systems.{id}"), self.feed_for(id.as_str()))));
        for (key, feed) in feeds {
            if feed.rate == 0 {
                problems.push((format!("{key}.rate"), "must be greater than zero"));
            }
            if feed.in_flight == 0 {
                problems.push((format!("{key}.in_flight"), "must be greater than zero"));
            }
            if !(feed.ramp_from > 0.0 && feed.ramp_from <= 1.0) {
                problems.push((format!("{key}.ramp_from"), "must be more than 0 and at most 1"));
            }
        }
        let rules = &self.auto_pause;
        if !(0.0..=1.0).contains(&rules.failure_rate) {
            problems.push(("waves.auto_pause.failure_rate".to_owned(), "must be 0 to 1"));
        }
        if !(0.0..=1.0).contains(&rules.budget_floor) {
            problems.push(("waves.auto_pause.budget_floor".to_owned(), "must be 0 to 1"));
        }
        if rules.failure_window.get().is_zero() {
            problems.push(("waves.auto_pause.failure_window".to_owned(), "must be greater than zero"));
        }
        problems
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rate_ramps_up_linearly_then_holds() {
        let feed = FeedConfig {
            rate: 1000,
            ramp: HumanDuration::from_secs(10),
            ramp_from: 0.1,
            ..FeedConfig::default()
        };
        assert_eq!(feed.rate_after(std::time::Duration::ZERO), 100);
        assert_eq!(feed.rate_after(std::time::Duration::from_secs(5)), 550);
        assert_eq!(feed.rate_after(std::time::Duration::from_secs(10)), 1000);
        assert_eq!(feed.rate_after(std::time::Duration::from_secs(60)), 1000);
        let flat = FeedConfig { ramp: HumanDuration::from_secs(0), ..feed };
        assert_eq!(flat.rate_after(std::time::Duration::ZERO), 1000);
    }
}
