//! Enrollment events: `enrollment.created` (v1 and v2), `enrollment.updated`,
//! `enrollment.expired`, `enrollment.refunded`.

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::DomainEvent;
use super::common::{BundleRef, EnrollmentStatus, Money, PaymentMethod};

/// `enrollment.created` v1 (frozen): a learner was enrolled in one course.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EnrollmentCreatedV1 {
    #[schemars(length(min = 1, max = 64))]
    pub enrollment_id: String,
    #[schemars(length(min = 1, max = 64))]
    pub user_id: String,
    /// The learner's legacy customer id, for migrated enrollments.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 64))]
    pub legacy_user_id: Option<String>,
    /// The course's code in the catalog; unknown codes from legacy data arrive as they are.
    #[schemars(length(min = 1, max = 64))]
    pub course_code: String,
    pub status: EnrollmentStatus,
    pub enrolled_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<DateTime<Utc>>,
    pub price: Money,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_method: Option<PaymentMethod>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 64))]
    pub partner_code: Option<String>,
}

impl DomainEvent for EnrollmentCreatedV1 {
    const EVENT_TYPE: &'static str = "enrollment.created";
    const VERSION: u32 = 1;
}

/// `enrollment.created` v2: v1 plus the bundle the course was bought through and the
/// third-party provider that delivers it (e.g. `acrobatiq`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EnrollmentCreatedV2 {
    #[schemars(length(min = 1, max = 64))]
    pub enrollment_id: String,
    #[schemars(length(min = 1, max = 64))]
    pub user_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 64))]
    pub legacy_user_id: Option<String>,
    #[schemars(length(min = 1, max = 64))]
    pub course_code: String,
    pub status: EnrollmentStatus,
    pub enrolled_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<DateTime<Utc>>,
    pub price: Money,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_method: Option<PaymentMethod>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 64))]
    pub partner_code: Option<String>,
    /// Present when the course was bought as part of a bundle.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bundle: Option<BundleRef>,
    /// Lowercase slug of the third-party course provider (`acrobatiq`, ...); absent when the
    /// platform delivers the course itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^[a-z][a-z0-9_-]{0,63}$"))]
    pub course_provider: Option<String>,
}

impl DomainEvent for EnrollmentCreatedV2 {
    const EVENT_TYPE: &'static str = "enrollment.created";
    const VERSION: u32 = 2;
}

/// The upgrade from v1 to v2. Defaults chosen, because v1 producers never knew these facts:
/// `bundle` is absent (v1 enrollments were bought course by course) and `course_provider` is
/// absent (the platform delivered every v1 course itself). All v1 fields carry over unchanged.
impl From<EnrollmentCreatedV1> for EnrollmentCreatedV2 {
    fn from(v1: EnrollmentCreatedV1) -> Self {
        Self {
            enrollment_id: v1.enrollment_id,
            user_id: v1.user_id,
            legacy_user_id: v1.legacy_user_id,
            course_code: v1.course_code,
            status: v1.status,
            enrolled_at: v1.enrolled_at,
            expires_at: v1.expires_at,
            price: v1.price,
            payment_method: v1.payment_method,
            partner_code: v1.partner_code,
            bundle: None,
            course_provider: None,
        }
    }
}

/// `enrollment.updated` v1: fields of an enrollment changed; absent fields are unchanged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EnrollmentUpdatedV1 {
    #[schemars(length(min = 1, max = 64))]
    pub enrollment_id: String,
    #[schemars(length(min = 1, max = 64))]
    pub user_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<EnrollmentStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 64))]
    pub course_code: Option<String>,
    pub updated_at: DateTime<Utc>,
}

impl DomainEvent for EnrollmentUpdatedV1 {
    const EVENT_TYPE: &'static str = "enrollment.updated";
    const VERSION: u32 = 1;
}

/// `enrollment.expired` v1: the learner's access to a course ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EnrollmentExpiredV1 {
    #[schemars(length(min = 1, max = 64))]
    pub enrollment_id: String,
    #[schemars(length(min = 1, max = 64))]
    pub user_id: String,
    pub expired_at: DateTime<Utc>,
}

impl DomainEvent for EnrollmentExpiredV1 {
    const EVENT_TYPE: &'static str = "enrollment.expired";
    const VERSION: u32 = 1;
}

/// `enrollment.refunded` v1: an enrollment was refunded (fully or partly).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EnrollmentRefundedV1 {
    #[schemars(length(min = 1, max = 64))]
    pub enrollment_id: String,
    #[schemars(length(min = 1, max = 64))]
    pub user_id: String,
    pub refunded_at: DateTime<Utc>,
    pub amount: Money,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 255))]
    pub reason: Option<String>,
}

impl DomainEvent for EnrollmentRefundedV1 {
    const EVENT_TYPE: &'static str = "enrollment.refunded";
    const VERSION: u32 = 1;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::EnrollmentStatus;

    #[test]
    fn the_v1_to_v2_upgrade_keeps_every_field_and_chooses_the_documented_defaults() {
        let v1 = EnrollmentCreatedV1 {
            enrollment_id: "e-1".into(),
            user_id: "u-1".into(),
            legacy_user_id: Some("100".into()),
            course_code: "PY-101".into(),
            status: EnrollmentStatus::Expired,
            enrolled_at: "2025-09-01T08:00:00Z".parse().unwrap(),
            expires_at: None,
            price: Money { amount: "10.00".into(), currency: "EUR".into() },
            payment_method: Some(PaymentMethod::Wallet),
            partner_code: Some("ACME".into()),
        };
        let v2 = EnrollmentCreatedV2::from(v1.clone());
        assert_eq!((v2.bundle.clone(), v2.course_provider.clone()), (None, None));
        // Every v1 field carries over: the v2 JSON minus the new fields is the v1 JSON.
        let mut as_v1 = serde_json::to_value(&v2).unwrap();
        as_v1.as_object_mut().unwrap().retain(|key, _| key != "bundle" && key != "course_provider");
        assert_eq!(as_v1, serde_json::to_value(&v1).unwrap());
    }
}
