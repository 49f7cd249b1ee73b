//! The offline contract tests: fixtures pass on the shipped catalog, a wrong expectation or a
//! broken mapping fails exactly the affected cases, and the JUnit report is valid.

use quick_junit::Report;
use switchyard_contracts::SystemId;
use switchyard_contracts::testing::run_contract_tests;

use crate::support::CatalogCopy;

#[test]
fn the_shipped_fixtures_pass() {
    let catalog = CatalogCopy::new().load();
    let report = run_contract_tests(&catalog, None);
    assert!(report.cases.len() >= 20, "the shipped catalog has fixtures for every mapping");
    assert!(report.untested.is_empty(), "{:?}", report.untested);
    assert_eq!(report.failed(), 0, "{}", report.to_text());
}

#[test]
fn a_changed_mapping_fails_exactly_the_affected_cases() {
    let copy = CatalogCopy::new();
    copy.set_mapping_field(
        "systems/salesforce/mappings/contact-from-user-migrated.toml",
        "Email",
        ".email // empty | trim | select(length <= 80)",
    );
    let report = run_contract_tests(&copy.load(), Some(&SystemId::parse("salesforce").unwrap()));
    let failed: Vec<&str> = report.cases.iter().filter(|c| !c.passed()).map(|c| c.name.as_str()).collect();
    assert_eq!(
        failed,
        vec!["mixed-case email is lowercased", "invalid and internationalised emails are left out"]
    );
    let text = report.to_text();
    assert!(
        text.contains("`Email`: expected \"ada.okafor@example.com\", got \"Ada.OKAFOR@Example.COM\""),
        "{text}"
    );
    assert!(report.cases.iter().all(|c| c.system.as_str() == "salesforce"));
}

#[test]
fn an_event_that_breaks_its_contract_is_reported_with_its_path() {
    let copy = CatalogCopy::new();
    let file = "systems/lms/fixtures/learner-from-user-migrated.json";
    let text = std::fs::read_to_string(copy.path(file)).unwrap().replacen(
        "\"status\": \"active\"",
        "\"status\": \"gold\"",
        1,
    );
    copy.write(file, &text);
    let report = run_contract_tests(&copy.load(), None);
    let failing = report.cases.iter().find(|c| !c.passed()).expect("one case fails");
    assert_eq!(failing.name, "ordinary learner");
    assert!(failing.problems[0].contains("data/status"), "{:?}", failing.problems);
}

#[test]
fn the_junit_report_is_valid_and_counts_failures() {
    let copy = CatalogCopy::new();
    copy.set_mapping_field("systems/lms/mappings/learner-from-user-migrated.toml", "status", r#""active""#);
    let report = run_contract_tests(&copy.load(), None);
    let xml = report.to_junit().unwrap();
    let parsed = Report::deserialize_from_str(&xml).expect("valid JUnit XML");
    assert_eq!(parsed.tests, report.cases.len());
    assert_eq!(parsed.failures, 1);
    let failing = parsed
        .test_suites
        .iter()
        .flat_map(|suite| suite.test_cases.iter())
        .find(|case| matches!(case.status, quick_junit::TestCaseStatus::NonSuccess { .. }))
        .expect("a failing case");
    assert_eq!(failing.name.as_str(), "learner without names or email (GDPR-erased)");
}

#[test]
fn the_shipped_expectations_say_what_the_crm_flows_must_do() {
    let catalog = CatalogCopy::new().load();
    let salesforce = catalog.system(&SystemId::parse("salesforce").unwrap()).unwrap();
    let activated = salesforce
        .expectations
        .iter()
        .find(|e| e.name == "enrollment-activated-by-crm-flow")
        .expect("the flow's post-condition is declared");
    assert_eq!(
        (activated.object.as_str(), activated.within_seconds, activated.fields.get("Status__c")),
        ("Enrollment__c", 60, Some(&serde_json::json!("Active")))
    );
    let no_error = salesforce.expectations.iter().find(|e| e.object == "Flow_Error__c").unwrap();
    assert!(!no_error.exists);
    // Every expectation names a mapping of its system (the loader refuses others).
    assert!(salesforce.expectations.iter().all(|e| salesforce.mappings.contains_key(&e.mapping)));
}

#[test]
fn an_expectation_for_an_unknown_mapping_is_refused() {
    let copy = CatalogCopy::new();
    let text = std::fs::read_to_string(copy.path("systems/salesforce/expectations.toml"))
        .unwrap()
        .replace("mapping = \"payment-from-payment-captured\"", "mapping = \"payments\"");
    copy.write("systems/salesforce/expectations.toml", &text);
    let errors = switchyard_contracts::Catalog::load(copy.root()).unwrap_err();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!(errors[0].rule, "expectation.unknown-mapping");
    assert!(errors[0].place.contains("payment-saved"), "{}", errors[0]);
}
