//! Importing a target contract from a Salesforce `describe` response
//! (`GET /services/data/vXX.X/sobjects/{Object}/describe`).

use std::path::Path;

use serde_json::Value;

use super::{FieldType, TargetContractFile, TargetField};
use crate::finding::{Finding, json_pointer};

/// What an import produced: the contract body, and fields left out with the reason.
#[derive(Debug, Clone, PartialEq)]
pub struct DescribeImport {
    /// The object's API name from the describe (`name`).
    pub object: String,
    pub contract: TargetContractFile,
    /// Field name and why it is not part of the contract (not createable, compound, ...).
    pub skipped: Vec<(String, String)>,
}

/// Builds a target contract from describe JSON. Fields the integration cannot write
/// (`createable: false`) are skipped; a field is required when it is createable, not nillable
/// and not defaulted on create (Salesforce's own rule; booleans are never nillable but always
/// defaulted). Only active picklist values are kept. The external id is the first field marked
/// `externalId` (preferring one also marked `unique`).
pub fn import_describe(describe: &Value, file: &Path) -> Result<DescribeImport, Vec<Finding>> {
    let mut findings = Vec::new();
    let object = match describe.get("name").and_then(Value::as_str) {
        Some(name) => name.to_owned(),
        None => {
            findings.push(Finding::error(
                file,
                "/name",
                "describe.missing",
                "a describe response names its object in `name`",
            ));
            String::new()
        }
    };
    let Some(raw_fields) = describe.get("fields").and_then(Value::as_array) else {
        findings.push(Finding::error(
            file,
            "/fields",
            "describe.missing",
            "a describe response lists `fields` as an array",
        ));
        return Err(findings);
    };
    let mut fields = Vec::new();
    let mut skipped = Vec::new();
    let mut external_ids: Vec<(String, bool)> = Vec::new();
    for (index, raw) in raw_fields.iter().enumerate() {
        let place = |key: &str| json_pointer(["fields", &index.to_string(), key]);
        let Some(name) = raw.get("name").and_then(Value::as_str) else {
            findings.push(Finding::error(
                file,
                place("name"),
                "describe.missing",
                "every field has a `name`",
            ));
            continue;
        };
        let Some(type_name) = raw.get("type").and_then(Value::as_str) else {
            findings.push(Finding::error(
                file,
                place("type"),
                "describe.missing",
                format!("field `{name}` has no `type`"),
            ));
            continue;
        };
        let flag = |key: &str| raw.get(key).and_then(Value::as_bool).unwrap_or(false);
        if !flag("createable") {
            skipped.push((name.to_owned(), "not createable by the integration user".to_owned()));
            continue;
        }
        let Some(field_type) = field_type(type_name) else {
            skipped
                .push((name.to_owned(), format!("type `{type_name}` is not supported in target contracts")));
            continue;
        };
        let is_picklist = matches!(field_type, FieldType::Picklist | FieldType::Multipicklist);
        let values: Vec<String> = if is_picklist {
            raw.get("picklistValues")
                .and_then(Value::as_array)
                .map(|values| {
                    values
                        .iter()
                        .filter(|v| v.get("active").and_then(Value::as_bool).unwrap_or(true))
                        .filter_map(|v| v.get("value").and_then(Value::as_str).map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default()
        } else {
            Vec::new()
        };
        if is_picklist && values.is_empty() {
            findings.push(Finding::error(
                file,
                place("picklistValues"),
                "describe.picklist",
                format!("picklist `{name}` has no active values"),
            ));
            continue;
        }
        let length = raw
            .get("length")
            .and_then(Value::as_u64)
            .filter(|l| *l > 0 && field_type.is_text() && !is_picklist);
        if flag("externalId") {
            external_ids.push((name.to_owned(), flag("unique")));
        }
        fields.push(TargetField {
            name: name.to_owned(),
            field_type,
            length: length.map(|l| l as u32),
            required: !flag("nillable") && !flag("defaultedOnCreate") && field_type != FieldType::Boolean,
            restricted: is_picklist && flag("restrictedPicklist"),
            values,
            reference_to: (field_type == FieldType::Reference)
                .then(|| raw.get("referenceTo")?.as_array()?.first()?.as_str().map(str::to_owned))
                .flatten(),
            description: raw.get("label").and_then(Value::as_str).map(str::to_owned),
        });
    }
    if !findings.is_empty() {
        return Err(findings);
    }
    let external_id = external_ids
        .iter()
        .find(|(_, unique)| *unique)
        .or(external_ids.first())
        .map(|(name, _)| name.clone());
    let description = Some(format!("Imported from the org's describe of {object}."));
    Ok(DescribeImport { object, contract: TargetContractFile { description, external_id, fields }, skipped })
}

fn field_type(name: &str) -> Option<FieldType> {
    Some(match name {
        "string" | "encryptedstring" | "combobox" => FieldType::String,
        "textarea" => FieldType::Textarea,
        "email" => FieldType::Email,
        "phone" => FieldType::Phone,
        "url" => FieldType::Url,
        "picklist" => FieldType::Picklist,
        "multipicklist" => FieldType::Multipicklist,
        "boolean" => FieldType::Boolean,
        "int" => FieldType::Int,
        "double" => FieldType::Double,
        "currency" => FieldType::Currency,
        "percent" => FieldType::Percent,
        "date" => FieldType::Date,
        "datetime" => FieldType::Datetime,
        "reference" => FieldType::Reference,
        "id" => FieldType::Id,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn imports_required_lengths_picklists_references_and_external_id() {
        let describe = json!({"name": "Contact", "fields": [
            {"name": "Id", "type": "id", "createable": false, "nillable": false},
            {"name": "LastName", "type": "string", "length": 80, "createable": true, "nillable": false, "defaultedOnCreate": false, "label": "Last Name"},
            {"name": "Email", "type": "email", "length": 80, "createable": true, "nillable": true},
            {"name": "HasOptedOutOfEmail", "type": "boolean", "createable": true, "nillable": false, "defaultedOnCreate": true},
            {"name": "Level__c", "type": "picklist", "createable": true, "nillable": true, "restrictedPicklist": true,
             "picklistValues": [{"active": true, "value": "Gold"}, {"active": false, "value": "Tin"}]},
            {"name": "AccountId", "type": "reference", "createable": true, "nillable": true, "referenceTo": ["Account"]},
            {"name": "Legacy_Id__c", "type": "string", "length": 64, "createable": true, "nillable": true, "externalId": true, "unique": true},
            {"name": "MailingAddress", "type": "address", "createable": true}
        ]});
        let import = import_describe(&describe, Path::new("contact.json")).unwrap();
        assert_eq!(import.object, "Contact");
        assert_eq!(import.contract.external_id.as_deref(), Some("Legacy_Id__c"));
        let last_name = &import.contract.fields[0];
        assert_eq!(
            (last_name.name.as_str(), last_name.length, last_name.required),
            ("LastName", Some(80), true)
        );
        assert!(!import.contract.fields.iter().find(|f| f.name == "HasOptedOutOfEmail").unwrap().required);
        let level = import.contract.fields.iter().find(|f| f.name == "Level__c").unwrap();
        assert_eq!((level.values.clone(), level.restricted), (vec!["Gold".to_owned()], true));
        let account = import.contract.fields.iter().find(|f| f.name == "AccountId").unwrap();
        assert_eq!(account.reference_to.as_deref(), Some("Account"));
        let skipped: Vec<&str> = import.skipped.iter().map(|(name, _)| name.as_str()).collect();
        assert_eq!(skipped, vec!["Id", "MailingAddress"]);
    }

    #[test]
    fn malformed_describe_names_every_place() {
        let describe = json!({"fields": [{"type": "string"}, {"name": "X"}]});
        let findings = import_describe(&describe, Path::new("d.json")).unwrap_err();
        let places: Vec<&str> = findings.iter().map(|f| f.place.as_str()).collect();
        assert_eq!(places, vec!["/name", "/fields/0/name", "/fields/1/type"]);
    }
}
