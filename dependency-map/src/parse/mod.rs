//! One YAML document -> one `Entity`: reads the fields Switchyard uses, ignores the rest, and
//! reports every field it cannot use with file, entity and field.

use std::path::Path;

use serde_norway::Value;
use switchyard_contracts::Finding;

mod references;
mod switchyard;

pub(crate) use switchyard::annotation_field;

use crate::annotations::{self as ann};
use crate::entity::{Contacts, DEFAULT_NAMESPACE, Entity, EntityRef, Kind};
use crate::rules;
use references::is_backstage_name;

/// Where a document sits, and the findings collected while reading it.
pub(crate) struct DocumentReader<'a> {
    pub file: &'a Path,
    pub findings: &'a mut Vec<Finding>,
    /// `kind:name` once known; before that, `document N`.
    place: String,
}

impl<'a> DocumentReader<'a> {
    /// `document` is the 1-based position of the document in its file.
    pub fn new(file: &'a Path, document: usize, findings: &'a mut Vec<Finding>) -> Self {
        Self { file, findings, place: format!("document {document}") }
    }

    fn error(&mut self, field: &str, rule: &'static str, message: impl Into<String>) {
        let place = if field.is_empty() { self.place.clone() } else { format!("{} {field}", self.place) };
        self.findings.push(Finding::error(self.file, place, rule, message));
    }

    fn warning(&mut self, field: &str, rule: &'static str, message: impl Into<String>) {
        let place = format!("{} {field}", self.place);
        self.findings.push(Finding::warning(self.file, place, rule, message));
    }

    /// Reads one document. `None` for kinds Switchyard ignores and for broken entities (their
    /// problems are in `findings`).
    pub fn read(mut self, value: &Value) -> Option<Entity> {
        let Value::Mapping(_) = value else {
            self.error(
                "",
                rules::MALFORMED_ENTITY,
                "a catalog entity is a mapping with apiVersion, kind, metadata and spec",
            );
            return None;
        };
        let api_version = self.required_string(value, "apiVersion")?;
        // Entities of other API groups (scaffolder templates, plugins' own kinds) are not ours.
        if !api_version.starts_with("backstage.io/") {
            return None;
        }
        let kind = self.kind(value)?;
        if !kind.is_used() {
            return None;
        }
        let metadata = value.get("metadata").unwrap_or(&Value::Null);
        let name = self.required_string(metadata, "metadata.name")?;
        let namespace = self.optional_string(metadata, "metadata.namespace", "namespace");
        let namespace = namespace.unwrap_or_else(|| DEFAULT_NAMESPACE.to_owned());
        if !is_backstage_name(&name) || !is_backstage_name(&namespace) {
            self.error(
                "metadata.name",
                rules::MALFORMED_ENTITY,
                format!(
                    "`{namespace}/{name}` is not a Backstage name: letters, digits and `-_.`, \
                     starting and ending with a letter or digit, at most 63 characters"
                ),
            );
            return None;
        }
        let entity_ref = EntityRef::new(kind, &namespace, &name);
        self.place = entity_ref.to_string();
        let errors_before = self.error_count();
        let entity = self.entity(value, metadata, entity_ref, name, &namespace);
        (self.error_count() == errors_before).then_some(entity)
    }

    fn error_count(&self) -> usize {
        self.findings.iter().filter(|finding| finding.is_error()).count()
    }

    fn kind(&mut self, value: &Value) -> Option<Kind> {
        let raw = self.required_string(value, "kind")?;
        if let Some(kind) = Kind::from_kind_field(&raw) {
            return Some(kind);
        }
        let hint = match Kind::from_reference(&raw) {
            Some(kind) => format!("; did you mean `{kind}`?"),
            None => String::new(),
        };
        let known: Vec<&str> = Kind::ALL.iter().map(|kind| kind.as_str()).collect();
        self.error(
            "kind",
            rules::UNKNOWN_KIND,
            format!("`{raw}` is not a Backstage kind ({}){hint}", known.join(", ")),
        );
        None
    }

