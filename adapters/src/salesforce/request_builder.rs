//! Turns a batch into sObject Collections upserts: records grouped by object, at most 200
//! per call, each tagged with its `attributes.type`; items that cannot be sent get their
//! outcome here, without a call.

use serde_json::{Map, Value, json};

use crate::adapter::DeliveryItem;
use crate::outcome::{DeliveryOutcome, RejectCode};
use crate::salesforce::config::{MAX_COLLECTION_RECORDS, ObjectTarget};

/// How long an item waits when an earlier item of its batch upserts the same record.
pub const SAME_RECORD_DEFER: std::time::Duration = std::time::Duration::from_secs(1);

/// One Collections upsert: `PATCH .../composite/sobjects/{object}/{external_id_field}`.
#[derive(Debug, Clone, PartialEq)]
pub struct CollectionCall {
    /// The object's position among the configured objects: calls of a lower rank finish
    /// before calls of a higher rank start, so parents exist when children look them up.
    pub rank: usize,
    pub object: String,
    pub external_id_field: String,
    /// Indexes into the batch, in the order of `records`.
    pub items: Vec<usize>,
    /// The records as sent (with `attributes.type`), in the order of `items`.
    pub records: Vec<Map<String, Value>>,
}

impl CollectionCall {
    /// The request body: `allOrNone: false`, so one bad record never fails the others.
    /// Serialized from the records in place: `json!` would first copy every record into a
    /// `Value` (a third deep copy of each record on the delivery path, measured).
    pub fn body(&self) -> Result<Vec<u8>, serde_json::Error> {
        #[derive(serde::Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Body<'a> {
            all_or_none: bool,
            records: &'a [Map<String, Value>],
        }
        serde_json::to_vec(&Body { all_or_none: false, records: &self.records })
    }
}

/// The calls to make, and the outcomes of items that are not sent.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DeliveryPlan {
    pub calls: Vec<CollectionCall>,
    /// (batch index, outcome) for items settled without a call.
    pub settled: Vec<(usize, DeliveryOutcome)>,
}

/// A record ready to send, with its index in the batch.
type Tagged = (usize, Map<String, Value>);

/// Groups `batch` by object (the item's `record.attributes.type`, or the first configured
/// object), in the order the objects are configured (parents first: a Contact before the
/// Enrollment__c that looks it up), and splits each group into calls of at most 200. Each
/// call's [`CollectionCall::rank`] is its object's position in that order.
///
/// An item whose external id equals an earlier item's (same object) is deferred, not sent:
/// Salesforce fails every record of a request that repeats an external id, and two calls in
/// flight at once could apply the writes out of order.
pub fn plan(batch: &[DeliveryItem], objects: &[ObjectTarget]) -> DeliveryPlan {
    let mut plan = DeliveryPlan::default();
    let mut groups: Vec<(usize, Vec<Tagged>)> = Vec::new();
    let mut seen: std::collections::HashSet<(usize, String)> = std::collections::HashSet::new();
    for (index, item) in batch.iter().enumerate() {
        let (target_index, record) = match prepare(item, objects) {
            Ok(prepared) => prepared,
            Err(outcome) => {
                plan.settled.push((index, outcome));
                continue;
            }
        };
        let target = &objects[target_index];
        let key = external_id_key(&record, &target.external_id_field);
        let Some(key) = key else {
            plan.settled.push((
                index,
                DeliveryOutcome::rejected(
                    RejectCode::Encoding,
                    format!("record has no value for the external id field {}", target.external_id_field),
                ),
            ));
            continue;
        };
        if !seen.insert((target_index, key)) {
            plan.settled.push((
                index,
                DeliveryOutcome::deferred(
                    SAME_RECORD_DEFER,
                    "an earlier item of this batch upserts the same record; held back to keep the writes in order",
                ),
            ));
            continue;
        }
        match groups.iter_mut().find(|(t, _)| *t == target_index) {
            Some((_, records)) => records.push((index, record)),
            None => groups.push((target_index, vec![(index, record)])),
        }
    }
    groups.sort_by_key(|(target_index, _)| *target_index);
    for (target_index, records) in groups {
        let target = &objects[target_index];
        // The records move into their calls: each is copied once, by `prepare`.
        let mut records = records.into_iter().peekable();
        while records.peek().is_some() {
            let (items, call_records): (Vec<usize>, Vec<_>) =
                records.by_ref().take(MAX_COLLECTION_RECORDS).unzip();
            plan.calls.push(CollectionCall {
                rank: target_index,
                object: target.object.clone(),
                external_id_field: target.external_id_field.clone(),
                items,
                records: call_records,
            });
        }
    }
    plan
}

