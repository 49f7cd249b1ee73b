//! `[systems.<id>.verification]`: reading delivered records back to check the catalog's
//! expectations (the CRM flows really ran), and how patiently.

use serde::Deserialize;

use super::duration::HumanDuration;

/// How one system's deliveries are verified. Only systems whose catalog has expectations and
/// whose adapter can read back (Salesforce) are verified.
///
/// ```toml
/// [systems.salesforce.verification]
/// enabled = true
/// delay = "5s"          # first read-back this long after delivery (flows need a moment)
/// recheck = "5s"        # then every `recheck` until the expectation's `within_seconds`
/// batch_size = 200      # deliveries read back per step (one SOQL query per object and 200 ids)
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct VerificationConfig {
    pub enabled: bool,
    pub delay: HumanDuration,
    pub recheck: HumanDuration,
    pub batch_size: u32,
}

impl Default for VerificationConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            delay: HumanDuration::from_secs(5),
            recheck: HumanDuration::from_secs(5),
            batch_size: 200,
        }
    }
}

impl VerificationConfig {
    /// The rules: a batch of 1 to 10,000, a recheck of at least 100 ms (a read-back costs API
    /// calls).
    pub fn validate(&self) -> Result<(), String> {
        if !(1..=10_000).contains(&self.batch_size) {
            return Err(format!("batch_size must be 1 to 10000, got {}", self.batch_size));
        }
        if self.recheck.get() < std::time::Duration::from_millis(100) {
            return Err("recheck must be at least 100ms".to_owned());
        }
        Ok(())
    }
}
