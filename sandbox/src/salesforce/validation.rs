//! The org's field rules applied to one record body, as a pure function: unknown fields,
//! writability, required fields, types, lengths, restricted picklists and email syntax.
//! Lookups are parsed here and resolved against the stored records by the store.

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::{Map, Number, Value};

use super::org_config::{FieldConfig, FieldType, ObjectConfig};
use super::wire_errors::RecordError;

/// Whether the record is being created or an existing one changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteMode {
    Insert,
    Update,
}

/// How a lookup names the record it points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReferenceKey {
    /// A record id.
    Id(String),
    /// `{"Legacy_Id__c": "..."}`: the target's external id field and value.
    ExternalId { field: String, value: String },
}

/// A lookup field still to be resolved to a record id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingReference {
    /// The reference field's API name (e.g. `Contact__c`).
    pub field: String,
    /// The objects it may point at.
    pub reference_to: Vec<String>,
    pub key: ReferenceKey,
}

/// A record body that passed the field rules: normalized values by canonical field name.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CheckedRecord {
    pub values: Map<String, Value>,
    pub references: Vec<PendingReference>,
}

/// Checks `body` (the JSON fields of one record; `attributes` is ignored) against `object`.
/// Returns every error found, not only the first, as Salesforce does.
pub fn check_record(
    object: &ObjectConfig,
    body: &Map<String, Value>,
    mode: WriteMode,
) -> Result<CheckedRecord, Vec<RecordError>> {
    let mut errors = Vec::new();
    let mut checked = CheckedRecord::default();
    let mut not_writable = Vec::new();
    let mut missing = Vec::new();
    // Fields the body sets, valid or not: a bad value is its own error, not a missing field.
    let mut given: Vec<&str> = Vec::new();

    for (key, value) in body {
        if key == "attributes" {
            continue;
        }
        let Some(field) = field_for_key(object, key) else {
            errors.push(RecordError::new(
                "INVALID_FIELD",
                format!("No such column '{key}' on sobject of type {}", object.name),
                vec![key.clone()],
            ));
            continue;
        };
        given.push(&field.name);
        let writable = match mode {
            WriteMode::Insert => field.createable,
            WriteMode::Update => field.updateable,
        };
        if !writable {
            not_writable.push(field.name.clone());
            continue;
        }
        if value.is_null() {
            if field.is_required() {
                missing.push(field.name.clone());
            } else {
                checked.values.insert(field.name.clone(), Value::Null);
            }
            continue;
        }
        if field.field_type == FieldType::Reference {
            if value.is_object() && key.eq_ignore_ascii_case(&field.name) {
                // Salesforce takes a lookup by external id only under the relationship name
                // (`Contact__r`); an object on the id field itself fails to deserialize. Real
                // orgs refuse the whole request (400 JSON_PARSER_ERROR); the simulator refuses
                // the record, which is what a client must fix.
                errors.push(RecordError::new(
                    "JSON_PARSER_ERROR",
                    format!(
                        "Cannot deserialize instance of reference from START_OBJECT value {{ for field {}: \
                         a lookup by external id goes under the relationship name",
                        field.name
                    ),
                    vec![field.name.clone()],
                ));
                continue;
            }
            match parse_reference(field, value) {
                Ok(key) => checked.references.push(PendingReference {
                    field: field.name.clone(),
                    reference_to: field.reference_to.clone(),
                    key,
                }),
                Err(err) => errors.push(err),
            }
            continue;
        }
        match check_value(field, value) {
            Ok(normalized) => {
                checked.values.insert(field.name.clone(), normalized);
            }
            Err(err) => errors.push(err),
        }
    }

    if mode == WriteMode::Insert {
        for field in object.fields.iter().filter(|f| f.is_required()) {
            if !given.contains(&field.name.as_str()) {
                missing.push(field.name.clone());
            }
        }
    }
    if !not_writable.is_empty() {
        errors.push(RecordError::new(
            "INVALID_FIELD_FOR_INSERT_UPDATE",
            format!(
                "Unable to create/update fields: {}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.",
                not_writable.join(", ")
            ),
            not_writable,
        ));
    }
    if !missing.is_empty() {
        errors.insert(
            0,
            RecordError::new(
                "REQUIRED_FIELD_MISSING",
                format!("Required fields are missing: [{}]", missing.join(", ")),
                missing,
            ),
        );
    }
    if errors.is_empty() { Ok(checked) } else { Err(errors) }
}

/// The field a body key names: the field itself, or a custom lookup's relationship name
/// (`Contact__r` for `Contact__c`).
fn field_for_key<'a>(object: &'a ObjectConfig, key: &str) -> Option<&'a FieldConfig> {
    if let Some(field) = object.field(key) {
        return Some(field);
    }
    let stem = key.strip_suffix("__r").or_else(|| key.strip_suffix("__R"))?;
    object.field(&format!("{stem}__c")).filter(|f| f.field_type == FieldType::Reference)
}

