//! Commerce events: `bundle.purchased`, `payment.captured`, `partner.attributed`.

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::DomainEvent;
use super::common::{Money, PaymentMethod};

/// `bundle.purchased` v1: a learner bought a bundle of courses in one order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BundlePurchasedV1 {
    #[schemars(length(min = 1, max = 64))]
    pub purchase_id: String,
    #[schemars(length(min = 1, max = 64))]
    pub user_id: String,
    #[schemars(length(min = 1, max = 64))]
    pub bundle_code: String,
    /// The courses the bundle grants, each becoming its own enrollment.
    #[schemars(length(min = 1, max = 500))]
    pub course_codes: Vec<String>,
    pub price: Money,
    pub payment_method: PaymentMethod,
    pub purchased_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 64))]
    pub partner_code: Option<String>,
}

impl DomainEvent for BundlePurchasedV1 {
    const EVENT_TYPE: &'static str = "bundle.purchased";
    const VERSION: u32 = 1;
}

/// `payment.captured` v1: money was taken (card, PayPal, Apple Pay, Google Pay or wallet).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PaymentCapturedV1 {
    #[schemars(length(min = 1, max = 64))]
    pub payment_id: String,
    #[schemars(length(min = 1, max = 64))]
    pub user_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 64))]
    pub legacy_user_id: Option<String>,
    pub amount: Money,
    pub method: PaymentMethod,
    pub captured_at: DateTime<Utc>,
    /// The order or invoice the payment settles.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 64))]
    pub order_ref: Option<String>,
    /// The enrollments this payment paid for.
    #[serde(default)]
    pub enrollment_ids: Vec<String>,
}

impl DomainEvent for PaymentCapturedV1 {
    const EVENT_TYPE: &'static str = "payment.captured";
    const VERSION: u32 = 1;
}

/// `partner.attributed` v1: an account was attributed to a partner (affiliate, employer).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PartnerAttributedV1 {
    #[schemars(length(min = 1, max = 64))]
    pub user_id: String,
    #[schemars(length(min = 1, max = 64))]
    pub partner_code: String,
    pub attributed_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 128))]
    pub campaign: Option<String>,
}

impl DomainEvent for PartnerAttributedV1 {
    const EVENT_TYPE: &'static str = "partner.attributed";
    const VERSION: u32 = 1;
}
