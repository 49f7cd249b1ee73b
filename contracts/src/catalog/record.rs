//! Checking one record against a target contract: the rules the downstream applies (types,
//! lengths in characters, required fields, restricted picklists, email syntax, references).

use std::sync::LazyLock;

use regex::Regex;
use serde::Serialize;
use serde_json::{Map, Value};

use super::{FieldType, TargetContract, TargetField};

/// Close to what Salesforce accepts in an Email field: ASCII local part of the usual
/// characters, a dotted domain with a 2+ letter top-level label.
static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$")
        .expect("static regex")
});
static SALESFORCE_ID: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[A-Za-z0-9]{15}([A-Za-z0-9]{3})?$").expect("static regex"));

/// Whether Salesforce would accept `text` in an Email field (also the `is_email` jq function).
pub fn is_salesforce_email(text: &str) -> bool {
    EMAIL.is_match(text)
}

/// One way a record breaks its target contract.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecordViolation {
    pub field: String,
    /// Stable code: `record.unknown-field`, `record.required-missing`, `record.type`,
    /// `record.too-long`, `record.picklist`, `record.email`, `record.reference`, `record.format`.
    pub rule: &'static str,
    pub message: String,
}

impl RecordViolation {
    fn new(field: &str, rule: &'static str, message: impl Into<String>) -> Self {
        Self { field: field.to_owned(), rule, message: message.into() }
    }
}

/// Every violation of `record` against `target`, in field order (unknown fields last).
pub fn validate_record(target: &TargetContract, record: &Map<String, Value>) -> Vec<RecordViolation> {
    let mut violations = Vec::new();
    for field in &target.fields {
        match record.get(&field.name) {
            None | Some(Value::Null) if field.required => violations.push(RecordViolation::new(
                &field.name,
                "record.required-missing",
                format!("`{}` is required", field.name),
            )),
            None | Some(Value::Null) => {}
            Some(value) => check_value(field, value, &mut violations),
        }
    }
    for name in record.keys() {
        if target.field(name).is_none() {
            violations.push(RecordViolation::new(
                name,
                "record.unknown-field",
                format!("`{name}` is not a field of {}", target.target.object),
            ));
        }
    }
    violations
}