fn parse_reference(field: &FieldConfig, value: &Value) -> Result<ReferenceKey, RecordError> {
    match value {
        Value::String(id) if is_id_shaped(id) => Ok(ReferenceKey::Id(id.clone())),
        Value::String(id) => Err(RecordError::new(
            "MALFORMED_ID",
            format!("{}: id value of incorrect type: {id}", field.name),
            vec![field.name.clone()],
        )),
        Value::Object(map) => {
            let mut keys = map.iter().filter(|(k, _)| k.as_str() != "attributes");
            match (keys.next(), keys.next()) {
                (Some((ext_field, ext_value)), None) => {
                    let value = match ext_value {
                        Value::String(s) => s.clone(),
                        Value::Number(n) => n.to_string(),
                        _ => return Err(bad_lookup(field)),
                    };
                    Ok(ReferenceKey::ExternalId { field: ext_field.clone(), value })
                }
                _ => Err(bad_lookup(field)),
            }
        }
        _ => Err(wrong_type(field, value)),
    }
}

fn bad_lookup(field: &FieldConfig) -> RecordError {
    RecordError::new(
        "INVALID_FIELD",
        format!("{}: a lookup by external id names exactly one external id field and its value", field.name),
        vec![field.name.clone()],
    )
}

/// Whether `id` looks like a 15- or 18-character Salesforce id.
pub fn is_id_shaped(id: &str) -> bool {
    (id.len() == 15 || id.len() == 18) && id.chars().all(|c| c.is_ascii_alphanumeric())
}

fn wrong_type(field: &FieldConfig, value: &Value) -> RecordError {
    RecordError::new(
        "INVALID_TYPE_ON_FIELD_IN_RECORD",
        format!("{}: value not of required type: {value}", field.name),
        vec![field.name.clone()],
    )
}

/// Checks one non-null, non-reference value and returns it as stored.
fn check_value(field: &FieldConfig, value: &Value) -> Result<Value, RecordError> {
    let ty = field.field_type;
    if ty.is_text() {
        // Salesforce's JSON reader accepts numbers and booleans for text fields.
        let text = match value {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            Value::Bool(b) => b.to_string(),
            _ => return Err(wrong_type(field, value)),
        };
        return check_text(field, text).map(Value::String);
    }
    match ty {
        FieldType::Boolean => match value {
            Value::Bool(b) => Ok(Value::Bool(*b)),
            Value::String(s) if s.eq_ignore_ascii_case("true") => Ok(Value::Bool(true)),
            Value::String(s) if s.eq_ignore_ascii_case("false") => Ok(Value::Bool(false)),
            _ => Err(wrong_type(field, value)),
        },
        FieldType::Int => match value {
            Value::Number(n) if n.is_i64() || n.is_u64() => Ok(value.clone()),
            Value::Number(n) if n.as_f64().is_some_and(|f| f.fract() == 0.0) => {
                Ok(Value::from(n.as_f64().unwrap_or_default() as i64))
            }
            Value::String(s) => {
                s.trim().parse::<i64>().map(Value::from).map_err(|_| wrong_type(field, value))
            }
            _ => Err(wrong_type(field, value)),
        },
        FieldType::Double | FieldType::Currency | FieldType::Percent => {
            let number = match value {
                Value::Number(n) => n.as_f64(),
                Value::String(s) => s.trim().parse::<f64>().ok(),
                _ => None,
            };
            number.and_then(Number::from_f64).map(Value::Number).ok_or_else(|| wrong_type(field, value))
        }
        FieldType::Date => value
            .as_str()
            .and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
            .map(|d| Value::String(d.format("%Y-%m-%d").to_string()))
            .ok_or_else(|| wrong_type(field, value)),
        FieldType::Datetime => value
            .as_str()
            .and_then(parse_datetime)
            .map(|d| Value::String(d.format("%Y-%m-%dT%H:%M:%S%.3f+0000").to_string()))
            .ok_or_else(|| wrong_type(field, value)),
        _ => Err(wrong_type(field, value)),
    }
}

