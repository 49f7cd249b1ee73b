//! Reads the catalog directory, collecting every malformed file as a finding.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::Value;

use super::{
    Catalog, EventContract, Expectation, ExpectationsFile, Fixture, FixtureCase, MappingFile, MappingSpec,
    SystemCatalog, TargetContract, TargetContractFile,
};
use crate::finding::Finding;
use crate::mapping::CompiledMapping;
use crate::names::{ContractVersion, EventRef, EventType, ObjectName, SystemId, TargetRef};

/// Collects findings while loading; paths in findings are relative to the catalog root.
struct LoadContext<'a> {
    root: &'a Path,
    findings: Vec<Finding>,
}

impl LoadContext<'_> {
    fn relative(&self, path: &Path) -> PathBuf {
        path.strip_prefix(self.root).unwrap_or(path).to_path_buf()
    }

    fn error(
        &mut self,
        path: &Path,
        place: impl Into<String>,
        rule: &'static str,
        message: impl Into<String>,
    ) {
        let file = self.relative(path);
        self.findings.push(Finding::error(file, place, rule, message));
    }

    fn read(&mut self, path: &Path) -> Option<String> {
        match fs::read(path) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(text) => Some(text),
                Err(err) => {
                    self.error(
                        path,
                        "",
                        "load.encoding",
                        format!("not UTF-8 (byte {})", err.utf8_error().valid_up_to()),
                    );
                    None
                }
            },
            Err(err) => {
                self.error(path, "", "load.io", format!("cannot read: {err}"));
                None
            }
        }
    }

    fn read_toml<T: serde::de::DeserializeOwned>(&mut self, path: &Path) -> Option<T> {
        let text = self.read(path)?;
        match toml::from_str(&text) {
            Ok(value) => Some(value),
            Err(err) => {
                let place = err.span().map(|span| line_column(&text, span.start)).unwrap_or_default();
                self.error(path, place, "load.toml", err.message().to_owned());
                None
            }
        }
    }

    fn read_json<T: serde::de::DeserializeOwned>(&mut self, path: &Path) -> Option<T> {
        let text = self.read(path)?;
        match serde_json::from_str(&text) {
            Ok(value) => Some(value),
            Err(err) => {
                let place = format!("line {}, column {}", err.line(), err.column());
                self.error(path, place, "load.json", err.to_string());
                None
            }
        }
    }

    /// Sorted entries of a directory; a missing directory is empty.
    fn entries(&mut self, dir: &Path) -> Vec<PathBuf> {
        let Ok(read) = fs::read_dir(dir) else { return Vec::new() };
        let mut entries: Vec<PathBuf> =
            read.filter_map(|entry| entry.ok().map(|entry| entry.path())).collect();
        entries.sort();
        entries
    }
}

fn line_column(text: &str, offset: usize) -> String {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |last| last.chars().count()) + 1;
    format!("line {line}, column {column}")
}

fn file_name(path: &Path) -> &str {
    path.file_name().and_then(|name| name.to_str()).unwrap_or_default()
}

/// `v2.toml` -> 2, with the expected suffix.
fn version_from_file(path: &Path, suffix: &str) -> Option<ContractVersion> {
    ContractVersion::parse(file_name(path).strip_suffix(suffix)?).ok()
}

pub(super) fn load(root: &Path) -> Result<Catalog, Vec<Finding>> {
    let mut cx = LoadContext { root, findings: Vec::new() };
    if !root.is_dir() {
        cx.error(root, "", "load.io", "the catalog directory does not exist");
        return Err(cx.findings);
    }
    let events = load_events(&mut cx, &root.join("events"));
    let mut systems = BTreeMap::new();
    for dir in cx.entries(&root.join("systems")) {
        if !dir.is_dir() {
            continue;
        }
        match SystemId::parse(file_name(&dir)) {
            Ok(id) => {
                let system = load_system(&mut cx, &dir, id.clone(), &events);
                systems.insert(id, system);
            }
            Err(err) => cx.error(&dir, "", "load.name", err.to_string()),
        }
    }
    if cx.findings.is_empty() {
        Ok(Catalog { root: root.to_path_buf(), events, systems })
    } else {
        Err(cx.findings)
    }
}

