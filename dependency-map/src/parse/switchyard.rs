//! Reading the `switchyard.io/...` annotations of one entity: unknown or misplaced ones are
//! warnings, values that do not parse are errors.

use serde_norway::Value;
use switchyard_contracts::SystemId;

use super::{DocumentReader, what};
use crate::annotations as ann;
use crate::entity::{DEFAULT_NAMESPACE, Delivery, EntityRef, Kind};
use crate::rules;

impl DocumentReader<'_> {
    /// The `switchyard.io/...` annotations as strings; warns about unknown or misplaced ones.
    pub(super) fn annotations(&mut self, metadata: &Value, kind: Kind) -> Vec<(String, String)> {
        let Some(Value::Mapping(annotations)) = metadata.get("annotations") else {
            if let Some(other) = metadata.get("annotations").filter(|value| !value.is_null()) {
                let message = format!("expected a mapping, found {}", what(other));
                self.error("metadata.annotations", rules::MALFORMED_ENTITY, message);
            }
            return Vec::new();
        };
        let mut ours = Vec::new();
        for (key, value) in annotations {
            let Some(key) = key.as_str().filter(|key| key.starts_with(ann::PREFIX)) else { continue };
            let field = annotation_field(key);
            let Some(text) = value.as_str() else {
                let message = format!("annotation values are strings, found {}", what(value));
                self.error(&field, rules::INVALID_ANNOTATION, message);
                continue;
            };
            match ann::applies_to(key, kind) {
                Some(true) => ours.push((key.to_owned(), text.to_owned())),
                Some(false) => {
                    let message = format!("`{key}` does not apply to a {kind}; it is ignored");
                    self.warning(&field, rules::UNKNOWN_ANNOTATION, message);
                }
                None => {
                    let hint =
                        ann::suggestion(key).map(|s| format!("; did you mean `{s}`?")).unwrap_or_default();
                    let message = format!("Switchyard does not know `{key}`; it is ignored{hint}");
                    self.warning(&field, rules::UNKNOWN_ANNOTATION, message);
                }
            }
        }
        ours
    }

    pub(super) fn annotation<T>(
        &mut self,
        annotations: &[(String, String)],
        name: &str,
        parse: impl Fn(&str) -> Result<T, String>,
    ) -> Option<T> {
        let (_, raw) = annotations.iter().find(|(key, _)| key == name)?;
        match parse(raw) {
            Ok(value) => Some(value),
            Err(message) => {
                self.error(&annotation_field(name), rules::INVALID_ANNOTATION, message);
                None
            }
        }
    }

    pub(super) fn delivery(
        &mut self,
        annotations: &[(String, String)],
        entity_ref: &EntityRef,
    ) -> Option<Delivery> {
        let has = |name: &str| annotations.iter().any(|(key, _)| key == name);
        if !has(ann::CONSUMES) {
            for stray in [ann::ADAPTER, ann::MAPPINGS].into_iter().filter(|name| has(name)) {
                let message = format!("`{stray}` applies to delivery targets: add `{}`", ann::CONSUMES);
                self.error(&annotation_field(stray), rules::INVALID_ANNOTATION, message);
            }
            return None;
        }
        let consumes = self.annotation(annotations, ann::CONSUMES, ann::parse_consumes);
        let adapter = self.annotation(annotations, ann::ADAPTER, ann::parse_adapter);
        let mappings = self.annotation(annotations, ann::MAPPINGS, ann::parse_mappings);
        if !has(ann::ADAPTER) {
            let message = format!("a delivery target says which adapter delivers: add `{}`", ann::ADAPTER);
            self.error(&annotation_field(ann::CONSUMES), rules::INVALID_ANNOTATION, message);
        }
        let system = match SystemId::parse(entity_ref.name()) {
            Ok(system) if entity_ref.namespace() == DEFAULT_NAMESPACE => Some(system),
            Ok(_) => {
                let message = "a delivery target lives in the default namespace: its name is the \
                               catalog's system id";
                self.error(&annotation_field(ann::CONSUMES), rules::INVALID_ANNOTATION, message);
                None
            }
            Err(err) => {
                let message = format!("a delivery target's name is the catalog's system id: {err}");
                self.error(&annotation_field(ann::CONSUMES), rules::INVALID_ANNOTATION, message);
                None
            }
        };
        Some(Delivery {
            system: system?,
            consumes: consumes?,
            adapter: adapter?,
            mappings: mappings.unwrap_or_default(),
        })
    }
}

/// `metadata.annotations["switchyard.io/consumes"]`
pub(crate) fn annotation_field(name: &str) -> String {
    format!("metadata.annotations[\"{name}\"]")
}
