//! Account events: `user.migrated`, `user.updated`, `user.deactivated`.

use chrono::{DateTime, NaiveDate, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::DomainEvent;
use super::common::{Address, UserStatus};

/// `user.migrated` v1: a legacy account has been moved to the new platform.
///
/// Legacy data is carried as it was found: names may be missing or longer than downstream
/// systems allow, emails may be mixed-case or invalid, MySQL zero dates arrive as absent.
/// Downstream limits are the target contracts' business, not this contract's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UserMigratedV1 {
    /// The legacy platform's customer id (Magento `entity_id`), stable across waves.
    #[schemars(length(min = 1, max = 64))]
    pub legacy_id: String,
    /// The account's id on the new platform.
    #[schemars(length(min = 1, max = 64))]
    pub user_id: String,
    /// As the legacy platform stored it; absent for GDPR-erased accounts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 320))]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    pub status: UserStatus,
    /// When the legacy account was created; absent when the legacy row held a zero date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_login_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_of_birth: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<Address>,
    /// The partner (affiliate, employer, school) the account came through, as coded in legacy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 64))]
    pub partner_code: Option<String>,
    /// The Magento website code the account belonged to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 64))]
    pub website: Option<String>,
}

impl DomainEvent for UserMigratedV1 {
    const EVENT_TYPE: &'static str = "user.migrated";
    const VERSION: u32 = 1;
}

/// `user.updated` v1: profile fields changed on the new platform. Only changed fields are
/// present; an absent field means "unchanged".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UserUpdatedV1 {
    #[schemars(length(min = 1, max = 64))]
    pub user_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 64))]
    pub legacy_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 320))]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<Address>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<UserStatus>,
    pub updated_at: DateTime<Utc>,
}

impl DomainEvent for UserUpdatedV1 {
    const EVENT_TYPE: &'static str = "user.updated";
    const VERSION: u32 = 1;
}

/// Why an account was closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeactivationReason {
    UserRequest,
    /// Right to erasure: downstream systems must drop personal data, not just flag the account.
    GdprErasure,
    /// Merged into another account (`merged_into`).
    Merged,
    Inactivity,
    Fraud,
}

/// `user.deactivated` v1: an account was closed on the new platform.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UserDeactivatedV1 {
    #[schemars(length(min = 1, max = 64))]
    pub user_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 64))]
    pub legacy_id: Option<String>,
    pub reason: DeactivationReason,
    /// The surviving account's `user_id` when `reason` is `merged`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merged_into: Option<String>,
    pub deactivated_at: DateTime<Utc>,
}

impl DomainEvent for UserDeactivatedV1 {
    const EVENT_TYPE: &'static str = "user.deactivated";
    const VERSION: u32 = 1;
}
