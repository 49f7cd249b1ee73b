//! One test per validation rule: the base fixture broken in one way gives exactly that
//! finding, with its file, entity and field.

use switchyard_dependency_map::{dependency_cycles, rules as rule};

use crate::fixture::{BASE_MAP, Fixture, component, only};

const CONSUMES: &str = r#"metadata.annotations["switchyard.io/consumes"]"#;

#[test]
fn unknown_reference() {
    let fixture = Fixture::new();
    fixture.map_file(
        "base.yaml",
        &format!("{BASE_MAP}{}", component("flows", "  dependsOn: [component:salesforc]\n")),
    );
    let findings = fixture.validate();
    let finding = only(&findings, rule::UNKNOWN_REFERENCE, "base.yaml", "component:flows spec.dependsOn[0]");
    assert!(finding.message.contains("component:salesforc"), "{}", finding.message);
}

#[test]
fn unknown_reference_hints_at_the_same_name_of_another_kind() {
    let fixture = Fixture::new();
    fixture.map_file(
        "base.yaml",
        &format!("{BASE_MAP}{}", component("flows", "  dependsOn: [resource:salesforce]\n")),
    );
    let findings = fixture.validate();
    let finding = only(&findings, rule::UNKNOWN_REFERENCE, "base.yaml", "component:flows spec.dependsOn[0]");
    assert!(finding.message.contains("did you mean component:salesforce"), "{}", finding.message);
}

#[test]
fn wrong_reference_kind_for_owner_and_apis() {
    let fixture = Fixture::new();
    let flows =
        component("flows", "  consumesApis: [component:salesforce]\n").replace("group:crm-team", "user:jane");
    fixture.map_file("base.yaml", &format!("{BASE_MAP}{flows}"));
    let findings = fixture.validate();
    let places: Vec<(&str, &str)> = findings.iter().map(|f| (f.rule, f.place.as_str())).collect();
    assert_eq!(
        places,
        [
            (rule::WRONG_REFERENCE_KIND, "component:flows spec.consumesApis[0]"),
            (rule::WRONG_REFERENCE_KIND, "component:flows spec.owner"),
        ]
    );
    assert!(findings[1].message.contains("Groups"), "{}", findings[1].message);
}

#[test]
fn missing_owner() {
    let fixture = Fixture::new();
    fixture.map_file(
        "apis.yaml",
        "apiVersion: backstage.io/v1alpha1\nkind: API\nmetadata: {name: orders}\nspec: {type: openapi}\n",
    );
    let findings = fixture.validate();
    only(&findings, rule::MISSING_OWNER, "apis.yaml", "api:orders spec.owner");
}

#[test]
fn unreachable_owner() {
    let fixture = Fixture::new();
    let text = "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: silent\n  annotations:\n    \
                example.com/slack: '#not-ours'\nspec: {type: team, profile: {displayName: Silent}}\n";
    fixture
        .map_file("silent.yaml", &format!("{text}{}", component("thing", "").replace("crm-team", "silent")));
    let findings = fixture.validate();
    let finding =
        only(&findings, rule::UNREACHABLE_OWNER, "silent.yaml", "group:silent metadata.annotations");
    assert!(finding.message.contains("component:thing"), "{}", finding.message);
}

#[test]
fn a_group_that_owns_nothing_needs_no_contacts_and_profile_email_counts() {
    let fixture = Fixture::new();
    let idle = "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata: {name: idle}\nspec: {type: team}\n";
    let profiled = "---\napiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata: {name: profiled}\n\
                    spec: {type: team, profile: {email: profiled@example.org}}\n";
    let owned = component("thing", "").replace("crm-team", "profiled");
    fixture.map_file("groups.yaml", &format!("{idle}{profiled}{owned}"));
    assert_eq!(fixture.validate(), []);
}

#[test]
fn dependency_cycle_is_reported_once_with_the_full_loop() {
    let fixture = Fixture::new();
    let loop_of_three = [
        component("a", "  dependsOn: [component:b, component:salesforce]\n"),
        component("b", "  dependsOn: [component:c]\n"),
        component("c", "  dependsOn: [component:a]\n"),
        component("selfish", "  dependsOn: [component:selfish]\n"),
    ]
    .concat();
    fixture.map_file("loops.yaml", &loop_of_three);
    let findings = fixture.validate();
    let places: Vec<(&str, &str, &str)> =
        findings.iter().map(|f| (f.rule, f.place.as_str(), f.message.as_str())).collect();
    assert_eq!(
        places,
        [
            (
                rule::DEPENDENCY_CYCLE,
                "component:a spec.dependsOn[0]",
                "`spec.dependsOn` loops: component:a -> component:b -> component:c -> component:a"
            ),
            (
                rule::DEPENDENCY_CYCLE,
                "component:selfish spec.dependsOn[0]",
                "`spec.dependsOn` loops: component:selfish -> component:selfish"
            ),
        ]
    );
    assert!(findings.iter().all(|f| f.file.ends_with("loops.yaml")));
    assert_eq!(dependency_cycles(&fixture.load().unwrap()).len(), 2);
}