fn load_events(cx: &mut LoadContext<'_>, dir: &Path) -> BTreeMap<EventRef, EventContract> {
    let mut events = BTreeMap::new();
    for type_dir in cx.entries(dir) {
        if !type_dir.is_dir() {
            continue;
        }
        let event_type = match EventType::parse(file_name(&type_dir)) {
            Ok(event_type) => event_type,
            Err(err) => {
                cx.error(&type_dir, "", "load.name", err.to_string());
                continue;
            }
        };
        for file in cx.entries(&type_dir) {
            let Some(version) = version_from_file(&file, ".schema.json") else {
                cx.error(&file, "", "load.name", "event contract files are named `v<N>.schema.json`");
                continue;
            };
            let Some(schema) = cx.read_json::<Value>(&file) else { continue };
            let validator = match jsonschema::draft202012::new(&schema) {
                Ok(validator) => validator,
                Err(err) => {
                    let place = err.instance_path().to_string();
                    cx.error(
                        &file,
                        place,
                        "load.schema",
                        format!("not a valid JSON Schema (draft 2020-12): {err}"),
                    );
                    continue;
                }
            };
            let contract = EventRef::new(event_type.clone(), version);
            let relative = cx.relative(&file);
            events.insert(contract.clone(), EventContract::new(contract, relative, schema, validator));
        }
    }
    events
}

fn load_system(
    cx: &mut LoadContext<'_>,
    dir: &Path,
    id: SystemId,
    events: &BTreeMap<EventRef, EventContract>,
) -> SystemCatalog {
    let targets = load_targets(cx, &dir.join("targets"), &id);
    let mappings = load_mappings(cx, &dir.join("mappings"), &id);
    let fixtures = load_fixtures(cx, &dir.join("fixtures"), &mappings);
    let expectations = load_expectations(cx, &dir.join("expectations.toml"), &id, &mappings);
    let _ = events;
    SystemCatalog { id, targets, mappings, fixtures, expectations }
}

fn load_targets(
    cx: &mut LoadContext<'_>,
    dir: &Path,
    system: &SystemId,
) -> BTreeMap<TargetRef, TargetContract> {
    let mut targets = BTreeMap::new();
    for object_dir in cx.entries(dir) {
        if !object_dir.is_dir() {
            continue;
        }
        let object = match ObjectName::parse(file_name(&object_dir)) {
            Ok(object) => object,
            Err(err) => {
                cx.error(&object_dir, "", "load.name", err.to_string());
                continue;
            }
        };
        for file in cx.entries(&object_dir) {
            let Some(version) = version_from_file(&file, ".toml") else {
                cx.error(&file, "", "load.name", "target contract files are named `v<N>.toml`");
                continue;
            };
            let Some(body) = cx.read_toml::<TargetContractFile>(&file) else { continue };
            check_target_fields(cx, &file, &body);
            let target = TargetRef::new(object.clone(), version);
            targets.insert(
                target.clone(),
                TargetContract {
                    system: system.clone(),
                    target,
                    file: cx.relative(&file),
                    description: body.description,
                    external_id: body.external_id,
                    fields: body.fields,
                },
            );
        }
    }
    targets
}

/// Rules a target contract file must follow to be usable at all.
fn check_target_fields(cx: &mut LoadContext<'_>, file: &Path, body: &TargetContractFile) {
    let mut seen = std::collections::BTreeSet::new();
    for (index, field) in body.fields.iter().enumerate() {
        let place = format!("fields[{index}] ({})", field.name);
        if !seen.insert(field.name.as_str()) {
            cx.error(
                file,
                place.clone(),
                "target.duplicate-field",
                format!("field `{}` is declared twice", field.name),
            );
        }
        if field.length.is_some() && !field.field_type.is_text() {
            cx.error(
                file,
                place.clone(),
                "target.length-on-non-text",
                format!("`length` applies to text types, not {}", field.field_type.name()),
            );
        }
        let is_picklist =
            matches!(field.field_type, super::FieldType::Picklist | super::FieldType::Multipicklist);
        if is_picklist && field.values.is_empty() {
            cx.error(file, place.clone(), "target.picklist-without-values", "a picklist needs `values`");
        }
        if !is_picklist && (!field.values.is_empty() || field.restricted) {
            cx.error(
                file,
                place.clone(),
                "target.values-on-non-picklist",
                "`values` and `restricted` apply to picklists only",
            );
        }
        if field.field_type == super::FieldType::Reference && field.reference_to.is_none() {
            cx.error(file, place, "target.reference-without-object", "a reference needs `reference_to`");
        }
    }
    if let Some(external_id) = &body.external_id
        && !seen.contains(external_id.as_str())
    {
        cx.error(
            file,
            "external_id",
            "target.unknown-external-id",
            format!("external id `{external_id}` is not one of the fields"),
        );
    }
}

