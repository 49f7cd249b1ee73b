//! The auto-pause rules, in the spirit of progressive-delivery analysis (Argo Rollouts,
//! Flagger): what one system looks like to a running wave, and the first rule it breaks.
//! Evaluating is pure; the driver gathers the observation (from the ledger and from this
//! hub's workers) and pauses the wave.

use chrono::{DateTime, Utc};
use serde::Serialize;
use switchyard_adapters::ApiUsage;

use crate::config::AutoPauseConfig;

/// The rules by name, as recorded when one fires and as named in `[waves.auto_pause]`.
pub const RULES: [&str; 5] =
    ["failure-rate", "silent-failures", "dead-letters", "api-budget", "circuit-open"];

/// One system, as seen by a running wave at one moment.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SystemObservation {
    pub system: String,
    /// Attempts this hub's workers recorded for the system within the failure window, and how
    /// many of them failed (retry, rejected, dead-lettered).
    pub window_attempts: u64,
    pub window_failures: u64,
    /// The wave's silent failures and dead letters at this system now, and when the wave last
    /// started or resumed.
    pub silent_failures: i64,
    pub silent_failures_before: i64,
    pub dead_letters: i64,
    pub dead_letters_before: i64,
    /// The system's API allowance as its adapter last reported it.
    pub api_usage: Option<ApiUsage>,
    /// Since when the system's circuit has not been closed, if it is not.
    pub circuit_not_closed_since: Option<DateTime<Utc>>,
}

/// A rule that fired: which, at which system, and the evidence.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Firing {
    pub rule: &'static str,
    pub system: String,
    /// What was seen against the threshold, in words.
    pub evidence: String,
    pub observed: f64,
    pub threshold: f64,
}

impl SystemObservation {
    /// The share of the API allowance left: the lower of the hub's own budget and the whole
    /// org's allowance, when the adapter knows them.
    pub fn budget_left(&self) -> Option<f64> {
        let usage = self.api_usage?;
        let own = usage
            .own_budget
            .filter(|budget| *budget > 0)
            .map(|budget| budget.saturating_sub(usage.own_calls) as f64 / budget as f64);
        let org = match (usage.org_used, usage.org_limit) {
            (Some(used), Some(limit)) if limit > 0 => Some(limit.saturating_sub(used) as f64 / limit as f64),
            _ => None,
        };
        match (own, org) {
            (Some(own), Some(org)) => Some(own.min(org)),
            (left, None) | (None, left) => left,
        }
    }
}

