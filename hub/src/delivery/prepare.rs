//! Turning a claimed delivery into the record its system receives, through the mapping the
//! ledger names. A delivery whose mapping is gone or fails is refused here, with the reason,
//! before anything is sent.

use serde_json::{Map, Value, json};
use switchyard_adapters::DeliveryItem;
use switchyard_contracts::mapping::MappingOutcome;

use super::lane::SystemLane;
use crate::config::AdapterKind;
use crate::store::ClaimedDelivery;

/// A claimed delivery, ready to send or refused.
#[derive(Debug, Clone, PartialEq)]
pub enum Prepared {
    Send(DeliveryItem),
    /// Cannot be sent as it is: a permanent failure with a stable code. The reason may quote
    /// event data (jq errors do): it goes to the ledger, never to logs.
    Refused {
        code: &'static str,
        reason: String,
    },
    /// This hub does not route the delivery's mapping (another hub on the same database may,
    /// e.g. during a rolling upgrade): retried on the schedule, and dead-lettered, redrivable,
    /// if it never becomes routable.
    Unroutable {
        reason: String,
    },
}

/// The CloudEvents attributes a mapping sees as `$event` (the ledger keeps no `subject`).
pub fn event_attributes(claimed: &ClaimedDelivery) -> Value {
    let mut attributes = Map::new();
    attributes.insert("id".into(), claimed.event_id.clone().into());
    attributes.insert("source".into(), claimed.source.clone().into());
    attributes.insert("type".into(), claimed.event_type.clone().into());
    attributes.insert("version".into(), claimed.version.into());
    if let Some(time) = claimed.time {
        attributes.insert("time".into(), time.to_rfc3339().into());
    }
    Value::Object(attributes)
}

/// [`prepare`], with a panic (a bug in a mapping function) turned into a refusal of that one
/// delivery instead of a crash that would retry the whole batch forever.
pub fn prepare_guarded(lane: &SystemLane, claimed: &ClaimedDelivery) -> Prepared {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| prepare(lane, claimed))).unwrap_or_else(|_| {
        tracing::error!(delivery_id = %claimed.delivery_id, mapping = %claimed.mapping, "the mapping panicked");
        Prepared::Refused { code: "mapping.panic", reason: "the mapping failed unexpectedly (see the hub's log)".into() }
    })
}

pub fn prepare(lane: &SystemLane, claimed: &ClaimedDelivery) -> Prepared {
    let Some(mapping) = lane.mappings.get(&claimed.mapping) else {
        return Prepared::Unroutable {
            reason: format!("mapping `{}` is not routed to {} by this hub", claimed.mapping, lane.system),
        };
    };
    match mapping.apply(&claimed.data, &event_attributes(claimed)) {
        Ok(MappingOutcome::Record(mut record)) => {
            if lane.kind == AdapterKind::Salesforce {
                // The sObject the record is for: the mapping's target contract is named after
                // it. Salesforce reads `attributes.type` in every Collections record.
                record.insert("attributes".into(), json!({"type": mapping.spec().target.object.to_string()}));
            }
            Prepared::Send(DeliveryItem {
                delivery_id: claimed.delivery_id.clone(),
                event_id: claimed.event_id.clone(),
                record,
                attempt: u32::try_from(claimed.attempts + 1).unwrap_or(u32::MAX),
            })
        }
        // Ingest only creates deliveries whose mapping includes the event, so this is an event
        // recorded before the mapping's `when` changed.
        Ok(MappingOutcome::Skipped) => Prepared::Refused {
            code: "mapping.skipped",
            reason: format!("mapping `{}` now skips this event (its `when` is false)", claimed.mapping),
        },
        Err(error) => {
            tracing::warn!(
                delivery_id = %claimed.delivery_id,
                mapping = %error.mapping,
                place = %error.place,
                "mapping failed; the delivery is rejected"
            );
            Prepared::Refused { code: "mapping.error", reason: error.to_string() }
        }
    }
}
