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

use super::schema_change::{Change, SchemaChange};
use super::schema_keywords;
use super::schema_shape::{
    Node, alternatives, constraint_siblings, merge_into, resolve, split_writer, types_of,
};
use super::{CompatibilityMode, Direction, Incompatibility};
use crate::finding::Severity;
use crate::names::ContractVersion;

/// Deeper than any real contract; stops runaway recursion on hostile input.
const MAX_DEPTH: usize = 64;
/// Matching alternatives tries each pairing, which nested alternatives multiply. The shipped
/// contracts need under 50 comparisons; this bounds the work on pathological schemas.
const MAX_COMPARISONS: usize = 20_000;

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
    let mut walk = Walk {
        writer_root: writer,
        reader_root: reader,
        active_refs: Vec::new(),
        comparisons: 0,
        changes: Vec::new(),
    };
    let (writer_root, reader_root) = (Node::root(writer), Node::root(reader));
    walk.compare(&writer_root, &reader_root, "", 0);
    if walk.comparisons > MAX_COMPARISONS {
        walk.push(SchemaChange::TooComplex, &writer_root, &reader_root, "");
    }
    let mut unique: Vec<Change> = Vec::with_capacity(walk.changes.len());
    for change in walk.changes {
        // A `$defs` entry reached twice through the same path reports once.
        if !unique.contains(&change) {
            unique.push(change);
        }
    }
    unique.into_iter().map(|change| change.into_incompatibility(direction, from, to)).collect()
}

/// The walk over two schemas, collecting changes.
pub(super) struct Walk<'r> {
    writer_root: &'r Value,
    reader_root: &'r Value,
    /// The (writer, reader) `$ref` targets being compared further up: meeting one again is a cycle.
    active_refs: Vec<(String, String)>,
    comparisons: usize,
    pub changes: Vec<Change>,
}

impl<'r> Walk<'r> {
    pub fn push(&mut self, what: SchemaChange, writer: &Node<'_>, reader: &Node<'_>, field: &str) {
        let severity = match what {
            SchemaChange::PatternChanged { .. }
            | SchemaChange::FormatChanged { .. }
            | SchemaChange::RefUnresolved { .. }
            | SchemaChange::TooComplex => Severity::Warning,
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
        self.comparisons += 1;
        if self.comparisons > MAX_COMPARISONS {
            return; // Reported once, at the root, when the walk ends.
        }
        if depth > MAX_DEPTH {
            self.push(SchemaChange::TooComplex, writer, reader, field);
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
        if writer_map.contains_key("allOf") {
            let merged = self.merge_all_of(&writer, writer_map);
            let merged = Node { schema: &merged, pointer: writer.pointer.clone() };
            self.compare(&merged, reader, field, depth + 1);
            return;
        }
        if let Some((keyword, variants)) = alternatives(writer_map) {
            self.compare_writer_alternatives(&writer, keyword, variants, reader, field, depth);
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

    /// Writer data matches one of its alternatives (and the keywords beside them): each
    /// alternative must be readable.
    fn compare_writer_alternatives(
        &mut self,
        writer: &Node<'_>,
        keyword: &str,
        variants: &[Value],
        reader: &Node<'_>,
        field: &str,
        depth: usize,
    ) {
        let siblings = writer.object().and_then(|map| constraint_siblings(map, keyword));
        for (index, variant) in variants.iter().enumerate() {
            let index = index.to_string();
            let variant = writer.child(variant, &[keyword, &index]);
            let resolved = resolve(self.writer_root, &variant).ok();
            match (&siblings, resolved.as_ref().and_then(Node::object)) {
                (Some(siblings), Some(variant_map)) => {
                    let mut merged = siblings.clone();
                    merge_into(&mut merged, variant_map);
                    let merged = Value::Object(merged);
                    self.compare(
                        &Node { schema: &merged, pointer: variant.pointer },
                        reader,
                        field,
                        depth + 1,
                    );
                }
                _ => self.compare(&variant, reader, field, depth + 1),
            }
        }
    }

    /// A writer's `allOf` as one schema: its parts' keywords merged into the keywords beside it.
    fn merge_all_of(&self, writer: &Node<'_>, writer_map: &Map<String, Value>) -> Value {
        let mut merged = writer_map.clone();
        let parts = merged.remove("allOf");
        for (index, part) in parts.iter().filter_map(Value::as_array).flatten().enumerate() {
            let index = index.to_string();
            let part = writer.child(part, &["allOf", &index]);
            if let Some(part) = resolve(self.writer_root, &part).ok().as_ref().and_then(Node::object) {
                merge_into(&mut merged, part);
            }
        }
        Value::Object(merged)
    }
}

fn count_errors(changes: &[Change]) -> usize {
    changes.iter().filter(|change| change.severity == Severity::Error).count()
}