    fn entity(
        &mut self,
        value: &Value,
        metadata: &Value,
        entity_ref: EntityRef,
        name: String,
        namespace: &str,
    ) -> Entity {
        let spec = value.get("spec").unwrap_or(&Value::Null);
        let kind = entity_ref.kind();
        let reference = |reader: &mut Self, key: &str, default: Option<Kind>| {
            let field = format!("spec.{key}");
            let raw = reader.optional_string(spec, &field, key)?;
            reader.reference(&raw, field, default, namespace)
        };
        let owner = if kind.is_node() { reference(self, "owner", Some(Kind::Group)) } else { None };
        let in_system = matches!(kind, Kind::Component | Kind::Api | Kind::Resource);
        let system = if in_system { reference(self, "system", Some(Kind::System)) } else { None };
        let (depends_on, provides_apis, consumes_apis) = if kind.is_node() {
            (
                self.references(spec, "dependsOn", None, namespace),
                self.references(spec, "providesApis", Some(Kind::Api), namespace),
                self.references(spec, "consumesApis", Some(Kind::Api), namespace),
            )
        } else {
            Default::default()
        };
        let annotations = self.annotations(metadata, kind);
        let delivery = self.delivery(&annotations, &entity_ref);
        let personal_data = self.annotation(&annotations, ann::PERSONAL_DATA, ann::parse_personal_data);
        let profile_email = spec.get("profile").and_then(|profile| profile.get("email"));
        let contacts = Contacts {
            email: self
                .annotation(&annotations, ann::CONTACT_EMAIL, ann::parse_email)
                .or_else(|| profile_email.and_then(Value::as_str).and_then(|e| ann::parse_email(e).ok())),
            chat: self.annotation(&annotations, ann::CHAT, ann::parse_contact),
            oncall: self.annotation(&annotations, ann::ONCALL, ann::parse_contact),
        };
        Entity {
            entity_ref,
            file: self.file.to_path_buf(),
            name,
            title: self.optional_string(metadata, "metadata.title", "title"),
            description: self.optional_string(metadata, "metadata.description", "description"),
            spec_type: self.optional_string(spec, "spec.type", "type"),
            lifecycle: self.optional_string(spec, "spec.lifecycle", "lifecycle"),
            owner,
            system,
            depends_on,
            provides_apis,
            consumes_apis,
            delivery,
            personal_data: personal_data.unwrap_or_default(),
            contacts,
        }
    }

    fn required_string(&mut self, value: &Value, field: &str) -> Option<String> {
        let key = field.rsplit('.').next().unwrap_or(field);
        match value.get(key) {
            Some(Value::String(text)) if !text.trim().is_empty() => Some(text.trim().to_owned()),
            Some(Value::String(_)) | None | Some(Value::Null) => {
                self.error(field, rules::MALFORMED_ENTITY, format!("`{field}` is required"));
                None
            }
            Some(other) => {
                self.error(
                    field,
                    rules::MALFORMED_ENTITY,
                    format!("expected a string, found {}", what(other)),
                );
                None
            }
        }
    }

    fn optional_string(&mut self, value: &Value, field: &str, key: &str) -> Option<String> {
        match value.get(key)? {
            Value::String(text) => Some(text.trim().to_owned()),
            Value::Null => None,
            other => {
                self.error(
                    field,
                    rules::MALFORMED_ENTITY,
                    format!("expected a string, found {}", what(other)),
                );
                None
            }
        }
    }
}

fn what(value: &Value) -> &'static str {
    match value {
        Value::Null => "nothing",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Sequence(_) => "a list",
        Value::Mapping(_) => "a mapping",
        Value::Tagged(_) => "a tagged value",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(yaml: &str) -> (Option<Entity>, Vec<Finding>) {
        let value: Value = serde_norway::from_str(yaml).unwrap();
        let mut findings = Vec::new();
        let entity = DocumentReader::new(Path::new("x.yaml"), 1, &mut findings).read(&value);
        (entity, findings)
    }

    #[test]
    fn reads_references_with_default_kinds_and_namespaces() {
        let (entity, findings) = read(
            "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: crm-flows, namespace: crm}\n\
             spec: {owner: crm-team, system: crm, dependsOn: [component:default/salesforce, Resource:dwh], \
             consumesApis: [events]}\n",
        );
        assert!(findings.is_empty(), "{findings:?}");
        let entity = entity.unwrap();
        assert_eq!(entity.entity_ref.to_string(), "component:crm/crm-flows");
        assert_eq!(entity.owner.unwrap().target.to_string(), "group:crm/crm-team");
        let depends: Vec<String> = entity.depends_on.iter().map(|r| r.target.to_string()).collect();
        assert_eq!(depends, ["component:salesforce", "resource:crm/dwh"]);
        assert_eq!(entity.consumes_apis[0].target.to_string(), "api:crm/events");
        assert_eq!(entity.consumes_apis[0].field, "spec.consumesApis[0]");
    }

    #[test]
    fn depends_on_needs_a_kind_and_fields_need_the_right_shape() {
        let (entity, findings) = read(
            "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: a}\n\
             spec: {owner: [x], dependsOn: [salesforce]}\n",
        );
        assert!(entity.is_none());
        let places: Vec<&str> = findings.iter().map(|f| f.place.as_str()).collect();
        assert_eq!(places, ["component:a spec.owner", "component:a spec.dependsOn[0]"]);
        assert!(findings[1].message.contains("component:salesforce"));
    }

    #[test]
    fn names_follow_backstage_rules() {
        for good in ["a", "crm-team", "A.b_c-1", "x9"] {
            assert!(is_backstage_name(good), "{good}");
        }
        for bad in ["", "-a", "a-", "a--b", "a b", "ä", &"a".repeat(64)] {
            assert!(!is_backstage_name(bad), "{bad}");
        }
    }
}
