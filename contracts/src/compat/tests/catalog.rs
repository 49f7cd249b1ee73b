//! Checks against a catalog: modes pick the versions, target changes list the mappings they break.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use serde_json::{Value, json};

use super::target_contracts::{contact, text};
use super::{kinds, only, v};
use crate::catalog::{Catalog, EventContract, MappingSpec, SystemCatalog, TargetContract};
use crate::compat::{CompatError, CompatibilityMode, Direction, check_event_contract, check_target_contract};
use crate::mapping::CompiledMapping;
use crate::names::{EventRef, EventType, ObjectName, SystemId};

fn account_created() -> EventType {
    EventType::parse("account.created").expect("valid event type")
}

fn salesforce() -> SystemId {
    SystemId::parse("salesforce").expect("valid system")
}

fn event(version: u32, schema: Value) -> (EventRef, EventContract) {
    let contract = EventRef::new(account_created(), v(version));
    let validator = jsonschema::draft202012::new(&schema).expect("test schemas are valid");
    let file = PathBuf::from(format!("events/account.created/v{version}.schema.json"));
    (contract.clone(), EventContract::new(contract, file, schema, validator))
}

fn closed(properties: Value, required: &[&str]) -> Value {
    json!({"type": "object", "additionalProperties": false, "properties": properties, "required": required})
}

fn mapping(name: &str, target: &str, fields: &[(&str, &str)]) -> (String, Arc<CompiledMapping>) {
    let spec = MappingSpec {
        name: name.to_owned(),
        system: salesforce(),
        file: PathBuf::from(format!("mappings/{name}.toml")),
        description: None,
        source: EventRef::parse("account.created@v1").expect("valid reference"),
        target: target.parse().expect("valid reference"),
        when: None,
        fields: fields
            .iter()
            .map(|(field, expression)| ((*field).to_owned(), (*expression).to_owned()))
            .collect(),
    };
    (name.to_owned(), Arc::new(CompiledMapping::compile(spec).expect("test mappings compile")))
}

