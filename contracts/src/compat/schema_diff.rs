//! Compares two JSON Schemas (draft 2020-12, as schemars writes them): which data the writer's
//! schema allows that the reader's refuses.
//!
//! The comparison is structural and errs towards reporting: it follows local `$ref`s into
//! `$defs`, walks `properties`, `additionalProperties`, `items` and `prefixItems`, and matches
//! `anyOf`/`oneOf` alternatives (each writer alternative must be accepted by some reader
//! alternative; `oneOf` exclusivity is not checked). Keywords it cannot reason about (`not`,
//! `if`/`then`/`else`, `dependentRequired`, `multipleOf`, `patternProperties` beyond noting it)
//! are ignored; changed `pattern`s and `format`s are warnings, since inclusion cannot be proven.

use serde_json::{Map, Value};

use super::json_types::TypeSet;
use super::schema_change::{Change, SchemaChange};
use super::schema_keywords;
use super::{CompatibilityMode, Direction, Incompatibility};
use crate::finding::Severity;
use crate::names::ContractVersion;

/// Deeper than any real contract; stops runaway recursion on hostile input.
const MAX_DEPTH: usize = 64;
/// `$ref` chains (a ref to a ref ...) longer than this are treated as unresolvable.
const MAX_REF_HOPS: usize = 16;

/// Every incompatibility between two versions of one event schema under `mode`. `old` is the
/// schema of `from`, `new` that of `to`. Transitive modes compare just these two schemas here:
/// `check_event_contract` is what brings in the other versions.
pub fn diff_event_schemas(
    old: &Value,
    new: &Value,
    from: ContractVersion,
    to: ContractVersion,
    mode: CompatibilityMode,
) -> Vec<Incompatibility> {
    mode.directions().iter().flat_map(|&direction| diff_direction(old, new, from, to, direction)).collect()
}

/// BACKWARD: what `old` allows that `new` refuses. FORWARD: what `new` allows that `old` refuses.
fn diff_direction(
    old: &Value,
    new: &Value,
    from: ContractVersion,
    to: ContractVersion,
    direction: Direction,
) -> Vec<Incompatibility> {
    let (writer, reader) = match direction {
        Direction::Backward => (old, new),
        Direction::Forward => (new, old),
    };
    let mut walk =
        Walk { writer_root: writer, reader_root: reader, active_refs: Vec::new(), changes: Vec::new() };
    walk.compare(&Node::root(writer), &Node::root(reader), "", 0);
    let mut unique: Vec<Change> = Vec::with_capacity(walk.changes.len());
    for change in walk.changes {
        // A `$defs` entry reached twice through the same path reports once.
        if !unique.contains(&change) {
            unique.push(change);
        }
    }
    unique.into_iter().map(|change| change.into_incompatibility(direction, from, to)).collect()
}

/// A schema and its JSON pointer in its own document.
#[derive(Debug, Clone)]
pub(super) struct Node<'s> {
    pub schema: &'s Value,
    pub pointer: String,
}

impl<'s> Node<'s> {
    fn root(schema: &'s Value) -> Self {
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

/// The walk over two schemas, collecting changes.
pub(super) struct Walk<'r> {
    writer_root: &'r Value,
    reader_root: &'r Value,
    /// The (writer, reader) `$ref` targets being compared further up: meeting one again is a cycle.
    active_refs: Vec<(String, String)>,
    pub changes: Vec<Change>,
}

impl<'r> Walk<'r> {
    pub fn push(&mut self, what: SchemaChange, writer: &Node<'_>, reader: &Node<'_>, field: &str) {
        let severity = match what {
            SchemaChange::PatternChanged { .. }
            | SchemaChange::FormatChanged { .. }
            | SchemaChange::RefUnresolved { .. }
            | SchemaChange::TooDeep => Severity::Warning,
            _ => Severity::Error,
        };
        self.push_with(what, severity, writer, reader, field);
    }

    pub fn push_with(
        &mut self,
        what: SchemaChange,
        severity: Severity,
        writer: &Node<'_>,
        reader: &Node<'_>,
        field: &str,
    ) {
        self.changes.push(Change {
            what,
            severity,
            writer_pointer: writer.pointer.clone(),
            reader_pointer: reader.pointer.clone(),
            field: field.to_owned(),
        });
    }

    /// Compares a writer schema with a reader schema at one place of the data.
    pub fn compare(&mut self, writer: &Node<'_>, reader: &Node<'_>, field: &str, depth: usize) {
        if depth > MAX_DEPTH {
            self.push(SchemaChange::TooDeep, writer, reader, field);
            return;
        }
        let writer_resolved = match resolve(self.writer_root, writer) {
            Ok(node) => node,
            Err(reference) => {
                self.push(SchemaChange::RefUnresolved { reference, in_reader: false }, writer, reader, field);
                return;
            }
        };
        let reader_resolved = match resolve(self.reader_root, reader) {
            Ok(node) => node,
            Err(reference) => {
                self.push(SchemaChange::RefUnresolved { reference, in_reader: true }, writer, reader, field);
                return;
            }
        };
        let followed_ref =
            writer_resolved.pointer != writer.pointer || reader_resolved.pointer != reader.pointer;
        if !followed_ref {
            self.compare_resolved(&writer_resolved, &reader_resolved, field, depth);
            return;
        }
        let key = (writer_resolved.pointer.clone(), reader_resolved.pointer.clone());
        if self.active_refs.contains(&key) {
            // Already comparing these two definitions further up (a recursive type).
            return;
        }
        self.active_refs.push(key);
        self.compare_resolved(&writer_resolved, &reader_resolved, field, depth);
        self.active_refs.pop();
    }

