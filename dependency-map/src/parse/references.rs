//! Entity references in `spec` fields: `[kind:][namespace/]name`, with the field's default
//! kind, and Backstage's rule for names.

use serde_norway::Value;

use super::{DocumentReader, what};
use crate::entity::{EntityRef, Kind, Reference};
use crate::rules;

impl DocumentReader<'_> {
    pub(super) fn references(
        &mut self,
        spec: &Value,
        key: &str,
        default: Option<Kind>,
        namespace: &str,
    ) -> Vec<Reference> {
        let field = format!("spec.{key}");
        let items = match spec.get(key) {
            None | Some(Value::Null) => return Vec::new(),
            Some(Value::Sequence(items)) => items,
            Some(other) => {
                let message = format!("expected a list of entity references, found {}", what(other));
                self.error(&field, rules::MALFORMED_ENTITY, message);
                return Vec::new();
            }
        };
        let mut references = Vec::new();
        for (index, item) in items.iter().enumerate() {
            let item_field = format!("{field}[{index}]");
            match item {
                Value::String(raw) => {
                    references.extend(self.reference(raw, item_field, default, namespace));
                }
                other => self.error(
                    &item_field,
                    rules::MALFORMED_ENTITY,
                    format!("expected an entity reference, found {}", what(other)),
                ),
            }
        }
        references
    }

    /// `[kind:][namespace/]name`; the kind may be left out only where the field has a default.
    pub(super) fn reference(
        &mut self,
        raw: &str,
        field: String,
        default: Option<Kind>,
        namespace: &str,
    ) -> Option<Reference> {
        let raw = raw.trim();
        let (kind, rest) = match raw.split_once(':') {
            Some((kind, rest)) => match Kind::from_reference(kind) {
                Some(kind) => (kind, rest),
                None => {
                    self.error(
                        &field,
                        rules::UNKNOWN_KIND,
                        format!("`{kind}` in reference `{raw}` is not a Backstage kind"),
                    );
                    return None;
                }
            },
            None => match default {
                Some(kind) => (kind, raw),
                None => {
                    self.error(
                        &field,
                        rules::MALFORMED_ENTITY,
                        format!("`{raw}` needs its kind here, e.g. `component:{raw}` or `resource:{raw}`"),
                    );
                    return None;
                }
            },
        };
        let (target_namespace, name) = rest.split_once('/').unwrap_or((namespace, rest));
        if !is_backstage_name(name) || !is_backstage_name(target_namespace) {
            self.error(&field, rules::MALFORMED_ENTITY, format!("`{raw}` is not an entity reference"));
            return None;
        }
        Some(Reference { target: EntityRef::new(kind, target_namespace, name), field })
    }
}

/// Backstage's rule for names and namespaces: 1-63 characters of letters, digits and `-_.`,
/// starting and ending with a letter or digit, no two separators in a row.
pub(super) fn is_backstage_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    let separator = |b: u8| matches!(b, b'-' | b'_' | b'.');
    !name.is_empty()
        && name.len() <= 63
        && bytes.iter().all(|&b| b.is_ascii_alphanumeric() || separator(b))
        && bytes.first().is_some_and(u8::is_ascii_alphanumeric)
        && bytes.last().is_some_and(u8::is_ascii_alphanumeric)
        && !bytes.windows(2).any(|pair| separator(pair[0]) && separator(pair[1]))
}