/// `account.created` v1..v3 (v2 dropped `nickname`), Contact v1 and v2 (v2 shortens `LastName`
/// and adds a required `Region__c`), and mappings written against each Contact version.
fn catalog() -> Catalog {
    let id = json!({"type": "string", "minLength": 1, "maxLength": 64});
    let last_name = json!({"type": "string", "minLength": 1, "maxLength": 80});
    let events = BTreeMap::from([
        event(1, closed(json!({"id": id, "last_name": last_name, "nickname": {"type": "string"}}), &["id"])),
        event(2, closed(json!({"id": id, "last_name": last_name}), &["id"])),
        event(3, closed(json!({"id": id, "last_name": last_name}), &["id"])),
    ]);
    let contacts: Vec<TargetContract> = vec![
        contact(1, vec![text("Legacy_Id__c", 64, true), text("LastName", 80, true)]),
        contact(
            2,
            vec![text("Legacy_Id__c", 64, true), text("LastName", 40, true), text("Region__c", 40, true)],
        ),
    ];
    let fields_v1 = [("Legacy_Id__c", ".id"), ("LastName", r#".last_name // "[not provided]""#)];
    let fields_v2 = [
        ("Legacy_Id__c", ".id"),
        ("LastName", r#"(.last_name // "[not provided]")[0:40]"#),
        ("Region__c", r#""Unknown""#),
    ];
    let system = SystemCatalog {
        id: salesforce(),
        targets: contacts.into_iter().map(|contact| (contact.target.clone(), contact)).collect(),
        mappings: BTreeMap::from([
            mapping("contact-v1", "Contact@v1", &fields_v1),
            mapping("contact-v2", "Contact@v2", &fields_v2),
        ]),
        fixtures: Vec::new(),
        expectations: Vec::new(),
    };
    Catalog { root: PathBuf::from("catalog"), events, systems: BTreeMap::from([(salesforce(), system)]) }
}

fn contact_object() -> ObjectName {
    ObjectName::parse("Contact").expect("valid object")
}

#[test]
fn transitive_modes_compare_with_every_earlier_version() {
    let catalog = catalog();

    let latest = check_event_contract(&catalog, &account_created(), v(2), v(3), CompatibilityMode::Backward)
        .expect("versions exist");
    assert!(latest.is_compatible(), "{}", latest.to_text());

    let transitive =
        check_event_contract(&catalog, &account_created(), v(2), v(3), CompatibilityMode::BackwardTransitive)
            .expect("versions exist");
    assert!(!transitive.is_compatible());
    let removed = only(&transitive.incompatibilities, "property-removed");
    assert_eq!((removed.from, removed.to), (v(1), v(3)));
    assert!(removed.message.contains("`nickname`"), "{}", removed.message);
}

#[test]
fn a_missing_version_is_named() {
    let err = check_event_contract(&catalog(), &account_created(), v(1), v(9), CompatibilityMode::Full)
        .expect_err("v9 does not exist");

    assert!(matches!(err, CompatError::UnknownEventVersion { version, .. } if version == v(9)));
    assert_eq!(
        err.to_string(),
        "event contract `account.created@v9` is not in the catalog (known versions: v1, v2, v3)"
    );
}

#[test]
fn target_change_lists_incompatibilities_and_the_mappings_it_breaks() {
    let report = check_target_contract(
        &catalog(),
        &salesforce(),
        &contact_object(),
        v(1),
        v(2),
        CompatibilityMode::Backward,
    )
    .expect("versions exist");

    assert_eq!(report.subject, "salesforce/Contact");
    assert_eq!(kinds(&report.incompatibilities), ["required-added", "length-decreased"]);
    // Only the mapping written against v1 is re-checked, and it breaks twice.
    assert_eq!(report.broken_mappings.len(), 1, "{}", report.to_text());
    let broken = &report.broken_mappings[0];
    assert_eq!(broken.mapping, "contact-v1");
    let rules: Vec<&str> = broken.findings.iter().map(|finding| finding.rule).collect();
    assert!(rules.contains(&"mapping.required-field-missing"), "{rules:?}");
    assert!(rules.contains(&"mapping.length-unguarded"), "{rules:?}");
    assert!(!report.is_compatible());
}

#[test]
fn the_text_report_has_a_verdict_one_line_per_incompatibility_and_the_broken_mappings() {
    let report = check_target_contract(
        &catalog(),
        &salesforce(),
        &contact_object(),
        v(1),
        v(2),
        CompatibilityMode::Full,
    )
    .expect("versions exist");

    let text = report.to_text();

    assert!(text.starts_with("salesforce/Contact v1 -> v2 (FULL): INCOMPATIBLE"), "{text}");
    assert!(
        text.contains("  error   backward /fields/Region__c: required field `Region__c` was added"),
        "{text}"
    );
    assert!(text.contains("\nbroken mappings:\n  salesforce/contact-v1\n    error[mapping."), "{text}");
    let lines = text.lines().filter(|line| line.starts_with("  error") || line.starts_with("  warning"));
    assert_eq!(lines.count(), report.incompatibilities.len(), "{text}");
    assert!(report.incompatibilities.iter().any(|found| found.direction == Direction::Forward));
}

#[test]
fn unknown_system_and_target_versions_are_errors() {
    let catalog = catalog();
    let lms = SystemId::parse("lms").expect("valid system");

    let err = check_target_contract(&catalog, &lms, &contact_object(), v(1), v(2), CompatibilityMode::Full)
        .expect_err("no lms system");
    assert_eq!(err, CompatError::UnknownSystem { system: lms });
    let err = check_target_contract(
        &catalog,
        &salesforce(),
        &contact_object(),
        v(3),
        v(2),
        CompatibilityMode::Full,
    )
    .expect_err("no v3");
    assert!(err.to_string().contains("`salesforce/Contact@v3`"), "{err}");
}

#[test]
fn modes_parse_in_any_spelling() {
    assert_eq!("backward".parse(), Ok(CompatibilityMode::Backward));
    assert_eq!("FULL_TRANSITIVE".parse(), Ok(CompatibilityMode::FullTransitive));
    assert_eq!("forward-transitive".parse(), Ok(CompatibilityMode::ForwardTransitive));
    assert!("sideways".parse::<CompatibilityMode>().is_err());
    assert_eq!(CompatibilityMode::Full.directions(), [Direction::Backward, Direction::Forward]);
}

#[test]
fn shipped_enrollment_created_v2_keeps_backward_but_breaks_forward() {
    let catalog = Catalog::load(Catalog::shipped_root()).expect("the shipped catalog loads");
    let enrollment_created = EventType::parse("enrollment.created").expect("valid event type");
    let check = |mode| {
        check_event_contract(&catalog, &enrollment_created, v(1), v(2), mode).expect("v1 and v2 are shipped")
    };

    let backward = check(CompatibilityMode::Backward);
    assert!(backward.is_compatible(), "{}", backward.to_text());
    let forward = check(CompatibilityMode::Forward);
    assert!(!forward.is_compatible());
    let bundle = forward.incompatibilities.iter().find(|found| found.pointer == "/properties/bundle");
    assert_eq!(bundle.map(|found| found.kind), Some("property-added"), "{}", forward.to_text());
}
