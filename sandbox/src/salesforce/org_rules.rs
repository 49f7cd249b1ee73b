//! The org's custom validation rules and duplicate rules, checked against a record as it
//! would be saved (its stored values merged with the request's), and the lookup of a
//! condition's field path on the record or a related one.

use serde_json::{Map, Value};

use super::conditions::{FieldPath, all_hold};
use super::org_config::{ObjectConfig, OrgConfig};
use super::store::OrgStore;
use super::wire_errors::RecordError;

fn field_of<'a>(values: &'a Map<String, Value>, field: &str) -> Option<&'a Value> {
    values.iter().find(|(name, _)| name.eq_ignore_ascii_case(field)).map(|(_, value)| value)
}

/// The value at `path` for a record of `object` with `values` (and `id`, once it has one).
pub fn resolve_path(
    store: &OrgStore,
    org: &OrgConfig,
    object: &ObjectConfig,
    values: &Map<String, Value>,
    id: Option<&str>,
    path: &FieldPath,
) -> Option<Value> {
    let Some(lookup) = &path.lookup else {
        if path.field == "Id" {
            return id.map(|id| Value::String(id.to_owned()));
        }
        return field_of(values, &path.field).cloned();
    };
    let target_id = field_of(values, lookup)?.as_str()?;
    let reference = object.field(lookup)?;
    reference.reference_to.iter().filter_map(|name| org.object(name)).find_map(|target| {
        let record = store.record_by_id(&target.name, target_id)?;
        if path.field == "Id" {
            Some(Value::String(record.id.clone()))
        } else {
            record.get(&path.field).cloned()
        }
    })
}

/// `FIELD_CUSTOM_VALIDATION_EXCEPTION` for every validation rule of `object` whose error
/// condition holds.
pub fn validation_errors(
    store: &OrgStore,
    org: &OrgConfig,
    object: &ObjectConfig,
    values: &Map<String, Value>,
    id: Option<&str>,
) -> Vec<RecordError> {
    org.validation_rules
        .iter()
        .filter(|rule| rule.object.eq_ignore_ascii_case(&object.name))
        .filter(|rule| all_hold(&rule.error_when, |path| resolve_path(store, org, object, values, id, path)))
        .map(|rule| {
            let fields =
                rule.error_field.iter().filter_map(|f| object.field(f)).map(|f| f.name.clone()).collect();
            RecordError::new("FIELD_CUSTOM_VALIDATION_EXCEPTION", rule.message.clone(), fields)
        })
        .collect()
}

/// How a duplicate rule compares one field: text case-insensitively, other values exactly;
/// `None` for an empty value, which never matches.
pub fn match_key(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::Null => None,
        Value::String(s) if s.trim().is_empty() => None,
        Value::String(s) => Some(s.trim().to_lowercase()),
        other => Some(other.to_string()),
    }
}

/// `DUPLICATES_DETECTED` for every duplicate rule of `object` that another record matches.
pub fn duplicate_errors(
    store: &OrgStore,
    org: &OrgConfig,
    object: &ObjectConfig,
    values: &Map<String, Value>,
    own_id: Option<&str>,
) -> Vec<RecordError> {
    org.duplicate_rules
        .iter()
        .filter(|rule| rule.object.eq_ignore_ascii_case(&object.name))
        .filter_map(|rule| {
            // The rule's index answers without looking at every record.
            if let Some(duplicate) = store.duplicate_exists(object, &rule.name, values, own_id) {
                return duplicate
                    .then(|| RecordError::new("DUPLICATES_DETECTED", rule.message.clone(), vec![]));
            }
            let keys: Option<Vec<String>> =
                rule.match_fields.iter().map(|f| match_key(field_of(values, f))).collect();
            let keys = keys?;
            let duplicate = store.records(&object.name).iter().any(|other| {
                Some(other.id.as_str()) != own_id
                    && rule
                        .match_fields
                        .iter()
                        .zip(&keys)
                        .all(|(f, key)| match_key(other.get(f)).as_ref() == Some(key))
            });
            duplicate.then(|| RecordError::new("DUPLICATES_DETECTED", rule.message.clone(), vec![]))
        })
        .collect()
}
