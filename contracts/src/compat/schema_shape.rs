//! Reading a schema's shape for the diff: local `$ref`s, declared and implied types, listed
//! values, `anyOf`/`oneOf` alternatives, and reshaping a writer schema so its parts can be matched.

use serde_json::{Map, Value};

use super::json_types::TypeSet;

/// `$ref` chains (a ref to a ref ...) longer than this are treated as unresolvable.
const MAX_REF_HOPS: usize = 16;

/// Keywords that describe and never constrain.
const ANNOTATIONS: [&str; 9] = [
    "title",
    "description",
    "default",
    "examples",
    "$comment",
    "deprecated",
    "readOnly",
    "writeOnly",
    "$schema",
];

/// A schema and its JSON pointer in its own document.
#[derive(Debug, Clone)]
pub(super) struct Node<'s> {
    pub schema: &'s Value,
    pub pointer: String,
}

impl<'s> Node<'s> {
    pub fn root(schema: &'s Value) -> Self {
        Self { schema, pointer: String::new() }
    }

    /// A child at `pointer` + the escaped `segments`.
    pub fn child(&self, schema: &'s Value, segments: &[&str]) -> Self {
        let mut pointer = self.pointer.clone();
        pointer.push_str(&crate::finding::json_pointer(segments));
        Self { schema, pointer }
    }

    pub fn object(&self) -> Option<&'s Map<String, Value>> {
        self.schema.as_object()
    }
}

/// The `anyOf` or `oneOf` alternatives of a schema, with the keyword.
pub(super) fn alternatives(schema: &Map<String, Value>) -> Option<(&'static str, &Vec<Value>)> {
    ["anyOf", "oneOf"]
        .into_iter()
        .find_map(|keyword| schema.get(keyword).and_then(Value::as_array).map(|variants| (keyword, variants)))
}

/// Follows `$ref` to a local definition (`#/$defs/X` or any `#/...` pointer). Siblings of `$ref`
/// are not merged in: schemars only puts annotations there. `Err` holds the unresolved reference.
pub(super) fn resolve<'s>(root: &'s Value, node: &Node<'s>) -> Result<Node<'s>, String> {
    let mut current = node.clone();
    for _ in 0..MAX_REF_HOPS {
        let Some(reference) = current.schema.get("$ref").and_then(Value::as_str) else {
            return Ok(current);
        };
        let target = reference.strip_prefix('#').and_then(|pointer| {
            root.pointer(pointer).map(|schema| Node { schema, pointer: pointer.to_owned() })
        });
        match target {
            Some(target) => current = target,
            None => return Err(reference.to_owned()),
        }
    }
    Err(current.schema.get("$ref").and_then(Value::as_str).unwrap_or_default().to_owned())
}

/// The types a (resolved) schema allows: declared, implied by `enum`/`const`, or any.
/// `None` when it cannot tell (composite schemas).
pub(super) fn types_of(node: Option<&Node<'_>>) -> Option<TypeSet> {
    let schema = match node?.schema {
        Value::Bool(true) => return Some(TypeSet::ANY),
        Value::Bool(false) => return Some(TypeSet::EMPTY),
        Value::Object(schema) => schema,
        _ => return None,
    };
    if let Some(declared) = TypeSet::declared(schema) {
        return Some(declared);
    }
    if let Some(values) = enum_values(schema) {
        return Some(values.iter().fold(TypeSet::EMPTY, |set, value| set.union(TypeSet::of_value(value))));
    }
    let composite =
        ["anyOf", "oneOf", "allOf", "$ref", "not", "if"].iter().any(|key| schema.contains_key(*key));
    if composite { None } else { Some(TypeSet::ANY) }
}

/// The values an `enum` or `const` allows.
pub(super) fn enum_values(schema: &Map<String, Value>) -> Option<Vec<&Value>> {
    if let Some(value) = schema.get("const") {
        return Some(vec![value]);
    }
    schema.get("enum").and_then(Value::as_array).map(|values| values.iter().collect())
}

/// Splits a writer schema so each part can be matched to one reader alternative: by value when it
/// lists values, else by type when it declares several (`["string","null"]` vs `anyOf`).
pub(super) fn split_writer(schema: &Map<String, Value>) -> Vec<Value> {
    let with = |changes: &[(&str, Value)], without: &[&str]| {
        let mut part = schema.clone();
        for key in without {
            part.remove(*key);
        }
        for (key, value) in changes {
            part.insert((*key).to_owned(), value.clone());
        }
        Value::Object(part)
    };
    if let Some(values) = enum_values(schema).filter(|values| values.len() > 1) {
        return values
            .into_iter()
            .map(|value| {
                let kind = Value::String(TypeSet::of_value(value).to_string());
                with(&[("const", value.clone()), ("type", kind)], &["enum"])
            })
            .collect();
    }
    if let Some(Value::Array(types)) =
        schema.get("type").filter(|types| types.as_array().is_some_and(|t| t.len() > 1))
    {
        return types.iter().map(|kind| with(&[("type", kind.clone())], &[])).collect();
    }
    vec![Value::Object(schema.clone())]
}

/// The constraining keywords beside `keyword` (e.g. `properties` next to a `oneOf` that a flattened
/// enum produced), or `None` when there are only annotations.
pub(super) fn constraint_siblings(schema: &Map<String, Value>, keyword: &str) -> Option<Map<String, Value>> {
    let siblings: Map<String, Value> = schema
        .iter()
        .filter(|(key, _)| {
            key.as_str() != keyword && !ANNOTATIONS.contains(&key.as_str()) && key.as_str() != "$defs"
        })
        .map(|(key, value)| (key.clone(), value.clone()))
        .collect();
    (!siblings.is_empty()).then_some(siblings)
}

/// Adds `extra`'s keywords to `base`, approximating the intersection of both schemas:
/// `properties` are united, `required` lists concatenated, any other keyword taken from `extra`.
pub(super) fn merge_into(base: &mut Map<String, Value>, extra: &Map<String, Value>) {
    for (key, value) in extra {
        match (key.as_str(), base.get_mut(key), value) {
            ("properties", Some(Value::Object(into)), Value::Object(more)) => {
                into.extend(more.iter().map(|(name, schema)| (name.clone(), schema.clone())));
            }
            ("required", Some(Value::Array(into)), Value::Array(more)) => {
                for name in more {
                    if !into.contains(name) {
                        into.push(name.clone());
                    }
                }
            }
            _ => {
                base.insert(key.clone(), value.clone());
            }
        }
    }
}

/// `true`, `{}` or a schema of annotations only.
pub(super) fn accepts_anything(schema: &Value) -> bool {
    match schema {
        Value::Bool(accepts) => *accepts,
        Value::Object(map) => map.keys().all(|key| ANNOTATIONS.contains(&key.as_str())),
        _ => false,
    }
}