fn check_value(field: &TargetField, value: &Value, violations: &mut Vec<RecordViolation>) {
    let name = field.name.as_str();
    let type_error = |expected: &str| {
        RecordViolation::new(
            name,
            "record.type",
            format!("`{name}` must be {expected}, got {}", describe(value)),
        )
    };
    if field.field_type.is_text() {
        let Some(text) = value.as_str() else {
            violations.push(type_error("a string"));
            return;
        };
        let length = text.chars().count();
        if let Some(max) = field.length.filter(|max| length > *max as usize) {
            violations.push(RecordViolation::new(
                name,
                "record.too-long",
                format!("`{name}` is {length} characters, more than its length {max}"),
            ));
        }
        check_text(field, text, violations);
        return;
    }
    let ok = match field.field_type {
        FieldType::Boolean => value.is_boolean(),
        FieldType::Int => value.as_i64().is_some() || value.as_u64().is_some(),
        FieldType::Double | FieldType::Currency | FieldType::Percent => value.is_number(),
        FieldType::Date => {
            value.as_str().is_some_and(|t| chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d").is_ok())
        }
        FieldType::Datetime => {
            value.as_str().is_some_and(|t| chrono::DateTime::parse_from_rfc3339(t).is_ok())
        }
        FieldType::Reference => is_reference(value),
        FieldType::Json => true,
        _ => true,
    };
    if !ok {
        let expected = match field.field_type {
            FieldType::Boolean => "a boolean",
            FieldType::Int => "an integer",
            FieldType::Double | FieldType::Currency | FieldType::Percent => "a number",
            FieldType::Date => "a date (YYYY-MM-DD)",
            FieldType::Datetime => "an RFC 3339 date-time",
            _ => "a record id or {\"<ExternalIdField>\": \"<value>\"}",
        };
        let rule = match field.field_type {
            FieldType::Reference => "record.reference",
            FieldType::Date | FieldType::Datetime if value.is_string() => "record.format",
            _ => "record.type",
        };
        violations.push(RecordViolation { rule, ..type_error(expected) });
    }
}

fn check_text(field: &TargetField, text: &str, violations: &mut Vec<RecordViolation>) {
    let name = field.name.as_str();
    match field.field_type {
        FieldType::Email if !EMAIL.is_match(text) => violations.push(RecordViolation::new(
            name,
            "record.email",
            format!("`{name}` is not an email address Salesforce accepts"),
        )),
        FieldType::Id if !SALESFORCE_ID.is_match(text) => violations.push(RecordViolation::new(
            name,
            "record.format",
            format!("`{name}` is not a 15 or 18 character id"),
        )),
        FieldType::Picklist if field.restricted && !field.values.iter().any(|v| v == text) => violations
            .push(RecordViolation::new(
                name,
                "record.picklist",
                format!(
                    "`{text}` is not a value of the restricted picklist `{name}` ({})",
                    field.values.join(", ")
                ),
            )),
        FieldType::Multipicklist if field.restricted => {
            for item in text.split(';').filter(|item| !field.values.iter().any(|v| v == item)) {
                violations.push(RecordViolation::new(
                    name,
                    "record.picklist",
                    format!("`{item}` is not a value of the restricted picklist `{name}`"),
                ));
            }
        }
        _ => {}
    }
}

fn is_reference(value: &Value) -> bool {
    match value {
        Value::String(id) => SALESFORCE_ID.is_match(id),
        Value::Object(lookup) => {
            lookup.len() == 1 && lookup.values().all(|v| v.as_str().is_some_and(|s| !s.is_empty()))
        }
        _ => false,
    }
}

fn describe(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(_) => "a boolean".into(),
        Value::Number(_) => "a number".into(),
        Value::String(_) => "a string".into(),
        Value::Array(_) => "an array".into(),
        Value::Object(_) => "an object".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;
    use crate::names::{ContractVersion, ObjectName, SystemId, TargetRef};
    use serde_json::json;

    fn contact() -> TargetContract {
        let catalog = Catalog::load(Catalog::shipped_root()).expect("shipped catalog loads");
        let target = TargetRef::new(ObjectName::parse("Contact").unwrap(), ContractVersion::new(1).unwrap());
        catalog.target(&SystemId::parse("salesforce").unwrap(), &target).unwrap().clone()
    }

    fn rules(record: Value) -> Vec<(String, &'static str)> {
        let record = record.as_object().unwrap().clone();
        validate_record(&contact(), &record).into_iter().map(|v| (v.field, v.rule)).collect()
    }

    #[test]
    fn a_good_contact_passes() {
        let record = json!({"Legacy_Id__c": "100", "Platform_User_Id__c": "u1", "LastName": "Okafor",
            "Email": "ada.okafor+learn@example.co.uk", "Learner_Status__c": "Active", "Birthdate": "1990-02-03"});
        assert_eq!(rules(record), vec![]);
    }

    #[test]
    fn every_violation_is_reported() {
        let record = json!({"Legacy_Id__c": "100", "LastName": "x".repeat(81), "FirstName": "Zoë",
            "Email": "not-an-email", "Learner_Status__c": "Gold", "Birthdate": "0000-00-00", "Shoe__c": 42});
        assert_eq!(
            rules(record),
            vec![
                ("Platform_User_Id__c".to_owned(), "record.required-missing"),
                ("LastName".to_owned(), "record.too-long"),
                ("Email".to_owned(), "record.email"),
                ("Birthdate".to_owned(), "record.format"),
                ("Learner_Status__c".to_owned(), "record.picklist"),
                ("Shoe__c".to_owned(), "record.unknown-field"),
            ]
        );
    }

    #[test]
    fn length_counts_characters_not_bytes() {
        let record = json!({"Legacy_Id__c": "1", "Platform_User_Id__c": "u", "Learner_Status__c": "Active",
            "LastName": "é".repeat(80)});
        assert_eq!(rules(record), vec![]);
    }
}
