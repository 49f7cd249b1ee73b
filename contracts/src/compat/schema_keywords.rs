//! The keyword-by-keyword part of the schema diff: types, listed values, bounds, strings,
//! arrays and objects, each checked only when the writer may produce that kind of value.

use serde_json::{Map, Value};

use super::json_types::TypeSet;
use super::schema_change::SchemaChange;
use super::schema_diff::Walk;
use super::schema_shape::{Node, accepts_anything, enum_values, types_of};
use crate::finding::Severity;

static ANYTHING: Value = Value::Bool(true);

/// Compares the keywords of two resolved object schemas (alternatives are handled by the caller).
pub(super) fn compare_keywords(
    walk: &mut Walk<'_>,
    writer: &Node<'_>,
    reader: &Node<'_>,
    field: &str,
    depth: usize,
) {
    let (Some(w), Some(r)) = (writer.object(), reader.object()) else {
        return;
    };
    let writer_types = types_of(Some(writer));
    if let (Some(writer_types), Some(reader_types)) = (writer_types, TypeSet::declared(r))
        && !writer_types.refused_by(reader_types).is_empty()
    {
        walk.push(
            SchemaChange::TypeNarrowed { writer: writer_types, reader: reader_types },
            writer,
            reader,
            field,
        );
    }
    if let Some(reader_values) = enum_values(r) {
        match enum_values(w) {
            Some(writer_values) => {
                for value in writer_values.into_iter().filter(|value| !reader_values.contains(value)) {
                    walk.push(SchemaChange::EnumValueRemoved(value.clone()), writer, reader, field);
                }
            }
            None => walk.push(SchemaChange::EnumAdded, writer, reader, field),
        }
    }
    let may_be = |kind: TypeSet| writer_types.is_none_or(|types| types.overlaps(kind));
    if may_be(TypeSet::STRING) {
        compare_strings(walk, writer, reader, field);
    }
    if may_be(TypeSet::NUMBER) {
        compare_numbers(walk, writer, reader, field);
    }
    if may_be(TypeSet::ARRAY) {
        compare_arrays(walk, writer, reader, field, depth);
    }
    if may_be(TypeSet::OBJECT) {
        compare_objects(walk, writer, reader, field, depth);
    }
}

