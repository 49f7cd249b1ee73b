//! Value types shared by the e-learning platform's domain events.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The state of a learner account, as the legacy platform and the new one both know it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum UserStatus {
    /// Logged in or bought something recently.
    Active,
    /// No activity for a long time, but the account is open.
    Inactive,
    /// The account's access has lapsed (e.g. every enrollment expired).
    Expired,
}

/// The state of one enrollment in a course or bundle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum EnrollmentStatus {
    Active,
    Expired,
    Refunded,
}

/// How a learner paid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PaymentMethod {
    Card,
    Paypal,
    ApplePay,
    GooglePay,
    /// Store credit held in the legacy platform's wallet.
    Wallet,
}

/// An amount of money: a decimal string (never a float) and an ISO 4217 currency code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Money {
    /// Decimal amount without leading zeros, up to 4 fraction digits, e.g. `"49.00"`; `"0.00"`
    /// for free courses.
    #[schemars(regex(pattern = r"^-?(0|[1-9][0-9]{0,11})(\.[0-9]{1,4})?$"))]
    pub amount: String,
    /// ISO 4217 code, e.g. `USD`, `EUR`.
    #[schemars(regex(pattern = r"^[A-Z]{3}$"))]
    pub currency: String,
}

/// A postal address as the legacy platform stored it. Nothing here is normalised: US states
/// may be free text, and the street may span several lines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Address {
    /// Street lines, in order (Magento stores them newline-separated in one column).
    #[schemars(length(max = 4))]
    pub street: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// Region or state, as entered (free text on old accounts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postcode: Option<String>,
    /// ISO 3166-1 alpha-2 country code; absent when the legacy account had none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^[A-Z]{2}$"))]
    pub country_code: Option<String>,
}

/// A course bundle an enrollment was bought through.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BundleRef {
    #[schemars(length(min = 1, max = 64))]
    pub bundle_code: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bundle_name: Option<String>,
}
