//! The e-learning platform's domain events, one Rust type per published contract version.
//!
//! Published versions are frozen: their JSON Schemas are golden files under
//! `catalog/events/<type>/v<N>.schema.json`, and a change to a type that alters its schema
//! fails the golden test. A new version is a new type with an explicit `From<old>` upgrade.

mod commerce;
mod common;
mod enrollment;
mod user;

pub use commerce::{BundlePurchasedV1, PartnerAttributedV1, PaymentCapturedV1};
pub use common::{Address, BundleRef, EnrollmentStatus, Money, PaymentMethod, UserStatus};
pub use enrollment::{
    EnrollmentCreatedV1, EnrollmentCreatedV2, EnrollmentExpiredV1, EnrollmentRefundedV1, EnrollmentUpdatedV1,
};
pub use user::{DeactivationReason, UserDeactivatedV1, UserMigratedV1, UserUpdatedV1};

use schemars::JsonSchema;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::names::{ContractVersion, EventRef, EventType};

/// One published version of one event contract, as a Rust type.
pub trait DomainEvent: Serialize + DeserializeOwned + JsonSchema {
    const EVENT_TYPE: &'static str;
    const VERSION: u32;

    fn event_ref() -> EventRef {
        EventRef::new(
            EventType::parse(Self::EVENT_TYPE).expect("shipped event types are valid"),
            ContractVersion::new(Self::VERSION).expect("shipped versions are positive"),
        )
    }
}

/// The JSON Schema (draft 2020-12) of one event contract version, with its `$id` and title.
pub fn schema_of<E: DomainEvent>() -> Value {
    let mut schema = schemars::schema_for!(E).to_value();
    let event_ref = E::event_ref();
    if let Value::Object(map) = &mut schema {
        map.insert("$id".into(), Value::String(crate::envelope::dataschema_uri(&event_ref)));
        map.insert("title".into(), Value::String(event_ref.to_string()));
    }
    schema
}

/// Every event contract version the e-learning platform publishes, with its schema.
pub fn shipped_event_schemas() -> Vec<(EventRef, Value)> {
    fn entry<E: DomainEvent>() -> (EventRef, Value) {
        (E::event_ref(), schema_of::<E>())
    }
    vec![
        entry::<UserMigratedV1>(),
        entry::<UserUpdatedV1>(),
        entry::<UserDeactivatedV1>(),
        entry::<EnrollmentCreatedV1>(),
        entry::<EnrollmentCreatedV2>(),
        entry::<EnrollmentUpdatedV1>(),
        entry::<EnrollmentExpiredV1>(),
        entry::<EnrollmentRefundedV1>(),
        entry::<BundlePurchasedV1>(),
        entry::<PaymentCapturedV1>(),
        entry::<PartnerAttributedV1>(),
    ]
}