/// The item's target and its record tagged with `attributes.type`.
fn prepare(
    item: &DeliveryItem,
    objects: &[ObjectTarget],
) -> Result<(usize, Map<String, Value>), DeliveryOutcome> {
    let named = item.record.get("attributes").and_then(|attributes| attributes.get("type"));
    let target_index = match named {
        None => 0,
        Some(Value::String(name)) => {
            objects.iter().position(|target| target.object.eq_ignore_ascii_case(name)).ok_or_else(|| {
                let shown = if crate::salesforce::config::is_api_name(name) {
                    name.as_str()
                } else {
                    "(invalid name)"
                };
                DeliveryOutcome::rejected(
                    RejectCode::Encoding,
                    format!("object {shown} is not configured for this Salesforce system"),
                )
            })?
        }
        Some(_) => {
            return Err(DeliveryOutcome::rejected(
                RejectCode::Encoding,
                "record attributes.type must be a string",
            ));
        }
    };
    let mut record = relationships_by_name(&item.record);
    record.insert("attributes".into(), json!({"type": objects[target_index].object}));
    Ok((target_index, record))
}

/// A lookup written as `{"Contact__c": {"Legacy_Id__c": "…"}}` (how the catalog's mappings
/// name the lookup field) goes on the wire under its relationship name, as Salesforce requires
/// for a lookup by external id: `Contact__r` for a custom `Contact__c`, `Account` for a
/// standard `AccountId`. Plain ids stay on the field itself.
fn relationships_by_name(record: &Map<String, Value>) -> Map<String, Value> {
    record
        .iter()
        .map(|(key, value)| {
            let by_external_id =
                matches!(value, Value::Object(fields) if key != "attributes" && fields.len() == 1);
            let name = if by_external_id { relationship_name(key) } else { None };
            (name.unwrap_or_else(|| key.clone()), value.clone())
        })
        .collect()
}

fn relationship_name(field: &str) -> Option<String> {
    if let Some(stem) = field.strip_suffix("__c") {
        return Some(format!("{stem}__r"));
    }
    field.strip_suffix("Id").filter(|stem| !stem.is_empty()).map(str::to_owned)
}

