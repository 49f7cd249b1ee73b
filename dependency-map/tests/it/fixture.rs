//! A map and a contract catalog written into a temporary directory: a small valid base that
//! each test breaks in one way.

use std::fs;
use std::path::{Path, PathBuf};

use switchyard_contracts::{Catalog, Finding};
use switchyard_dependency_map::{DependencyMap, validate};
use tempfile::TempDir;

/// A Group that can be reached, and a Salesforce delivery target it owns, consuming
/// `enrollment.created@v2` through mapping `enrollment-v2`.
pub const BASE_MAP: &str = "\
apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: crm-team
  annotations:
    switchyard.io/contact-email: crm-team@example.org
spec:
  type: team
  children: []
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: salesforce
  annotations:
    switchyard.io/consumes: enrollment.created@v2
    switchyard.io/adapter: salesforce
    switchyard.io/mappings: enrollment-v2
spec:
  type: saas
  lifecycle: production
  owner: group:crm-team
";

pub struct Fixture {
    dir: TempDir,
}

impl Fixture {
    /// The base map in `map/base.yaml`; a catalog with `enrollment.created` v1 and v2 and the
    /// `salesforce` mapping `enrollment-v2` (from v2).
    pub fn new() -> Self {
        let fixture = Self::empty();
        fixture.map_file("base.yaml", BASE_MAP);
        fixture.event("enrollment.created", 1);
        fixture.event("enrollment.created", 2);
        fixture.mapping("salesforce", "enrollment-v2", "enrollment.created@v2");
        fixture
    }

    /// No map files, an empty catalog.
    pub fn empty() -> Self {
        let dir = tempfile::tempdir().expect("temporary directory");
        fs::create_dir_all(dir.path().join("map")).expect("map dir");
        fs::create_dir_all(dir.path().join("catalog/events")).expect("catalog dir");
        Self { dir }
    }

    pub fn map_root(&self) -> PathBuf {
        self.dir.path().join("map")
    }

    pub fn catalog_root(&self) -> PathBuf {
        self.dir.path().join("catalog")
    }

    pub fn map_file(&self, name: &str, yaml: &str) {
        write(&self.map_root().join(name), yaml);
    }

    pub fn event(&self, event_type: &str, version: u32) {
        let schema = r#"{"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object"}"#;
        write(&self.catalog_root().join(format!("events/{event_type}/v{version}.schema.json")), schema);
    }

    /// A mapping into `Record@v1` of `system` (the target contract is written too).
    pub fn mapping(&self, system: &str, name: &str, source: &str) {
        let target = "[[fields]]\nname = \"Id__c\"\ntype = \"string\"\nlength = 40\n";
        write(&self.catalog_root().join(format!("systems/{system}/targets/Record/v1.toml")), target);
        let body = format!("source = \"{source}\"\ntarget = \"Record@v1\"\n\n[fields]\nId__c = '.id'\n");
        write(&self.catalog_root().join(format!("systems/{system}/mappings/{name}.toml")), &body);
    }

    pub fn load(&self) -> Result<DependencyMap, Vec<Finding>> {
        DependencyMap::load(self.map_root())
    }

    pub fn catalog(&self) -> Catalog {
        Catalog::load(self.catalog_root()).unwrap_or_else(|findings| panic!("fixture catalog: {findings:#?}"))
    }

    /// Loads (which must succeed) and validates against the fixture catalog.
    pub fn validate(&self) -> Vec<Finding> {
        let map = self.load().unwrap_or_else(|findings| panic!("the map should load: {findings:#?}"));
        validate(&map, &self.catalog())
    }
}

fn write(path: &Path, text: &str) {
    fs::create_dir_all(path.parent().expect("a parent")).expect("create dirs");
    fs::write(path, text).expect("write fixture file");
}

/// A component owned by `crm-team` with extra `spec` lines (already indented by two spaces).
pub fn component(name: &str, spec: &str) -> String {
    format!(
        "---\napiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: {name}\nspec:\n  \
         type: service\n  owner: group:crm-team\n{spec}"
    )
}

/// The rule codes of the findings, in order.
pub fn rules(findings: &[Finding]) -> Vec<&'static str> {
    findings.iter().map(|finding| finding.rule).collect()
}

/// Exactly one finding, with this rule, file (ending) and place; returns it for more checks.
pub fn only<'a>(findings: &'a [Finding], rule: &str, file: &str, place: &str) -> &'a Finding {
    assert_eq!(findings.len(), 1, "expected one {rule} finding, got {findings:#?}");
    let finding = &findings[0];
    assert_eq!(finding.rule, rule, "{finding:#?}");
    assert!(finding.file.ends_with(file), "file {} should end with {file}", finding.file.display());
    assert_eq!(finding.place, place, "{finding:#?}");
    finding
}
