//! Routes over the shipped map and catalog, and the refusals on broken inputs (temp copies).

use std::path::Path;

use switchyard_contracts::{Catalog, EventRef, SystemId};
use switchyard_dependency_map::DependencyMap;

use super::*;
use crate::config::{AdapterKind, HubConfig};

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

fn shipped() -> (DependencyMap, Catalog) {
    (
        DependencyMap::load(DependencyMap::shipped_root()).unwrap(),
        Catalog::load(Catalog::shipped_root()).unwrap(),
    )
}

fn event(text: &str) -> EventRef {
    EventRef::parse(text).unwrap()
}

fn system(text: &str) -> SystemId {
    SystemId::parse(text).unwrap()
}

fn config(text: &str) -> HubConfig {
    HubConfig::from_toml(text).unwrap()
}

fn lms_webhook() -> String {
    format!("[systems.lms.webhook]\nurl = \"https://lms.example.com/hooks\"\nsecrets = [\"{SECRET}\"]\n")
}

/// Copies `from` into a temp dir, then replaces `old` by `new` in `file` (relative path).
fn edited_copy(from: &Path, file: &str, old: &str, new: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(from, dir.path());
    let path = dir.path().join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(old), "{file} should contain {old}");
    std::fs::write(&path, text.replacen(old, new, 1)).unwrap();
    dir
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[test]
fn shipped_map_and_catalog_route_both_systems() {
    let (map, catalog) = shipped();
    let routes = Routes::build(&map, &catalog, &HubConfig::default()).unwrap();
    let systems: Vec<_> = routes.systems().map(|(id, kind)| (id.to_string(), kind)).collect();
    assert_eq!(
        systems,
        [("lms".to_owned(), AdapterKind::Webhook), ("salesforce".to_owned(), AdapterKind::Salesforce)]
    );

    let enrollment: Vec<_> = routes
        .for_event(&event("enrollment.created@v2"))
        .iter()
        .map(|route| (route.system.to_string(), route.mapping.name().to_owned()))
        .collect();
    assert_eq!(
        enrollment,
        [
            ("lms".to_owned(), "enrollment-from-enrollment-created-v2".to_owned()),
            ("salesforce".to_owned(), "enrollment-from-enrollment-created-v2".to_owned()),
        ]
    );
    let v1: Vec<_> =
        routes.for_event(&event("enrollment.created@v1")).iter().map(|r| r.system.to_string()).collect();
    assert_eq!(v1, ["salesforce"]);
    assert_eq!(routes.for_event(&event("user.migrated@v1")).len(), 2);
    assert!(routes.for_event(&event("enrollment.created@v9")).is_empty());
}

#[test]
fn systems_without_adapter_settings_are_routed_and_wait() {
    let (map, catalog) = shipped();
    let routes = Routes::build(&map, &catalog, &HubConfig::default()).unwrap();
    let waiting: Vec<_> = routes.waiting_systems().map(ToString::to_string).collect();
    assert_eq!(waiting, ["lms", "salesforce"]);

    let routes = Routes::build(&map, &catalog, &config(&lms_webhook())).unwrap();
    assert!(!routes.is_waiting(&system("lms")));
    assert!(routes.is_waiting(&system("salesforce")));
}

#[test]
fn configured_systems_must_be_on_the_map_with_its_adapter() {
    let (map, catalog) = shipped();
    let text = "[systems.lms]\nadapter = \"salesforce\"\n[systems.hubspot]\n";
    let errors = Routes::build(&map, &catalog, &config(text)).unwrap_err();
    assert_eq!(
        errors,
        [
            RouteError::UnknownSystem { system: system("hubspot") },
            RouteError::AdapterMismatch {
                system: system("lms"),
                configured: "salesforce".into(),
                on_map: "webhook".into()
            },
        ]
    );
    assert_eq!(errors[0].to_string(), "systems.hubspot: the dependency map has no delivery target `hubspot`");
}

#[test]
fn a_consumed_version_without_a_mapping_is_refused() {
    let (_, catalog) = shipped();
    let map_dir = edited_copy(
        &DependencyMap::shipped_root(),
        "learning.yaml",
        "switchyard.io/consumes: user.migrated@v1, enrollment.created@v2",
        "switchyard.io/consumes: user.migrated@v1, enrollment.created@v1, enrollment.created@v2",
    );
    let map = DependencyMap::load(map_dir.path()).unwrap();
    let errors = Routes::build(&map, &catalog, &HubConfig::default()).unwrap_err();
    assert_eq!(
        errors,
        [RouteError::MissingMapping { system: system("lms"), event: event("enrollment.created@v1") }]
    );
}

#[test]
fn a_mapping_that_does_not_type_check_is_refused() {
    let (map, _) = shipped();
    let catalog_dir = edited_copy(
        &Catalog::shipped_root(),
        "systems/lms/mappings/enrollment-from-enrollment-created-v2.toml",
        "course_code = '.course_code'",
        "course_code = '.course_code'\nno_such_field = '.course_code'",
    );
    let catalog = Catalog::load(catalog_dir.path()).unwrap();
    let errors = Routes::build(&map, &catalog, &HubConfig::default()).unwrap_err();
    assert_eq!(errors.len(), 1, "{errors:?}");
    let RouteError::MappingTypeCheck { system: sys, mapping, findings } = &errors[0] else {
        panic!("expected a type-check error: {errors:?}");
    };
    assert_eq!((sys, mapping.as_str()), (&system("lms"), "enrollment-from-enrollment-created-v2"));
    assert!(findings.iter().any(|finding| finding.rule == "mapping.unknown-target-field"), "{findings:?}");
    assert!(errors[0].to_string().contains("no_such_field"), "{}", errors[0]);
}

#[test]
fn every_problem_is_reported_at_once() {
    let (_, catalog) = shipped();
    let map_dir = edited_copy(
        &DependencyMap::shipped_root(),
        "learning.yaml",
        "switchyard.io/mappings: learner-from-user-migrated, enrollment-from-enrollment-created-v2",
        "switchyard.io/mappings: learner-from-user-migrated, enrolment-typo",
    );
    let map = DependencyMap::load(map_dir.path()).unwrap();
    let errors = Routes::build(&map, &catalog, &config("[systems.hubspot]\n")).unwrap_err();
    assert_eq!(
        errors,
        [
            RouteError::UnknownSystem { system: system("hubspot") },
            RouteError::UnknownMapping { system: system("lms"), mapping: "enrolment-typo".into() },
            RouteError::MissingMapping { system: system("lms"), event: event("enrollment.created@v2") },
        ]
    );
}