fn parse_datetime(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .or_else(|_| DateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f%z"))
        .ok()
        .map(|d| d.with_timezone(&Utc))
}

fn check_text(field: &FieldConfig, text: String) -> Result<String, RecordError> {
    let fields = vec![field.name.clone()];
    if text.chars().count() > field.length as usize {
        return Err(RecordError::new(
            "STRING_TOO_LONG",
            format!("{}: data value too large: {text} (max length={})", field.name, field.length),
            fields,
        ));
    }
    match field.field_type {
        FieldType::Email if !is_email(&text) => Err(RecordError::new(
            "INVALID_EMAIL_ADDRESS",
            format!("{}: invalid email address: {text}", field.name),
            fields,
        )),
        FieldType::Picklist if field.restricted_picklist && !field.picklist_values.contains(&text) => {
            Err(RecordError::new(
                "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                format!("{}: bad value for restricted picklist field: {text}", field.name),
                fields,
            ))
        }
        _ => Ok(text),
    }
}

/// Email syntax as Salesforce checks it, roughly: `local@domain.tld`, no spaces.
fn is_email(text: &str) -> bool {
    let Some((local, domain)) = text.split_once('@') else {
        return false;
    };
    let labels: Vec<&str> = domain.split('.').collect();
    !local.is_empty()
        && !local.starts_with('.')
        && !local.ends_with('.')
        && labels.len() >= 2
        && labels.iter().all(|l| !l.is_empty() && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
        && local.chars().all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~.-".contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::salesforce::org_config::OrgConfig;
    use serde_json::json;

    fn contact() -> ObjectConfig {
        OrgConfig::e_learning().object("Contact").cloned().expect("the shipped org has Contact")
    }

    fn body(value: Value) -> Map<String, Value> {
        value.as_object().cloned().unwrap_or_default()
    }

    fn codes(result: Result<CheckedRecord, Vec<RecordError>>) -> Vec<&'static str> {
        result.err().unwrap_or_default().iter().map(|e| e.status_code).collect()
    }

    #[test]
    fn a_complete_contact_passes_and_is_normalized() {
        let checked = check_record(
            &contact(),
            &body(json!({"attributes": {"type": "Contact"}, "Legacy_Id__c": "1",
                "Platform_User_Id__c": "u-1", "LastName": "Doe", "Learner_Status__c": "Active",
                "Legacy_Created_Date__c": "2020-01-02T03:04:05Z", "Email": "a.b@example.com"})),
            WriteMode::Insert,
        )
        .expect("valid");
        assert_eq!(checked.values["Legacy_Created_Date__c"], json!("2020-01-02T03:04:05.000+0000"));
    }

    #[test]
    fn missing_required_fields_are_one_error_listing_them_all() {
        let result = check_record(&contact(), &body(json!({"Legacy_Id__c": "1"})), WriteMode::Insert);
        let errors = result.err().unwrap_or_default();
        assert_eq!(errors[0].status_code, "REQUIRED_FIELD_MISSING");
        assert_eq!(errors[0].fields, ["Platform_User_Id__c", "LastName", "Learner_Status__c"]);
        // An update only checks what it sets.
        assert!(check_record(&contact(), &body(json!({"FirstName": "A"})), WriteMode::Update).is_ok());
        assert_eq!(
            codes(check_record(&contact(), &body(json!({"LastName": null})), WriteMode::Update)),
            ["REQUIRED_FIELD_MISSING"]
        );
    }

    #[test]
    fn every_field_rule_reports_its_own_error() {
        let result = check_record(
            &contact(),
            &body(json!({"FirstName": "x".repeat(41), "Email": "not-an-email",
                "Learner_Status__c": "Gone", "Shoe_Size__c": 42, "Birthdate": "yesterday"})),
            WriteMode::Update,
        );
        assert_eq!(
            codes(result),
            [
                "STRING_TOO_LONG",
                "INVALID_EMAIL_ADDRESS",
                "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                "INVALID_FIELD",
                "INVALID_TYPE_ON_FIELD_IN_RECORD"
            ]
        );
    }

    #[test]
    fn lookups_parse_by_id_or_external_id_and_relationship_name() {
        let org = OrgConfig::e_learning();
        let enrollment = org.object("Enrollment__c").expect("shipped");
        let checked = check_record(
            enrollment,
            &body(json!({"Contact__r": {"Legacy_Id__c": "100234"}})),
            WriteMode::Update,
        )
        .expect("valid");
        assert_eq!(
            checked.references[0].key,
            ReferenceKey::ExternalId { field: "Legacy_Id__c".into(), value: "100234".into() }
        );
        assert_eq!(
            codes(check_record(enrollment, &body(json!({"Contact__c": "nope"})), WriteMode::Update)),
            ["MALFORMED_ID"]
        );
        assert_eq!(
            codes(check_record(enrollment, &body(json!({"Status__c": "Active"})), WriteMode::Update)),
            ["INVALID_FIELD_FOR_INSERT_UPDATE"]
        );
    }

    #[test]
    fn integers_accept_whole_numbers_only() {
        let seats = FieldConfig {
            name: "Seats__c".into(),
            field_type: FieldType::Int,
            length: 0,
            nillable: true,
            createable: true,
            updateable: true,
            defaulted_on_create: false,
            external_id: false,
            unique: false,
            picklist_values: Vec::new(),
            restricted_picklist: false,
            reference_to: Vec::new(),
        };
        assert_eq!(check_value(&seats, &json!(3)), Ok(json!(3)));
        assert_eq!(check_value(&seats, &json!(4.0)), Ok(json!(4)));
        assert_eq!(check_value(&seats, &json!("12")), Ok(json!(12)));
        for bad in [json!(2.5), json!("two"), json!(true)] {
            let err = check_value(&seats, &bad).expect_err("refused");
            assert_eq!(err.status_code, "INVALID_TYPE_ON_FIELD_IN_RECORD", "{bad}");
        }
    }

    #[test]
    fn email_syntax() {
        assert!(is_email("first.last+tag@sub.example.co"));
        for bad in ["a@b", "@b.com", "a b@c.com", "a@b..com", "a@@b.com"] {
            assert!(!is_email(bad), "{bad}");
        }
    }
}