/// The first rule `seen` breaks at `now`, in the order of [`RULES`].
pub fn first_firing(rules: &AutoPauseConfig, seen: &SystemObservation, now: DateTime<Utc>) -> Option<Firing> {
    let fire = |rule, evidence: String, observed: f64, threshold: f64| Firing {
        rule,
        system: seen.system.clone(),
        evidence,
        observed,
        threshold,
    };
    if seen.window_attempts >= rules.failure_min_attempts.max(1) && rules.failure_rate < 1.0 {
        let rate = seen.window_failures as f64 / seen.window_attempts as f64;
        if rate > rules.failure_rate {
            return Some(fire(
                "failure-rate",
                format!(
                    "{} of the last {} attempts failed ({:.0}%) within {}, above {:.0}%",
                    seen.window_failures,
                    seen.window_attempts,
                    rate * 100.0,
                    rules.failure_window,
                    rules.failure_rate * 100.0
                ),
                rate,
                rules.failure_rate,
            ));
        }
    }
    let new_silent = seen.silent_failures - seen.silent_failures_before;
    if new_silent > 0 && new_silent as u64 > rules.silent_failures {
        return Some(fire(
            "silent-failures",
            format!(
                "{new_silent} delivered record(s) failed verification (a silent failure), more than {}",
                rules.silent_failures
            ),
            new_silent as f64,
            rules.silent_failures as f64,
        ));
    }
    let new_dead = seen.dead_letters - seen.dead_letters_before;
    if new_dead > 0 && new_dead as u64 > rules.dead_letters {
        return Some(fire(
            "dead-letters",
            format!("{new_dead} delivery(ies) dead-lettered, more than {}", rules.dead_letters),
            new_dead as f64,
            rules.dead_letters as f64,
        ));
    }
    if let Some(left) = seen.budget_left()
        && rules.budget_floor > 0.0
        && left < rules.budget_floor
    {
        return Some(fire(
            "api-budget",
            format!(
                "{:.1}% of the API budget left, below the floor of {:.1}%",
                left * 100.0,
                rules.budget_floor * 100.0
            ),
            left,
            rules.budget_floor,
        ));
    }
    if let Some(since) = seen.circuit_not_closed_since {
        let open_for = (now - since).to_std().unwrap_or_default();
        if open_for > rules.circuit_open_for.get() {
            return Some(fire(
                "circuit-open",
                format!(
                    "the circuit has not been closed since {} ({} s), longer than {}",
                    since.to_rfc3339(),
                    open_for.as_secs(),
                    rules.circuit_open_for
                ),
                open_for.as_secs_f64(),
                rules.circuit_open_for.get().as_secs_f64(),
            ));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::HumanDuration;

    fn healthy() -> SystemObservation {
        SystemObservation {
            system: "salesforce".into(),
            window_attempts: 400,
            window_failures: 4,
            ..Default::default()
        }
    }

    #[test]
    fn a_healthy_system_breaks_no_rule() {
        assert_eq!(first_firing(&AutoPauseConfig::default(), &healthy(), Utc::now()), None);
    }

    #[test]
    fn the_failure_rate_needs_enough_attempts_in_the_window() {
        let rules = AutoPauseConfig::default();
        let few = SystemObservation { window_attempts: 10, window_failures: 10, ..healthy() };
        assert_eq!(first_firing(&rules, &few, Utc::now()), None);
        let many = SystemObservation { window_attempts: 100, window_failures: 30, ..healthy() };
        let firing = first_firing(&rules, &many, Utc::now()).expect("30% failed");
        assert_eq!(firing.rule, "failure-rate");
        assert!(firing.evidence.contains("30 of the last 100"), "{}", firing.evidence);
    }

    #[test]
    fn only_new_silent_failures_and_dead_letters_count() {
        let rules = AutoPauseConfig { silent_failures: 2, ..AutoPauseConfig::default() };
        let before = SystemObservation { silent_failures: 7, silent_failures_before: 5, ..healthy() };
        assert_eq!(first_firing(&rules, &before, Utc::now()), None, "2 new is not more than 2");
        let three = SystemObservation { silent_failures: 8, ..before };
        assert_eq!(first_firing(&rules, &three, Utc::now()).map(|f| f.rule), Some("silent-failures"));
        let dead = SystemObservation { dead_letters: 4, dead_letters_before: 3, ..healthy() };
        assert_eq!(first_firing(&rules, &dead, Utc::now()).map(|f| f.rule), Some("dead-letters"));
    }

    #[test]
    fn the_budget_floor_takes_the_lower_of_the_hub_and_the_org() {
        let usage =
            ApiUsage { org_used: Some(980), org_limit: Some(1000), own_calls: 10, own_budget: Some(500) };
        let seen = SystemObservation { api_usage: Some(usage), ..healthy() };
        assert_eq!(seen.budget_left(), Some(0.02));
        assert_eq!(
            first_firing(&AutoPauseConfig::default(), &seen, Utc::now()).map(|f| f.rule),
            Some("api-budget")
        );
        let off = AutoPauseConfig { budget_floor: 0.0, ..AutoPauseConfig::default() };
        assert_eq!(first_firing(&off, &seen, Utc::now()), None);
    }

    #[test]
    fn a_circuit_fires_only_once_open_longer_than_allowed() {
        let rules =
            AutoPauseConfig { circuit_open_for: HumanDuration::from_secs(30), ..AutoPauseConfig::default() };
        let now = Utc::now();
        let recent = SystemObservation {
            circuit_not_closed_since: Some(now - chrono::Duration::seconds(10)),
            ..healthy()
        };
        assert_eq!(first_firing(&rules, &recent, now), None);
        let long = SystemObservation {
            circuit_not_closed_since: Some(now - chrono::Duration::seconds(31)),
            ..healthy()
        };
        assert_eq!(first_firing(&rules, &long, now).map(|f| f.rule), Some("circuit-open"));
    }
}