/// The external id value as Salesforce compares it, when the record has a usable one.
pub(crate) fn external_id_key(record: &Map<String, Value>, field: &str) -> Option<String> {
    match record.get(field)? {
        Value::String(text) if !text.trim().is_empty() => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(index: usize, record: Value) -> DeliveryItem {
        DeliveryItem {
            delivery_id: format!("dlv-{index}"),
            event_id: format!("evt-{index}"),
            record: record.as_object().cloned().unwrap(),
            attempt: 1,
        }
    }

    fn objects() -> Vec<ObjectTarget> {
        vec![ObjectTarget::new("Contact", "Legacy_Id__c"), ObjectTarget::new("Enrollment__c", "Legacy_Id__c")]
    }

    #[test]
    fn records_are_grouped_by_object_and_tagged() {
        let batch = [
            item(0, json!({"Legacy_Id__c": "c1", "LastName": "A"})),
            item(1, json!({"attributes": {"type": "Enrollment__c"}, "Legacy_Id__c": "e1"})),
            item(2, json!({"attributes": {"type": "Contact"}, "Legacy_Id__c": "c2"})),
        ];
        let plan = plan(&batch, &objects());
        assert!(plan.settled.is_empty());
        assert_eq!(plan.calls.len(), 2);
        assert_eq!((plan.calls[0].object.as_str(), plan.calls[0].items.clone()), ("Contact", vec![0, 2]));
        assert_eq!((plan.calls[1].object.as_str(), plan.calls[1].items.clone()), ("Enrollment__c", vec![1]));
        let body: Value = serde_json::from_slice(&plan.calls[0].body().unwrap()).unwrap();
        assert_eq!(body["allOrNone"], false);
        assert_eq!(body["records"][0]["attributes"], json!({"type": "Contact"}));
        assert_eq!(body["records"][0]["LastName"], "A");
        assert_eq!(body["records"][1]["Legacy_Id__c"], "c2");
    }

    #[test]
    fn parents_come_first_and_lookups_by_external_id_use_the_relationship_name() {
        let batch = [
            item(
                0,
                json!({"attributes": {"type": "Enrollment__c"}, "Legacy_Id__c": "e1",
                "Contact__c": {"Platform_User_Id__c": "u-1"}, "Owner__c": "005000000000001AAA"}),
            ),
            item(1, json!({"Legacy_Id__c": "c1", "AccountId": {"Legacy_Id__c": "a1"}})),
        ];
        let plan = plan(&batch, &objects());
        let order: Vec<(&str, usize)> =
            plan.calls.iter().map(|call| (call.object.as_str(), call.rank)).collect();
        assert_eq!(order, [("Contact", 0), ("Enrollment__c", 1)]);
        let enrollment = &plan.calls[1].records[0];
        assert_eq!(enrollment["Contact__r"], json!({"Platform_User_Id__c": "u-1"}));
        assert!(!enrollment.contains_key("Contact__c"));
        assert_eq!(enrollment["Owner__c"], "005000000000001AAA", "an id stays on the field");
        assert_eq!(plan.calls[0].records[0]["Account"], json!({"Legacy_Id__c": "a1"}));
    }

    #[test]
    fn calls_hold_at_most_200_records() {
        let batch: Vec<_> = (0..450).map(|i| item(i, json!({"Legacy_Id__c": format!("c{i}")}))).collect();
        let plan = plan(&batch, &objects());
        let sizes: Vec<usize> = plan.calls.iter().map(|call| call.records.len()).collect();
        assert_eq!(sizes, [200, 200, 50]);
        assert_eq!(plan.calls[2].items[0], 400);
    }

    #[test]
    fn unsendable_items_are_settled_without_a_call() {
        let batch = [
            item(0, json!({"LastName": "no id"})),
            item(1, json!({"attributes": {"type": "Lead"}, "Legacy_Id__c": "l1"})),
            item(2, json!({"Legacy_Id__c": "c1"})),
            item(3, json!({"Legacy_Id__c": "c1", "LastName": "again"})),
            item(4, json!({"attributes": {"type": 7}, "Legacy_Id__c": "x"})),
            item(5, json!({"Legacy_Id__c": "  "})),
        ];
        let plan = plan(&batch, &objects());
        assert_eq!(plan.calls.len(), 1);
        assert_eq!(plan.calls[0].items, [2]);
        let settled: Vec<(usize, Option<RejectCode>, bool)> =
            plan.settled.iter().map(|(i, o)| (*i, o.reject_code(), o.is_deferred())).collect();
        assert_eq!(
            settled,
            [
                (0, Some(RejectCode::Encoding), false),
                (1, Some(RejectCode::Encoding), false),
                (3, None, true),
                (4, Some(RejectCode::Encoding), false),
                (5, Some(RejectCode::Encoding), false),
            ]
        );
        assert!(!plan.settled[0].1.reason().unwrap().contains("no id"));
    }

    #[test]
    fn the_same_external_id_on_two_objects_is_two_records() {
        let batch = [
            item(0, json!({"Legacy_Id__c": "1"})),
            item(1, json!({"attributes": {"type": "Enrollment__c"}, "Legacy_Id__c": "1"})),
            item(2, json!({"Legacy_Id__c": 2})),
        ];
        let plan = plan(&batch, &objects());
        assert!(plan.settled.is_empty());
        assert_eq!(plan.calls.iter().map(|c| c.records.len()).sum::<usize>(), 3);
    }
}
