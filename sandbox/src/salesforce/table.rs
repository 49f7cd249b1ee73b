//! One object's records and their hash indexes, so that upsert by external id, uniqueness,
//! duplicate rules and SOQL `=` / `IN` on indexed fields look records up instead of scanning
//! them: by id; by the value of every external id, unique and lookup field (keyed
//! case-insensitively, as SOQL compares; callers confirm exact matches where they need them);
//! and by each duplicate rule's match key.

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::org_config::{FieldType, ObjectConfig, OrgConfig};
use super::org_rules::match_key;

/// One stored record.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredRecord {
    /// The 18-character id.
    pub id: String,
    /// Field values by API name (lookups hold the target's id).
    pub values: Map<String, Value>,
}

impl StoredRecord {
    /// The value of a field, case-insensitively.
    pub fn get(&self, field: &str) -> Option<&Value> {
        self.values.iter().find(|(name, _)| name.eq_ignore_ascii_case(field)).map(|(_, value)| value)
    }
}

/// A field value as an index key: text lowercased, numbers as written.
pub fn index_key(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.to_lowercase()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The exact text of a value, as upsert by external id compares it.
pub fn exact_key(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A duplicate rule's index: its match fields (canonical names) and records by match key.
#[derive(Debug, Clone, Default)]
struct DuplicateIndex {
    fields: Vec<String>,
    keys: HashMap<String, Vec<usize>>,
}

/// The key a duplicate rule matches records on; `None` when a match field is empty.
pub fn duplicate_key<'a>(fields: impl IntoIterator<Item = Option<&'a Value>>) -> Option<String> {
    let keys: Option<Vec<String>> = fields.into_iter().map(match_key).collect();
    // Joined with the ASCII unit separator, which no name or email carries.
    keys.map(|keys| keys.join("\u{1f}"))
}

/// One object's records, oldest first, and their indexes.
#[derive(Debug, Default, Clone)]
pub struct ObjectTable {
    pub records: Vec<StoredRecord>,
    /// By the id's first 15 characters (the case-sensitive id).
    pub by_id: HashMap<String, usize>,
    /// Field name -> lowercased value -> record positions.
    index: HashMap<String, HashMap<String, Vec<usize>>>,
    /// Duplicate rule name -> its index.
    duplicates: HashMap<String, DuplicateIndex>,
}

impl ObjectTable {
    /// An empty table indexing `object`'s external id, unique and lookup fields and the
    /// org's duplicate rules on it.
    pub fn new(org: &OrgConfig, object: &ObjectConfig) -> Self {
        let index = object
            .fields
            .iter()
            .filter(|f| f.external_id || f.unique || f.field_type == FieldType::Reference)
            .map(|f| (f.name.clone(), HashMap::new()))
            .collect();
        let duplicates = org
            .duplicate_rules
            .iter()
            .filter(|rule| rule.object.eq_ignore_ascii_case(&object.name))
            .map(|rule| {
                let fields = rule
                    .match_fields
                    .iter()
                    .map(|f| object.field(f).map_or_else(|| f.clone(), |field| field.name.clone()))
                    .collect();
                (rule.name.clone(), DuplicateIndex { fields, keys: HashMap::new() })
            })
            .collect();
        Self { index, duplicates, ..Self::default() }
    }

    /// Adds (`add`) or removes the record at `position` from every index.
    pub fn index_record(&mut self, position: usize, add: bool) {
        let record = &self.records[position];
        for (field, values) in self.index.iter_mut() {
            if let Some(key) = record.values.get(field).and_then(index_key) {
                update(values, key, position, add);
            }
        }
        for rule in self.duplicates.values_mut() {
            if let Some(key) = duplicate_key(rule.fields.iter().map(|f| record.values.get(f))) {
                update(&mut rule.keys, key, position, add);
            }
        }
    }

    /// Whether `field` is indexed.
    pub fn is_indexed(&self, field: &str) -> bool {
        self.index.contains_key(field)
    }

    /// Positions of the records whose `field` may equal `value` (compared case-insensitively),
    /// or `None` when the field has no index.
    pub fn candidates(&self, field: &str, value: &str) -> Option<&[usize]> {
        let index = self.index.get(field)?;
        Some(index.get(&value.to_lowercase()).map(Vec::as_slice).unwrap_or_default())
    }

    /// Positions of the records a duplicate rule matches on `key`.
    pub fn duplicate_candidates(&self, rule: &str, key: &str) -> Option<&[usize]> {
        let index = self.duplicates.get(rule)?;
        Some(index.keys.get(key).map(Vec::as_slice).unwrap_or_default())
    }

    /// The canonical match fields of a duplicate rule on this object.
    pub fn duplicate_fields(&self, rule: &str) -> Option<&[String]> {
        self.duplicates.get(rule).map(|index| index.fields.as_slice())
    }
}

fn update(index: &mut HashMap<String, Vec<usize>>, key: String, position: usize, add: bool) {
    if add {
        index.entry(key).or_default().push(position);
    } else if let Some(slot) = index.get_mut(&key) {
        slot.retain(|p| *p != position);
        if slot.is_empty() {
            index.remove(&key);
        }
    }
}
