//! Injected faults and latency, seeded for reproducibility: a share of data calls answered
//! 503 `SERVER_UNAVAILABLE`, timed out (the answer held longer than a client waits) or dropped
//! (the connection closed with no answer), a share of records failing `UNABLE_TO_LOCK_ROW`,
//! and a latency model (fixed + per record). All off by default; the same seed and the same
//! sequence of requests give the same faults.

use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Deserialize;

use super::wire_errors::RecordError;

/// The `[faults]` table of an org config.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultConfig {
    /// Seeds the fault generator (default 0).
    #[serde(default)]
    pub seed: u64,
    /// Share of data calls answered 503 `SERVER_UNAVAILABLE`, 0.0 to 1.0 (default 0).
    #[serde(default)]
    pub server_unavailable_rate: f64,
    /// Share of written records failing `UNABLE_TO_LOCK_ROW`, 0.0 to 1.0 (default 0).
    #[serde(default)]
    pub lock_row_rate: f64,
    /// Share of data calls whose answer is held for `timeout_hold_ms` after the call ran, so
    /// the client times out not knowing the write happened, 0.0 to 1.0 (default 0).
    #[serde(default)]
    pub timeout_rate: f64,
    /// How long a timed-out call's answer is held (default 120,000 ms: past any sane client
    /// timeout; tests set a few hundred).
    #[serde(default = "default_timeout_hold_ms")]
    pub timeout_hold_ms: u64,
    /// Share of data calls whose connection is closed without any answer (nothing is
    /// written), 0.0 to 1.0 (default 0).
    #[serde(default)]
    pub drop_connection_rate: f64,
    /// Milliseconds added to every data call (default 0).
    #[serde(default)]
    pub latency_fixed_ms: u64,
    /// Milliseconds added per record written (default 0).
    #[serde(default)]
    pub latency_per_record_ms: u64,
}

impl Default for FaultConfig {
    fn default() -> Self {
        Self {
            seed: 0,
            server_unavailable_rate: 0.0,
            lock_row_rate: 0.0,
            timeout_rate: 0.0,
            timeout_hold_ms: default_timeout_hold_ms(),
            drop_connection_rate: 0.0,
            latency_fixed_ms: 0,
            latency_per_record_ms: 0,
        }
    }
}

fn default_timeout_hold_ms() -> u64 {
    120_000
}

impl FaultConfig {
    pub fn check(&self) -> Result<(), String> {
        for (name, rate) in [
            ("faults.server_unavailable_rate", self.server_unavailable_rate),
            ("faults.lock_row_rate", self.lock_row_rate),
            ("faults.timeout_rate", self.timeout_rate),
            ("faults.drop_connection_rate", self.drop_connection_rate),
        ] {
            if !(0.0..=1.0).contains(&rate) {
                return Err(format!("{name} must be between 0 and 1"));
            }
        }
        Ok(())
    }

    /// How long a timed-out call's answer is held.
    pub fn timeout_hold(&self) -> Duration {
        Duration::from_millis(self.timeout_hold_ms)
    }

    /// The latency every data call gets.
    pub fn fixed_latency(&self) -> Duration {
        Duration::from_millis(self.latency_fixed_ms)
    }

    /// The latency a call writing `records` records gets on top of the fixed part.
    pub fn record_latency(&self, records: usize) -> Duration {
        Duration::from_millis(self.latency_per_record_ms.saturating_mul(records as u64))
    }
}

/// Draws the faults, in request order, from the seeded generator.
#[derive(Debug)]
pub struct FaultInjector {
    config: FaultConfig,
    rng: StdRng,
    /// Calls answered 503 so far.
    pub server_unavailable: u64,
    /// Records failed with `UNABLE_TO_LOCK_ROW` so far.
    pub lock_row: u64,
    /// Calls whose answer was held past the client's patience so far.
    pub timeouts: u64,
    /// Connections closed without an answer so far.
    pub dropped_connections: u64,
}

