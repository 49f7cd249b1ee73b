//! The mapping type-check finds what would break downstream, every finding with file and place.

use switchyard_contracts::Finding;

use crate::support::CatalogCopy;

const CONTACT: &str = "systems/salesforce/mappings/contact-from-user-migrated.toml";
const ENROLLMENT: &str = "systems/salesforce/mappings/enrollment-from-enrollment-created-v2.toml";

fn findings(copy: &CatalogCopy) -> Vec<(String, String, &'static str)> {
    copy.load()
        .check()
        .into_iter()
        .map(|Finding { file, place, rule, .. }| (file.display().to_string(), place, rule))
        .collect()
}

fn has(findings: &[(String, String, &'static str)], file: &str, place: &str, rule: &str) -> bool {
    findings.iter().any(|(f, p, r)| f == file && p == place && *r == rule)
}

#[test]
fn the_shipped_catalog_type_checks() {
    assert_eq!(findings(&CatalogCopy::new()), vec![]);
}

#[test]
fn an_unguarded_length_is_found() {
    let copy = CatalogCopy::new();
    copy.set_mapping_field(CONTACT, "FirstName", ".first_name // empty");
    let found = findings(&copy);
    assert!(has(&found, CONTACT, "fields.FirstName", "mapping.length-unguarded"), "{found:#?}");
}

#[test]
fn a_required_field_without_expression_is_found() {
    let copy = CatalogCopy::new();
    copy.remove_mapping_field(CONTACT, "LastName");
    let found = findings(&copy);
    assert!(has(&found, CONTACT, "fields", "mapping.required-field-missing"), "{found:#?}");
}

#[test]
fn a_required_field_fed_from_an_optional_source_is_found() {
    let copy = CatalogCopy::new();
    copy.set_mapping_field(CONTACT, "LastName", ".last_name // empty | .[0:80]");
    let found = findings(&copy);
    assert!(has(&found, CONTACT, "fields.LastName", "mapping.required-not-produced"), "{found:#?}");
}

#[test]
fn an_unknown_source_path_is_found() {
    let copy = CatalogCopy::new();
    copy.set_mapping_field(CONTACT, "MailingCity", ".adress.city // empty | .[0:40]");
    let found = findings(&copy);
    assert!(has(&found, CONTACT, "fields.MailingCity", "mapping.unknown-source-path"), "{found:#?}");
}

#[test]
fn an_invalid_picklist_literal_is_found() {
    let copy = CatalogCopy::new();
    copy.set_mapping_field(
        CONTACT,
        "Learner_Status__c",
        r#"if .status == "active" then "Active" else "Lapsed" end"#,
    );
    let found = findings(&copy);
    assert!(has(&found, CONTACT, "fields.Learner_Status__c", "mapping.picklist-literal"), "{found:#?}");
}

#[test]
fn an_unknown_target_field_is_found() {
    let copy = CatalogCopy::new();
    copy.set_mapping_field(CONTACT, "Shoe_Size__c", ".legacy_id");
    let found = findings(&copy);
    assert!(has(&found, CONTACT, "fields.Shoe_Size__c", "mapping.unknown-target-field"), "{found:#?}");
}

#[test]
fn an_unguarded_email_is_found() {
    let copy = CatalogCopy::new();
    copy.set_mapping_field(CONTACT, "Email", ".email // empty | .[0:80]");
    let found = findings(&copy);
    assert!(has(&found, CONTACT, "fields.Email", "mapping.email-unguarded"), "{found:#?}");
}

#[test]
fn a_runtime_error_on_valid_input_is_found() {
    let copy = CatalogCopy::new();
    copy.set_mapping_field(ENROLLMENT, "Price__c", ".price.currency | tonumber");
    let found = findings(&copy);
    assert!(has(&found, ENROLLMENT, "fields.Price__c", "mapping.runtime-error"), "{found:#?}");
}

#[test]
fn every_finding_is_reported_not_only_the_first() {
    let copy = CatalogCopy::new();
    copy.set_mapping_field(CONTACT, "FirstName", ".first_name // empty");
    copy.set_mapping_field(CONTACT, "MailingCity", ".adress.city");
    copy.set_mapping_field(ENROLLMENT, "Source_Status__c", r#""Pending""#);
    let found = findings(&copy);
    assert!(has(&found, CONTACT, "fields.FirstName", "mapping.length-unguarded"), "{found:#?}");
    assert!(has(&found, CONTACT, "fields.MailingCity", "mapping.unknown-source-path"), "{found:#?}");
    assert!(has(&found, ENROLLMENT, "fields.Source_Status__c", "mapping.picklist-literal"), "{found:#?}");
}

#[test]
fn a_mapping_to_an_unknown_target_is_found() {
    let copy = CatalogCopy::new();
    let text = std::fs::read_to_string(copy.path(CONTACT)).unwrap().replace("Contact@v1", "Contact@v9");
    copy.write(CONTACT, &text);
    let found = findings(&copy);
    assert!(has(&found, CONTACT, "target", "mapping.unknown-target"), "{found:#?}");
}