fn load_mappings(
    cx: &mut LoadContext<'_>,
    dir: &Path,
    system: &SystemId,
) -> BTreeMap<String, Arc<CompiledMapping>> {
    let mut mappings = BTreeMap::new();
    for file in cx.entries(dir) {
        let Some(name) = file_name(&file).strip_suffix(".toml").map(str::to_owned) else {
            cx.error(&file, "", "load.name", "mapping files are named `<name>.toml`");
            continue;
        };
        let Some(body) = cx.read_toml::<MappingFile>(&file) else { continue };
        let mut fields = Vec::new();
        for (field, expression) in body.fields {
            match expression {
                toml::Value::String(expression) => fields.push((field, expression)),
                other => cx.error(
                    &file,
                    format!("fields.{field}"),
                    "mapping.expression-not-string",
                    format!("expected a jq expression as a string, found a {}", other.type_str()),
                ),
            }
        }
        let spec = MappingSpec {
            name: name.clone(),
            system: system.clone(),
            file: cx.relative(&file),
            description: body.description,
            source: body.source,
            target: body.target,
            when: body.when,
            fields,
        };
        match CompiledMapping::compile(spec) {
            Ok(mapping) => {
                mappings.insert(name, Arc::new(mapping));
            }
            Err(findings) => cx.findings.extend(findings),
        }
    }
    mappings
}

fn load_fixtures(
    cx: &mut LoadContext<'_>,
    dir: &Path,
    mappings: &BTreeMap<String, Arc<CompiledMapping>>,
) -> Vec<Fixture> {
    let mut fixtures = Vec::new();
    for file in cx.entries(dir) {
        let Some(mapping) = file_name(&file).strip_suffix(".json").map(str::to_owned) else {
            cx.error(&file, "", "load.name", "fixture files are named `<mapping>.json`");
            continue;
        };
        if !mappings.contains_key(&mapping) {
            cx.error(
                &file,
                "",
                "fixture.unknown-mapping",
                format!("no mapping named `{mapping}` in this system"),
            );
            continue;
        }
        let Some(cases) = cx.read_json::<Vec<FixtureCase>>(&file) else { continue };
        for (index, case) in cases.into_iter().enumerate() {
            fixtures.push(Fixture {
                mapping: mapping.clone(),
                file: cx.relative(&file),
                index,
                name: case.name,
                description: case.description,
                event: case.event,
                expected: case.expected,
            });
        }
    }
    fixtures
}

fn load_expectations(
    cx: &mut LoadContext<'_>,
    file: &Path,
    system: &SystemId,
    mappings: &BTreeMap<String, Arc<CompiledMapping>>,
) -> Vec<Expectation> {
    if !file.exists() {
        return Vec::new();
    }
    let Some(body) = cx.read_toml::<ExpectationsFile>(file) else { return Vec::new() };
    let mut expectations = Vec::new();
    for (index, entry) in body.expectations.into_iter().enumerate() {
        let place = format!("expectations[{index}] ({})", entry.name);
        if !mappings.contains_key(&entry.mapping) {
            cx.error(
                file,
                format!("{place}.mapping"),
                "expectation.unknown-mapping",
                format!("no mapping named `{}` in this system", entry.mapping),
            );
        }
        let sources = [("when", entry.when.as_deref()), ("match_value", Some(entry.match_value.as_str()))];
        for (key, source) in sources.into_iter().filter_map(|(key, source)| Some((key, source?))) {
            if let Err(err) = crate::mapping::JqProgram::compile(source) {
                cx.error(file, format!("{place}.{key}"), "expectation.jq-syntax", err);
            }
        }
        expectations.push(Expectation {
            system: system.clone(),
            file: cx.relative(file),
            index,
            name: entry.name,
            description: entry.description,
            mapping: entry.mapping,
            when: entry.when,
            object: entry.object,
            match_field: entry.match_field,
            match_value: entry.match_value,
            within_seconds: entry.within_seconds,
            exists: entry.exists,
            fields: entry.fields,
        });
    }
    expectations
}
