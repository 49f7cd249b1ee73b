//! `[systems.<id>]`: one downstream system's adapter settings and its delivery and circuit
//! overrides.

use serde::Deserialize;
use switchyard_adapters::salesforce::SalesforceConfig;
use switchyard_adapters::webhook::WebhookConfig;

use super::delivery::{CircuitOverrides, DeliveryOverrides};
use super::verification::VerificationConfig;

/// The adapter kinds the hub knows, as named by the map's `switchyard.io/adapter`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum AdapterKind {
    Salesforce,
    Webhook,
}

impl AdapterKind {
    /// The kind named `name` (as on the map), if the hub knows it.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "salesforce" => Some(AdapterKind::Salesforce),
            "webhook" => Some(AdapterKind::Webhook),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            AdapterKind::Salesforce => "salesforce",
            AdapterKind::Webhook => "webhook",
        }
    }
}

/// One system's settings.
///
/// ```toml
/// [systems.lms]
/// adapter = "webhook"
/// webhook = { url = "https://lms.example.com/hooks", secrets = ["whsec_..."] }
/// # or, for a Salesforce org: [systems.salesforce.salesforce] token_url = ..., client_id = ...
/// delivery = { batch_size = 50 }
/// circuit = { open_for = "1m" }
/// ```
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SystemConfig {
    /// The adapter kind. Optional: the map's `switchyard.io/adapter` decides; when given it
    /// must agree with the map.
    pub adapter: Option<AdapterKind>,
    /// Webhook adapter settings (see `adapters/README.md`); only with the `webhook` adapter.
    /// Without them the system is routed but its deliveries wait.
    pub webhook: Option<WebhookConfig>,
    /// Salesforce adapter settings (see `adapters/README.md`); only with the `salesforce`
    /// adapter. Without them the system is routed but its deliveries wait.
    pub salesforce: Option<SalesforceConfig>,
    /// Overrides of `[delivery]`.
    pub delivery: DeliveryOverrides,
    /// Overrides of `[circuit]`.
    pub circuit: CircuitOverrides,
    /// Reading delivered records back against the catalog's expectations.
    pub verification: VerificationConfig,
}