impl FaultInjector {
    pub fn new(config: &FaultConfig) -> Self {
        Self {
            config: config.clone(),
            rng: StdRng::seed_from_u64(config.seed),
            server_unavailable: 0,
            lock_row: 0,
            timeouts: 0,
            dropped_connections: 0,
        }
    }

    // A draw is only taken when the rate is set, so turning one fault on does not shift the
    // other's sequence for a given seed.
    fn draw(&mut self, rate: f64) -> bool {
        rate > 0.0 && self.rng.random_bool(rate)
    }

    /// Whether this data call is answered 503.
    pub fn server_unavailable(&mut self) -> bool {
        let hit = self.draw(self.config.server_unavailable_rate);
        self.server_unavailable += u64::from(hit);
        hit
    }

    /// Whether this data call's connection is dropped without an answer.
    pub fn drop_connection(&mut self) -> bool {
        let hit = self.draw(self.config.drop_connection_rate);
        self.dropped_connections += u64::from(hit);
        hit
    }

    /// Whether this data call's answer is held for the timeout hold.
    pub fn timeout(&mut self) -> bool {
        let hit = self.draw(self.config.timeout_rate);
        self.timeouts += u64::from(hit);
        hit
    }

    /// The lock error this record fails with, if it draws one.
    pub fn lock_row(&mut self, object: &str) -> Option<RecordError> {
        let hit = self.draw(self.config.lock_row_rate);
        self.lock_row += u64::from(hit);
        hit.then(|| {
            RecordError::new(
                "UNABLE_TO_LOCK_ROW",
                format!("unable to obtain exclusive access to this record or 1 records: {object}"),
                vec![],
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcomes(seed: u64) -> Vec<(bool, bool)> {
        let config =
            FaultConfig { seed, server_unavailable_rate: 0.3, lock_row_rate: 0.2, ..FaultConfig::default() };
        let mut faults = FaultInjector::new(&config);
        (0..50).map(|_| (faults.server_unavailable(), faults.lock_row("Contact").is_some())).collect()
    }

    #[test]
    fn the_same_seed_draws_the_same_faults() {
        assert_eq!(outcomes(7), outcomes(7));
        assert_ne!(outcomes(7), outcomes(8));
        assert!(outcomes(7).iter().any(|(unavailable, _)| *unavailable));
    }

    #[test]
    fn timeouts_and_dropped_connections_follow_the_seed_and_their_rates() {
        let draws = |seed| {
            let config = FaultConfig {
                seed,
                timeout_rate: 0.25,
                drop_connection_rate: 0.25,
                ..FaultConfig::default()
            };
            let mut faults = FaultInjector::new(&config);
            (0..40).map(|_| (faults.drop_connection(), faults.timeout())).collect::<Vec<_>>()
        };
        assert_eq!(draws(3), draws(3));
        assert!(draws(3).iter().any(|(dropped, _)| *dropped) && draws(3).iter().any(|(_, held)| *held));
        let mut none = FaultInjector::new(&FaultConfig::default());
        assert!((0..100).all(|_| !none.drop_connection() && !none.timeout()));
        assert!(FaultConfig { timeout_rate: -0.1, ..FaultConfig::default() }.check().is_err());
    }

    #[test]
    fn no_faults_and_no_latency_by_default() {
        let mut faults = FaultInjector::new(&FaultConfig::default());
        assert!((0..100).all(|_| !faults.server_unavailable() && faults.lock_row("Contact").is_none()));
        assert_eq!(
            FaultConfig::default().fixed_latency() + FaultConfig::default().record_latency(200),
            Duration::ZERO
        );
        let slow = FaultConfig { latency_fixed_ms: 20, latency_per_record_ms: 2, ..FaultConfig::default() };
        assert_eq!(slow.fixed_latency() + slow.record_latency(10), Duration::from_millis(40));
        assert!(FaultConfig { lock_row_rate: 1.5, ..FaultConfig::default() }.check().is_err());
    }
}
