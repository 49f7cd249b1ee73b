//! Bad input gives clear errors with file and entity, never a panic; what Switchyard does not
//! use (other kinds, fields, annotations) loads without complaint.

use switchyard_dependency_map::rules as rule;

use crate::fixture::{BASE_MAP, Fixture, component, only, rules};

#[test]
fn base_fixture_loads_and_validates_clean() {
    // Every rule test below changes this base in one way; its finding comes from that change.
    let fixture = Fixture::new();
    assert_eq!(fixture.validate(), []);
}

#[test]
fn malformed_yaml_names_file_document_and_line() {
    let fixture = Fixture::new();
    fixture
        .map_file("broken.yaml", "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: [x\n");
    let findings = fixture.load().unwrap_err();
    let finding = only(&findings, rule::YAML, "broken.yaml", "document 1, line 4, column 1");
    assert!(finding.message.starts_with("not valid YAML"), "{}", finding.message);
}

#[test]
fn yaml_errors_in_later_documents_keep_earlier_ones_and_other_files() {
    let fixture = Fixture::new();
    let text = format!("{BASE_MAP}---\nkind: [\n");
    fixture.map_file("base.yaml", &text);
    fixture.map_file("other.yaml", "apiVersion: backstage.io/v1alpha1\nkind: Sytem\nmetadata: {name: x}\n");
    let findings = fixture.load().unwrap_err();
    assert_eq!(rules(&findings), [rule::YAML, rule::UNKNOWN_KIND]);
    assert!(findings[0].place.starts_with("document 3"), "{}", findings[0].place);
}

#[test]
fn wrong_kinds_are_named_with_a_hint() {
    let fixture = Fixture::new();
    fixture
        .map_file("kinds.yaml", "apiVersion: backstage.io/v1alpha1\nkind: component\nmetadata: {name: x}\n");
    let findings = fixture.load().unwrap_err();
    let finding = only(&findings, rule::UNKNOWN_KIND, "kinds.yaml", "document 1 kind");
    assert!(finding.message.contains("did you mean `Component`"), "{}", finding.message);
}

#[test]
fn reference_with_an_unknown_kind_is_rejected() {
    let fixture = Fixture::new();
    fixture.map_file(
        "base.yaml",
        &format!("{BASE_MAP}{}", component("flows", "  dependsOn: [compnent:salesforce]\n")),
    );
    let findings = fixture.load().unwrap_err();
    only(&findings, rule::UNKNOWN_KIND, "base.yaml", "component:flows spec.dependsOn[0]");
}

#[test]
fn documents_that_are_not_entities_are_malformed() {
    let fixture = Fixture::new();
    fixture.map_file(
        "bad.yaml",
        "- just a list\n---\napiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {title: no name}\n\
         ---\napiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: x}\nspec: {dependsOn: component:y}\n",
    );
    let findings = fixture.load().unwrap_err();
    let places: Vec<(&str, &str)> = findings.iter().map(|f| (f.rule, f.place.as_str())).collect();
    assert_eq!(
        places,
        [
            (rule::MALFORMED_ENTITY, "document 1"),
            (rule::MALFORMED_ENTITY, "document 2 metadata.name"),
            (rule::MALFORMED_ENTITY, "component:x spec.dependsOn"),
        ]
    );
    assert!(findings.iter().all(|f| f.file.ends_with("bad.yaml")));
}

#[test]
fn duplicate_names_name_both_files() {
    let fixture = Fixture::new();
    fixture.map_file(
        "other.yaml",
        "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata: {name: CRM-Team}\n",
    );
    let findings = fixture.load().unwrap_err();
    let finding = only(&findings, rule::DUPLICATE_ENTITY, "other.yaml", "group:crm-team metadata.name");
    assert!(finding.message.contains("base.yaml"), "{}", finding.message);
}

#[test]
fn two_delivery_targets_may_not_share_a_system_id() {
    let fixture = Fixture::new();
    fixture.map_file(
        "resource.yaml",
        "apiVersion: backstage.io/v1alpha1\nkind: Resource\nmetadata:\n  name: salesforce\n  annotations:\n    \
         switchyard.io/consumes: enrollment.created@v2\n    switchyard.io/adapter: salesforce\n\
         spec: {type: database, owner: crm-team}\n",
    );
    let findings = fixture.load().unwrap_err();
    let finding =
        only(&findings, rule::DUPLICATE_ENTITY, "resource.yaml", "resource:salesforce metadata.name");
    assert!(finding.message.contains("component:salesforce"), "{}", finding.message);
}

