//! The target-contract diff: what the CRM team changes in their org, as our records see it.

use std::path::PathBuf;

use super::{errors, kinds, only, v};
use crate::catalog::{FieldType, TargetContract, TargetField};
use crate::compat::{CompatibilityMode, Direction, diff_target_contracts};
use crate::finding::Severity;
use crate::names::{ObjectName, SystemId, TargetRef};

pub(super) fn field(name: &str, field_type: FieldType) -> TargetField {
    TargetField {
        name: name.to_owned(),
        field_type,
        length: None,
        required: false,
        values: Vec::new(),
        restricted: false,
        reference_to: None,
        description: None,
    }
}

pub(super) fn text(name: &str, length: u32, required: bool) -> TargetField {
    TargetField { length: Some(length), required, ..field(name, FieldType::String) }
}

pub(super) fn picklist(name: &str, values: &[&str], restricted: bool) -> TargetField {
    let values = values.iter().map(|value| (*value).to_owned()).collect();
    TargetField { values, restricted, ..field(name, FieldType::Picklist) }
}

pub(super) fn contact(version: u32, fields: Vec<TargetField>) -> TargetContract {
    TargetContract {
        system: SystemId::parse("salesforce").expect("valid system"),
        target: TargetRef::new(ObjectName::parse("Contact").expect("valid object"), v(version)),
        file: PathBuf::from(format!("targets/Contact/v{version}.toml")),
        description: None,
        external_id: Some("Legacy_Id__c".to_owned()),
        fields,
    }
}

fn base_fields() -> Vec<TargetField> {
    vec![
        text("Legacy_Id__c", 64, true),
        text("LastName", 80, true),
        text("Phone", 40, false),
        picklist("Status__c", &["Active", "Inactive", "Expired"], true),
    ]
}

#[test]
fn new_required_field_is_reported_with_its_name() {
    let old = contact(1, base_fields());
    let mut fields = base_fields();
    fields.push(text("Region__c", 40, true));
    let new = contact(2, fields);

    let found = diff_target_contracts(&old, &new, CompatibilityMode::Backward);

    let added = only(&found, "required-added");
    assert_eq!((added.pointer.as_str(), added.severity), ("/fields/Region__c", Severity::Error));
    assert!(added.message.contains("required field `Region__c` was added in v2"), "{}", added.message);
    assert_eq!(kinds(&found), ["required-added"]);
}

#[test]
fn shortened_length_is_reported() {
    let old = contact(1, base_fields());
    let mut fields = base_fields();
    fields[1] = text("LastName", 40, true);
    let new = contact(2, fields);

    let found = diff_target_contracts(&old, &new, CompatibilityMode::Full);

    let shortened = only(&found, "length-decreased");
    assert_eq!((shortened.pointer.as_str(), shortened.direction), ("/fields/LastName", Direction::Backward));
    assert!(shortened.message.contains("from 80 to 40"), "{}", shortened.message);
    assert!(errors(&found, Direction::Forward).is_empty(), "{found:#?}");
}

#[test]
fn removed_picklist_value_is_an_error_when_restricted_and_a_warning_when_not() {
    let old = contact(1, base_fields());
    let mut fields = base_fields();
    fields[3] = picklist("Status__c", &["Active", "Inactive"], true);
    let new = contact(2, fields.clone());

    let found = diff_target_contracts(&old, &new, CompatibilityMode::Backward);
    let removed = only(&found, "picklist-value-removed");
    assert_eq!((removed.pointer.as_str(), removed.severity), ("/fields/Status__c", Severity::Error));
    assert!(removed.message.contains("`Expired`"), "{}", removed.message);

    let mut unrestricted_old = base_fields();
    unrestricted_old[3].restricted = false;
    fields[3].restricted = false;
    let found = diff_target_contracts(
        &contact(1, unrestricted_old),
        &contact(2, fields),
        CompatibilityMode::Backward,
    );
    assert_eq!(only(&found, "picklist-value-removed").severity, Severity::Warning);
}

#[test]
fn added_field_breaks_forward_only() {
    let old = contact(1, base_fields());
    let mut fields = base_fields();
    fields.push(text("Nickname__c", 40, false));
    let new = contact(2, fields);

    assert_eq!(diff_target_contracts(&old, &new, CompatibilityMode::Backward), []);
    let found = diff_target_contracts(&old, &new, CompatibilityMode::Forward);
    let added = only(&found, "field-added");
    assert_eq!((added.pointer.as_str(), added.direction), ("/fields/Nickname__c", Direction::Forward));
}

#[test]
fn every_target_change_is_listed() {
    let old = contact(1, base_fields());
    let mut new = contact(
        2,
        vec![
            text("Legacy_Id__c", 64, true),
            field("LastName", FieldType::Int),
            picklist("Status__c", &["Active", "Inactive", "Expired", "Paused"], true),
            text("Region__c", 40, true),
        ],
    );
    new.external_id = Some("Platform_User_Id__c".to_owned());

    let found = diff_target_contracts(&old, &new, CompatibilityMode::Full);

    let mut backward: Vec<&str> =
        errors(&found, Direction::Backward).iter().map(|found| found.kind).collect();
    backward.sort_unstable();
    assert_eq!(backward, ["external-id-changed", "field-removed", "required-added", "type-changed"]);
    let mut forward: Vec<&str> = errors(&found, Direction::Forward).iter().map(|found| found.kind).collect();
    forward.sort_unstable();
    assert_eq!(
        forward,
        ["external-id-changed", "field-added", "picklist-value-added", "required-relaxed", "type-changed"]
    );
}

#[test]
fn widening_a_type_is_backward_compatible() {
    let old = contact(1, vec![field("Seats__c", FieldType::Int), field("Email", FieldType::Email)]);
    let new = contact(2, vec![field("Seats__c", FieldType::Double), field("Email", FieldType::String)]);

    assert_eq!(diff_target_contracts(&old, &new, CompatibilityMode::Backward), []);
    assert_eq!(
        kinds(&diff_target_contracts(&old, &new, CompatibilityMode::Forward)),
        ["type-changed", "type-changed"]
    );
}