#[test]
fn api_relations_may_loop() {
    let fixture = Fixture::new();
    let text = [
        component("a", "  providesApis: [a-api]\n  consumesApis: [b-api]\n"),
        component("b", "  providesApis: [b-api]\n  consumesApis: [a-api]\n"),
        "---\napiVersion: backstage.io/v1alpha1\nkind: API\nmetadata: {name: a-api}\nspec: {owner: crm-team}\n".to_owned(),
        "---\napiVersion: backstage.io/v1alpha1\nkind: API\nmetadata: {name: b-api}\nspec: {owner: crm-team}\n".to_owned(),
    ]
    .concat();
    fixture.map_file("apis.yaml", &text);
    assert_eq!(fixture.validate(), []);
}

#[test]
fn unknown_event_contract_type_and_version() {
    let fixture = Fixture::new();
    fixture.map_file(
        "base.yaml",
        &BASE_MAP.replace(
            "enrollment.created@v2",
            "enrollment.created@v2, enrollment.created@v7, course.launched@v1",
        ),
    );
    let findings = fixture.validate();
    let messages: Vec<(&str, &str, &str)> =
        findings.iter().map(|f| (f.rule, f.place.as_str(), f.message.as_str())).collect();
    let place = format!("component:salesforce {CONSUMES}");
    assert_eq!(
        messages,
        [
            (
                rule::UNKNOWN_EVENT_CONTRACT,
                place.as_str(),
                "the contract catalog has `enrollment.created` v1, v2 but not v7"
            ),
            (
                rule::UNKNOWN_EVENT_CONTRACT,
                place.as_str(),
                "the contract catalog has no event type `course.launched`"
            ),
        ]
    );
}

#[test]
fn unknown_mapping() {
    let fixture = Fixture::new();
    fixture.map_file(
        "base.yaml",
        &BASE_MAP.replace("mappings: enrollment-v2", "mappings: enrollment-v2, contact-v1"),
    );
    let findings = fixture.validate();
    let place = r#"component:salesforce metadata.annotations["switchyard.io/mappings"]"#;
    let finding = only(&findings, rule::UNKNOWN_MAPPING, "base.yaml", place);
    assert!(
        finding.message.contains("`contact-v1`") && finding.message.contains("enrollment-v2"),
        "{}",
        finding.message
    );
}

#[test]
fn unmapped_consumption() {
    let fixture = Fixture::new();
    fixture.map_file(
        "base.yaml",
        &BASE_MAP.replace("enrollment.created@v2", "enrollment.created@v2, enrollment.created@v1"),
    );
    let findings = fixture.validate();
    let finding =
        only(&findings, rule::UNMAPPED_CONSUMPTION, "base.yaml", &format!("component:salesforce {CONSUMES}"));
    assert!(finding.message.contains("enrollment.created@v1"), "{}", finding.message);
}

#[test]
fn undeclared_consumption() {
    let fixture = Fixture::new();
    fixture.mapping("salesforce", "enrollment-v1", "enrollment.created@v1");
    let findings = fixture.validate();
    let finding = only(
        &findings,
        rule::UNDECLARED_CONSUMPTION,
        "base.yaml",
        &format!("component:salesforce {CONSUMES}"),
    );
    assert!(finding.message.contains("enrollment-v1"), "{}", finding.message);
}

#[test]
fn unknown_system() {
    let fixture = Fixture::new();
    fixture.mapping("lms", "learner", "enrollment.created@v2");
    let findings = fixture.validate();
    let finding = only(&findings, rule::UNKNOWN_SYSTEM, "catalog/systems/lms", "system lms");
    assert!(finding.message.contains("`lms`") && finding.message.contains("learner"), "{}", finding.message);
}

#[test]
fn unknown_system_says_when_an_entity_has_the_name_but_no_consumes() {
    let fixture = Fixture::new();
    fixture.mapping("lms", "learner", "enrollment.created@v2");
    fixture.map_file("lms.yaml", &component("lms", ""));
    let findings = fixture.validate();
    let finding = only(&findings, rule::UNKNOWN_SYSTEM, "catalog/systems/lms", "system lms");
    assert!(finding.message.contains("component:lms has that name"), "{}", finding.message);
}

#[test]
fn every_problem_is_reported_not_the_first() {
    let fixture = Fixture::new();
    fixture.map_file(
        "base.yaml",
        &BASE_MAP.replace("enrollment.created@v2", "enrollment.created@v2, enrollment.created@v9"),
    );
    fixture.map_file(
        "more.yaml",
        &[
            component("a", "  dependsOn: [component:nowhere]\n"),
            component("b", "").replace("group:crm-team", "group:ghosts"),
        ]
        .concat(),
    );
    fixture.mapping("lms", "learner", "enrollment.created@v2");
    let mut found: Vec<(&str, String)> = fixture
        .validate()
        .iter()
        .map(|f| (f.rule, f.file.file_name().unwrap_or_default().to_string_lossy().into_owned()))
        .collect();
    found.sort();
    assert_eq!(
        found,
        [
            (rule::UNKNOWN_EVENT_CONTRACT, "base.yaml".to_owned()),
            (rule::UNKNOWN_REFERENCE, "more.yaml".to_owned()),
            (rule::UNKNOWN_REFERENCE, "more.yaml".to_owned()),
            (rule::UNKNOWN_SYSTEM, "lms".to_owned()),
        ]
    );
}