fn compare_strings(walk: &mut Walk<'_>, writer: &Node<'_>, reader: &Node<'_>, field: &str) {
    check_count(walk, "maxLength", Limit::Upper, writer, reader, field);
    check_count(walk, "minLength", Limit::Lower, writer, reader, field);
    for keyword in ["pattern", "format"] {
        let Some(new) = reader.schema.get(keyword).and_then(Value::as_str) else {
            continue;
        };
        let old = writer.schema.get(keyword).and_then(Value::as_str);
        if old != Some(new) {
            let (writer_text, reader_text) = (old.map(str::to_owned), new.to_owned());
            let change = if keyword == "pattern" {
                SchemaChange::PatternChanged { writer: writer_text, reader: reader_text }
            } else {
                SchemaChange::FormatChanged { writer: writer_text, reader: reader_text }
            };
            walk.push(change, writer, reader, field);
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Limit {
    Upper,
    Lower,
}

/// A `max*`/`min*` count (length, items, properties), where an absent lower bound means 0.
fn check_count(
    walk: &mut Walk<'_>,
    keyword: &'static str,
    limit: Limit,
    writer: &Node<'_>,
    reader: &Node<'_>,
    field: &str,
) {
    let Some(new) = reader.schema.get(keyword).and_then(Value::as_f64) else {
        return;
    };
    let old = writer.schema.get(keyword).and_then(Value::as_f64);
    let tighter = match (limit, old) {
        (Limit::Upper, None) => true,
        (Limit::Upper, Some(old)) => new < old,
        (Limit::Lower, old) => new > old.unwrap_or(0.0),
    };
    if tighter {
        let change = SchemaChange::Bound {
            keyword,
            writer: writer.schema.get(keyword).cloned(),
            reader: reader.schema.get(keyword).cloned(),
        };
        walk.push(change, writer, reader, field);
    }
}

/// `maximum`/`exclusiveMaximum` (and the minimums) taken together, so swapping one for the other
/// at an equivalent bound is not reported.
fn compare_numbers(walk: &mut Walk<'_>, writer: &Node<'_>, reader: &Node<'_>, field: &str) {
    for (limit, inclusive, exclusive) in
        [(Limit::Upper, "maximum", "exclusiveMaximum"), (Limit::Lower, "minimum", "exclusiveMinimum")]
    {
        let Some((new, new_exclusive, keyword)) = numeric_bound(reader.schema, limit, inclusive, exclusive)
        else {
            continue;
        };
        let tighter = match numeric_bound(writer.schema, limit, inclusive, exclusive) {
            None => true,
            Some((old, old_exclusive, _)) => {
                let stricter = if limit == Limit::Upper { new < old } else { new > old };
                stricter || (new == old && new_exclusive && !old_exclusive)
            }
        };
        if tighter {
            let change = SchemaChange::Bound {
                keyword,
                writer: writer.schema.get(keyword).cloned(),
                reader: reader.schema.get(keyword).cloned(),
            };
            walk.push(change, writer, reader, field);
        }
    }
}

/// The tightest of an inclusive and an exclusive bound: (value, is exclusive, its keyword).
fn numeric_bound(
    schema: &Value,
    limit: Limit,
    inclusive: &'static str,
    exclusive: &'static str,
) -> Option<(f64, bool, &'static str)> {
    let inclusive_bound =
        schema.get(inclusive).and_then(Value::as_f64).map(|value| (value, false, inclusive));
    let exclusive_bound = schema.get(exclusive).and_then(Value::as_f64).map(|value| (value, true, exclusive));
    match (inclusive_bound, exclusive_bound) {
        (Some(a), Some(b)) => {
            let b_tighter = if limit == Limit::Upper { b.0 <= a.0 } else { b.0 >= a.0 };
            Some(if b_tighter { b } else { a })
        }
        (a, b) => a.or(b),
    }
}

fn compare_arrays(walk: &mut Walk<'_>, writer: &Node<'_>, reader: &Node<'_>, field: &str, depth: usize) {
    check_count(walk, "maxItems", Limit::Upper, writer, reader, field);
    check_count(walk, "minItems", Limit::Lower, writer, reader, field);
    let unique = |node: &Node<'_>| node.schema.get("uniqueItems") == Some(&Value::Bool(true));
    if unique(reader) && !unique(writer) {
        walk.push(SchemaChange::UniqueItemsAdded, writer, reader, field);
    }
    let writer_items = writer.child(writer.schema.get("items").unwrap_or(&ANYTHING), &["items"]);
    let writer_prefix = writer.schema.get("prefixItems").and_then(Value::as_array);
    if let Some(reader_prefix) = reader.schema.get("prefixItems").and_then(Value::as_array) {
        for (index, reader_item) in reader_prefix.iter().enumerate() {
            let at = index.to_string();
            let writer_item = match writer_prefix.and_then(|prefix| prefix.get(index)) {
                Some(item) => writer.child(item, &["prefixItems", &at]),
                None => writer_items.clone(),
            };
            let reader_item = reader.child(reader_item, &["prefixItems", &at]);
            walk.compare(&writer_item, &reader_item, &format!("{field}[{index}]"), depth + 1);
        }
    }
    if let Some(reader_items) = reader.schema.get("items") {
        let reader_items = reader.child(reader_items, &["items"]);
        walk.compare(&writer_items, &reader_items, &format!("{field}[]"), depth + 1);
    }
}

/// How an object schema treats properties it does not list.
#[derive(Debug, Clone, Copy)]
enum Extra<'s> {
    Open,
    Closed,
    Schema(&'s Value),
}

fn extra(schema: &Map<String, Value>) -> Extra<'_> {
    let closed = |key: &str| schema.get(key) == Some(&Value::Bool(false));
    if closed("additionalProperties") || closed("unevaluatedProperties") {
        return Extra::Closed;
    }
    match schema.get("additionalProperties") {
        Some(extra @ Value::Object(_)) => Extra::Schema(extra),
        _ => Extra::Open,
    }
}

fn compare_objects(walk: &mut Walk<'_>, writer: &Node<'_>, reader: &Node<'_>, field: &str, depth: usize) {
    check_count(walk, "maxProperties", Limit::Upper, writer, reader, field);
    check_count(walk, "minProperties", Limit::Lower, writer, reader, field);
    let (Some(w), Some(r)) = (writer.object(), reader.object()) else {
        return;
    };
    let writer_required = required(w);
    for name in required(r).into_iter().filter(|name| !writer_required.contains(name)) {
        let writer_has_property = properties(writer).is_some_and(|listed| listed.contains_key(name));
        let (at_writer, at_reader) = (place(writer, name), place(reader, name));
        walk.push(
            SchemaChange::RequiredAdded { writer_has_property },
            &at_writer,
            &at_reader,
            &join(field, name),
        );
    }
    compare_writer_properties(walk, writer, reader, field, depth);
    compare_reader_properties(walk, writer, reader, field, depth);
    compare_additional_properties(walk, writer, reader, field, depth);
}

/// Each property the writer lists, against the reader's schema for it.
fn compare_writer_properties(
    walk: &mut Walk<'_>,
    writer: &Node<'_>,
    reader: &Node<'_>,
    field: &str,
    depth: usize,
) {
    let reader_extra = reader.object().map_or(Extra::Open, extra);
    for (name, writer_property) in properties(writer).into_iter().flatten() {
        let writer_property = writer.child(writer_property, &["properties", name]);
        let field = join(field, name);
        match (properties(reader).and_then(|listed| listed.get(name)), reader_extra) {
            (Some(reader_property), _) => {
                let reader_property = reader.child(reader_property, &["properties", name]);
                walk.compare(&writer_property, &reader_property, &field, depth + 1);
            }
            (None, Extra::Closed) => {
                // A pattern property might still accept it: not provable without regexes.
                let pattern_properties = reader.schema.get("patternProperties").is_some();
                let severity = if pattern_properties { Severity::Warning } else { Severity::Error };
                let at_reader = place(reader, name);
                walk.push_with(SchemaChange::PropertyRemoved, severity, &writer_property, &at_reader, &field);
            }
            (None, Extra::Schema(schema)) => {
                let reader_extra = reader.child(schema, &["additionalProperties"]);
                walk.compare(&writer_property, &reader_extra, &field, depth + 1);
            }
            (None, Extra::Open) => {}
        }
    }
}

/// Each property only the reader lists: the writer may still send it when its model is open.
fn compare_reader_properties(
    walk: &mut Walk<'_>,
    writer: &Node<'_>,
    reader: &Node<'_>,
    field: &str,
    depth: usize,
) {
    let writer_lists = |name: &str| properties(writer).is_some_and(|listed| listed.contains_key(name));
    let writer_extra = writer.object().map_or(Extra::Open, extra);
    for (name, reader_property) in
        properties(reader).into_iter().flatten().filter(|(name, _)| !writer_lists(name))
    {
        let reader_property = reader.child(reader_property, &["properties", name]);
        let field = join(field, name);
        match writer_extra {
            // The writer never sends it.
            Extra::Closed => {}
            Extra::Schema(schema) => {
                let writer_extra = writer.child(schema, &["additionalProperties"]);
                walk.compare(&writer_extra, &reader_property, &field, depth + 1);
            }
            Extra::Open if accepts_anything(reader_property.schema) => {}
            Extra::Open => {
                let at_writer = place(writer, name);
                walk.push(SchemaChange::PropertyConstrained, &at_writer, &reader_property, &field);
            }
        }
    }
}

/// Properties neither lists: `additionalProperties` against `additionalProperties`.
fn compare_additional_properties(
    walk: &mut Walk<'_>,
    writer: &Node<'_>,
    reader: &Node<'_>,
    field: &str,
    depth: usize,
) {
    let writer_extra = writer.object().map_or(Extra::Open, extra);
    let reader_extra = reader.object().map_or(Extra::Open, extra);
    let (writer_schema, reader_schema) = match (writer_extra, reader_extra) {
        (Extra::Open | Extra::Schema(_), Extra::Closed) => {
            let (at_writer, at_reader) = (place_keyword(writer), place_keyword(reader));
            walk.push(SchemaChange::AdditionalPropertiesClosed, &at_writer, &at_reader, field);
            return;
        }
        (Extra::Open, Extra::Schema(reader_schema)) => (&ANYTHING, reader_schema),
        (Extra::Schema(writer_schema), Extra::Schema(reader_schema)) => (writer_schema, reader_schema),
        _ => return,
    };
    let writer_extra = writer.child(writer_schema, &["additionalProperties"]);
    let reader_extra = reader.child(reader_schema, &["additionalProperties"]);
    walk.compare(&writer_extra, &reader_extra, &join(field, "*"), depth + 1);
}

fn properties<'s>(node: &Node<'s>) -> Option<&'s Map<String, Value>> {
    node.schema.get("properties").and_then(Value::as_object)
}

fn required(schema: &Map<String, Value>) -> Vec<&str> {
    schema
        .get("required")
        .and_then(Value::as_array)
        .map_or_else(Vec::new, |names| names.iter().filter_map(Value::as_str).collect())
}

/// Where property `name` is (or would be) in an object schema.
fn place<'s>(node: &Node<'s>, name: &str) -> Node<'s> {
    node.child(node.schema, &["properties", name])
}

fn place_keyword<'s>(node: &Node<'s>) -> Node<'s> {
    node.child(node.schema, &["additionalProperties"])
}

/// The data path of a child: `price.currency`, or `email` at the top.
fn join(field: &str, name: &str) -> String {
    if field.is_empty() { name.to_owned() } else { format!("{field}.{name}") }
}