#[test]
fn invalid_switchyard_annotations_are_rejected_with_their_field() {
    let fixture = Fixture::new();
    let target = |name: &str, annotations: &str| {
        format!(
            "---\napiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: {name}\n  annotations:\n\
             {annotations}spec: {{type: saas, owner: crm-team}}\n"
        )
    };
    let text = [
        target(
            "no-version",
            "    switchyard.io/consumes: enrollment.created\n    switchyard.io/adapter: webhook\n",
        ),
        target("no-adapter", "    switchyard.io/consumes: enrollment.created@v2\n"),
        target("stray-adapter", "    switchyard.io/adapter: webhook\n"),
        target("bad-data", "    switchyard.io/personal-data: E-Mail\n"),
    ]
    .concat();
    fixture.map_file("targets.yaml", &text);
    let findings = fixture.load().unwrap_err();
    let places: Vec<(&str, &str)> = findings.iter().map(|f| (f.rule, f.place.as_str())).collect();
    assert_eq!(
        places,
        [
            (
                rule::INVALID_ANNOTATION,
                r#"component:no-version metadata.annotations["switchyard.io/consumes"]"#
            ),
            (
                rule::INVALID_ANNOTATION,
                r#"component:no-adapter metadata.annotations["switchyard.io/consumes"]"#
            ),
            (
                rule::INVALID_ANNOTATION,
                r#"component:stray-adapter metadata.annotations["switchyard.io/adapter"]"#
            ),
            (
                rule::INVALID_ANNOTATION,
                r#"component:bad-data metadata.annotations["switchyard.io/personal-data"]"#
            ),
        ]
    );
    assert!(findings[0].message.contains("enrollment.created"), "{}", findings[0].message);
    assert!(findings[1].message.contains("switchyard.io/adapter"), "{}", findings[1].message);
}

#[test]
fn unknown_switchyard_annotation_is_a_warning_with_a_suggestion() {
    let fixture = Fixture::new();
    let text = "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: ops\n  annotations:\n    \
                switchyard.io/on-call: pagerduty:ops\n    switchyard.io/chat: \"#ops\"\nspec: {type: team}\n";
    fixture.map_file("ops.yaml", text);
    let findings = fixture.validate();
    let finding = only(
        &findings,
        rule::UNKNOWN_ANNOTATION,
        "ops.yaml",
        r#"group:ops metadata.annotations["switchyard.io/on-call"]"#,
    );
    assert!(!finding.is_error());
    assert!(finding.message.contains("switchyard.io/oncall"), "{}", finding.message);
}

#[test]
fn kinds_fields_and_annotations_switchyard_does_not_use_load_without_complaint() {
    let fixture = Fixture::new();
    fixture.map_file(
        "backstage.yaml",
        "apiVersion: backstage.io/v1alpha1
kind: User
metadata: {name: jane, annotations: {example.com/badge: gold}}
spec: {profile: {email: jane@example.org}, memberOf: [crm-team]}
---
apiVersion: backstage.io/v1alpha1
kind: Domain
metadata: {name: learning}
spec: {owner: group:nobody-we-know}
---
apiVersion: backstage.io/v1alpha1
kind: Location
metadata: {name: everything}
spec: {targets: [./base.yaml, ./backstage.yaml]}
---
apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata: {name: new-service}
spec: {steps: []}
---
apiVersion: example.com/v1
kind: Pipeline
metadata: {name: anything-goes}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: crm-flows
  labels: {tier: gold}
  tags: [salesforce, flows]
  links: [{url: 'https://example.org', title: Docs}]
  annotations:
    backstage.io/techdocs-ref: dir:.
    github.com/project-slug: example/flows
spec:
  type: salesforce-flow
  lifecycle: production
  owner: crm-team
  dependsOn: [component:salesforce]
  subcomponentOf: salesforce
  customField: {nested: [1, 2, 3]}
",
    );
    let map = fixture.load().unwrap_or_else(|findings| panic!("{findings:#?}"));
    let kept: Vec<String> = map.entities().map(|e| e.entity_ref.to_string()).collect();
    assert_eq!(kept, ["component:crm-flows", "component:salesforce", "group:crm-team"]);
    assert_eq!(fixture.validate(), []);
}

#[test]
fn a_missing_or_empty_map_directory_is_unusable() {
    let fixture = Fixture::empty();
    let findings = fixture.load().unwrap_err();
    assert_eq!(rules(&findings), [rule::IO]);
    assert!(findings[0].message.contains("no .yaml"), "{}", findings[0].message);
    let missing =
        switchyard_dependency_map::DependencyMap::load(fixture.map_root().join("nope")).unwrap_err();
    assert_eq!(rules(&missing), [rule::IO]);
}

#[test]
fn arbitrary_bytes_never_panic() {
    // Not a property test: a handful of nasty inputs, each of which must come back as findings.
    let inputs: [&[u8]; 6] = [
        b"\xff\xfe not utf-8",
        b"{{{{",
        b"apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: a}\nspec: {owner: 5}\n",
        b"apiVersion: 3\nkind: Component\n",
        b"a: &x [*x]\n",
        b"apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: a, annotations: {switchyard.io/consumes: 7}}\n",
    ];
    for input in inputs {
        let fixture = Fixture::empty();
        std::fs::write(fixture.map_root().join("x.yaml"), input).expect("write");
        let findings = fixture.load().expect_err("should be refused");
        assert!(!findings.is_empty() && findings.iter().all(|f| f.file.ends_with("x.yaml")), "{findings:#?}");
    }
}