    fn compare_resolved(&mut self, writer: &Node<'_>, reader: &Node<'_>, field: &str, depth: usize) {
        match (writer.schema, reader.schema) {
            (_, Value::Bool(true)) | (Value::Bool(false), _) => return,
            (_, Value::Bool(false)) => {
                self.push(SchemaChange::RejectsAll, writer, reader, field);
                return;
            }
            _ => {}
        }
        let empty = Value::Object(Map::new());
        // `true` allows anything, exactly as `{}` does.
        let writer = if writer.schema == &Value::Bool(true) {
            Node { schema: &empty, pointer: writer.pointer.clone() }
        } else {
            writer.clone()
        };
        let (Some(writer_map), Some(reader_map)) = (writer.object(), reader.object()) else {
            return; // Not a schema: nothing provable.
        };
        if let Some((keyword, variants)) = alternatives(writer_map) {
            // Writer data matches one of its alternatives: each must be readable.
            for (index, variant) in variants.iter().enumerate() {
                let index = index.to_string();
                self.compare(&writer.child(variant, &[keyword, &index]), reader, field, depth + 1);
            }
            return;
        }
        if let Some(parts) = reader_map.get("allOf").and_then(Value::as_array) {
            for (index, part) in parts.iter().enumerate() {
                let index = index.to_string();
                self.compare(&writer, &reader.child(part, &["allOf", &index]), field, depth + 1);
            }
        }
        schema_keywords::compare_keywords(self, &writer, reader, field, depth);
        if let Some((keyword, variants)) = alternatives(reader_map) {
            for part in split_writer(writer_map) {
                let part_node = Node { schema: &part, pointer: writer.pointer.clone() };
                self.match_alternative(&part_node, reader, keyword, variants, field, depth);
            }
        }
    }

    /// Finds a reader alternative that accepts everything `writer` allows. When none does, reports
    /// the closest one's findings (same type, fewest errors), or that the alternative was removed.
    fn match_alternative(
        &mut self,
        writer: &Node<'_>,
        reader: &Node<'_>,
        keyword: &str,
        variants: &[Value],
        field: &str,
        depth: usize,
    ) {
        let writer_types = types_of(resolve(self.writer_root, writer).ok().as_ref());
        let mut closest: Option<Vec<Change>> = None;
        for (index, variant) in variants.iter().enumerate() {
            let index = index.to_string();
            let variant = reader.child(variant, &[keyword, &index]);
            let mark = self.changes.len();
            self.compare(writer, &variant, field, depth + 1);
            let found = self.changes.split_off(mark);
            let errors = count_errors(&found);
            if errors == 0 {
                self.changes.extend(found);
                return;
            }
            let variant_types = types_of(resolve(self.reader_root, &variant).ok().as_ref());
            let similar = match (writer_types, variant_types) {
                (Some(w), Some(r)) => w.overlaps(r),
                _ => true,
            };
            if similar && closest.as_ref().is_none_or(|best| errors < count_errors(best)) {
                closest = Some(found);
            }
        }
        match closest {
            Some(found) => self.changes.extend(found),
            None => {
                let description = writer_types.map_or_else(|| "other".to_owned(), |types| types.to_string());
                let at = Node { schema: reader.schema, pointer: format!("{}/{keyword}", reader.pointer) };
                self.push(SchemaChange::VariantRemoved { writer: description }, writer, &at, field);
            }
        }
    }
}

fn count_errors(changes: &[Change]) -> usize {
    changes.iter().filter(|change| change.severity == Severity::Error).count()
}

/// The `anyOf` or `oneOf` alternatives of a schema, with the keyword.
fn alternatives(schema: &Map<String, Value>) -> Option<(&'static str, &Vec<Value>)> {
    ["anyOf", "oneOf"]
        .into_iter()
        .find_map(|keyword| schema.get(keyword).and_then(Value::as_array).map(|variants| (keyword, variants)))
}

/// Follows `$ref` to a local definition (`#/$defs/X` or any `#/...` pointer). Siblings of `$ref`
/// are not merged in: schemars only puts annotations there. `Err` holds the unresolved reference.
fn resolve<'s>(root: &'s Value, node: &Node<'s>) -> Result<Node<'s>, String> {
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
fn split_writer(schema: &Map<String, Value>) -> Vec<Value> {
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
