//! OpenAPI schemas of the ledger's vocabulary (delivery states, attempt outcomes), built from
//! the code's own lists so the document cannot drift from what the API sends.

use std::borrow::Cow;

use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::{PartialSchema, ToSchema};

use crate::store::{DeliveryState, OutcomeKind};

/// Every attempt outcome, in the order the ledger's `CHECK` lists them.
pub(super) const OUTCOMES: [OutcomeKind; 4] =
    [OutcomeKind::Delivered, OutcomeKind::Retry, OutcomeKind::Rejected, OutcomeKind::DeadLettered];

/// The schema of a [`DeliveryState`] as the API writes it.
#[derive(Debug)]
pub struct DeliveryStateSchema;

impl PartialSchema for DeliveryStateSchema {
    fn schema() -> RefOr<Schema> {
        string_enum(DeliveryState::ALL.map(DeliveryState::as_str), "Where a delivery stands.")
    }
}

impl ToSchema for DeliveryStateSchema {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("DeliveryState")
    }
}

/// The schema of an [`OutcomeKind`] as the API writes it.
#[derive(Debug)]
pub struct OutcomeKindSchema;

impl PartialSchema for OutcomeKindSchema {
    fn schema() -> RefOr<Schema> {
        string_enum(OUTCOMES.map(OutcomeKind::as_str), "What one delivery attempt ended in.")
    }
}

impl ToSchema for OutcomeKindSchema {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("OutcomeKind")
    }
}

fn string_enum<const N: usize>(values: [&'static str; N], description: &str) -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(values))
        .description(Some(description))
        .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Fails to compile when an outcome is added without being listed in `OUTCOMES`.
    fn listed(kind: OutcomeKind) -> bool {
        match kind {
            OutcomeKind::Delivered
            | OutcomeKind::Retry
            | OutcomeKind::Rejected
            | OutcomeKind::DeadLettered => OUTCOMES.contains(&kind),
        }
    }

    #[test]
    fn every_outcome_is_listed_once_and_serializes_as_its_name() {
        for kind in OUTCOMES {
            assert!(listed(kind));
            assert_eq!(OutcomeKind::parse(kind.as_str()), Some(kind));
            assert_eq!(serde_json::to_value(kind).unwrap(), kind.as_str());
        }
        for state in DeliveryState::ALL {
            assert_eq!(serde_json::to_value(state).unwrap(), state.as_str());
        }
    }
}
