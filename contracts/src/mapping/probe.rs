//! Probe events generated from a source JSON Schema: the extremes a mapping must survive
//! (every optional field present at its maximum length, only required fields, explicit nulls,
//! every enum value). The type-check runs mappings on them.

use serde_json::{Map, Value};

use super::pattern;

/// Strings without a `maxLength` are probed this long: longer than any downstream text field
/// a mapping is likely to fill without a guard.
const UNBOUNDED_LENGTH: usize = 300;
const MAX_DEPTH: usize = 16;
/// `é` is two bytes in UTF-8: probes catch byte-based truncation.
const FILL: char = 'é';

/// One generated source document and a short name saying what it exercises.
#[derive(Debug, Clone, PartialEq)]
pub struct Probe {
    pub name: String,
    pub data: Value,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Every property present, strings at their longest; `variant` picks enum values.
    Maximal { variant: usize },
    /// Required properties only, strings at their shortest.
    Minimal,
    /// Every property present; nullable ones null.
    Nulls,
}

/// Probes for one schema: maximal (once per enum value of the widest enum), minimal, nulls.
pub fn probes(schema: &Value) -> Vec<Probe> {
    let widest = widest_enum(schema, schema, 0).clamp(1, 12);
    let mut probes: Vec<Probe> = (0..widest)
        .map(|variant| Probe {
            name: format!("every field at its longest (variant {})", variant + 1),
            data: generate(schema, schema, Mode::Maximal { variant }, 0),
        })
        .collect();
    probes.push(Probe {
        name: "required fields only".into(),
        data: generate(schema, schema, Mode::Minimal, 0),
    });
    probes
        .push(Probe { name: "optional fields null".into(), data: generate(schema, schema, Mode::Nulls, 0) });
    probes
}

fn resolve<'a>(node: &'a Value, root: &'a Value) -> &'a Value {
    let mut current = node;
    for _ in 0..MAX_DEPTH {
        match current.get("$ref").and_then(Value::as_str).and_then(|r| r.strip_prefix('#')) {
            Some(pointer) => match root.pointer(pointer) {
                Some(target) => current = target,
                None => return current,
            },
            None => return current,
        }
    }
    current
}

/// The alternatives a node offers: `anyOf`/`oneOf` members, with enums spread into values.
fn choices<'a>(node: &'a Value, root: &'a Value) -> Vec<Value> {
    let node = resolve(node, root);
    if let Some(values) = node.get("enum").and_then(Value::as_array) {
        return values.clone();
    }
    if let Some(value) = node.get("const") {
        return vec![value.clone()];
    }
    for key in ["anyOf", "oneOf"] {
        if let Some(members) = node.get(key).and_then(Value::as_array) {
            return members.iter().flat_map(|member| choices(member, root)).collect();
        }
    }
    vec![node.clone()]
}

fn widest_enum(node: &Value, root: &Value, depth: usize) -> usize {
    if depth > MAX_DEPTH {
        return 1;
    }
    let node = resolve(node, root);
    let here = choices(node, root).len();
    let nested = ["properties", "$defs"]
        .iter()
        .filter_map(|key| node.get(*key).and_then(Value::as_object))
        .flat_map(|map| map.values())
        .chain(node.get("items"))
        .map(|child| widest_enum(child, root, depth + 1))
        .max()
        .unwrap_or(1);
    here.max(nested)
}

fn types(node: &Value) -> Vec<&str> {
    match node.get("type") {
        Some(Value::String(one)) => vec![one.as_str()],
        Some(Value::Array(many)) => many.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

fn allows_null(node: &Value, root: &Value) -> bool {
    let node = resolve(node, root);
    types(node).contains(&"null")
        || choices(node, root).iter().any(|c| c.is_null() || types(c).contains(&"null"))
}

fn generate(node: &Value, root: &Value, mode: Mode, depth: usize) -> Value {
    if depth > MAX_DEPTH {
        return Value::Null;
    }
    let node = resolve(node, root);
    let alternatives = choices(node, root);
    if alternatives.len() > 1 || node.get("enum").is_some() || node.get("const").is_some() {
        let non_null: Vec<&Value> =
            alternatives.iter().filter(|c| !c.is_null() && !is_null_schema(c)).collect();
        let pick = match mode {
            Mode::Maximal { variant } => non_null.get(variant % non_null.len().max(1)).copied(),
            Mode::Minimal | Mode::Nulls => non_null.first().copied(),
        };
        return match pick {
            Some(choice) if is_schema(choice) => generate(choice, root, mode, depth + 1),
            Some(value) => value.clone(),
            None => Value::Null,
        };
    }
    let node_types = types(node);
    let chosen = if mode == Mode::Nulls && node_types.contains(&"null") && depth > 0 {
        "null"
    } else {
        node_types.iter().copied().find(|t| *t != "null").unwrap_or(if node.get("properties").is_some() {
            "object"
        } else {
            "string"
        })
    };
    match chosen {
        "null" => Value::Null,
        "object" => generate_object(node, root, mode, depth),
        "array" => {
            let count = match mode {
                Mode::Minimal => node.get("minItems").and_then(Value::as_u64).unwrap_or(0) as usize,
                _ => node.get("maxItems").and_then(Value::as_u64).map_or(3, |max| (max as usize).min(3)),
            };
            let items = node.get("items").cloned().unwrap_or(Value::Bool(true));
            Value::Array((0..count).map(|_| generate(&items, root, mode, depth + 1)).collect())
        }
        "integer" => number(node, mode, true),
        "number" => number(node, mode, false),
        "boolean" => Value::Bool(mode != Mode::Minimal),
        _ => generate_string(node, mode),
    }
}

fn is_schema(value: &Value) -> bool {
    value.as_object().is_some_and(|map| {
        ["type", "$ref", "properties", "anyOf", "oneOf", "enum", "const", "items"]
            .iter()
            .any(|k| map.contains_key(*k))
    })
}

fn is_null_schema(value: &Value) -> bool {
    value.get("type").and_then(Value::as_str) == Some("null")
}

fn generate_object(node: &Value, root: &Value, mode: Mode, depth: usize) -> Value {
    let required: Vec<&str> = node
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let mut object = Map::new();
    if let Some(properties) = node.get("properties").and_then(Value::as_object) {
        for (name, child) in properties {
            let is_required = required.contains(&name.as_str());
            match mode {
                Mode::Minimal if !is_required => continue,
                Mode::Nulls if !is_required && allows_null(child, root) => {
                    object.insert(name.clone(), Value::Null);
                }
                _ => {
                    object.insert(name.clone(), generate(child, root, mode, depth + 1));
                }
            }
        }
    }
    Value::Object(object)
}

fn number(node: &Value, mode: Mode, integer: bool) -> Value {
    let bound = match mode {
        Mode::Minimal => node.get("minimum").or(node.get("exclusiveMinimum")),
        _ => node.get("maximum").or(node.get("exclusiveMaximum")),
    };
    match (bound.and_then(Value::as_f64), integer) {
        (Some(value), true) => Value::from(value as i64),
        (Some(value), false) => serde_json::Number::from_f64(value).map_or(Value::Null, Value::Number),
        (None, _) if mode == Mode::Minimal => Value::from(0),
        (None, true) => Value::from(1_000_000_i64),
        (None, false) => serde_json::Number::from_f64(1_000_000.5).map_or(Value::Null, Value::Number),
    }
}

fn generate_string(node: &Value, mode: Mode) -> Value {
    match node.get("format").and_then(Value::as_str) {
        Some("date-time") => return Value::from("2026-01-31T23:59:59Z"),
        Some("date") => return Value::from("2026-01-31"),
        Some("email") | Some("idn-email") => return Value::from("probe@example.com"),
        _ => {}
    }
    let min = node.get("minLength").and_then(Value::as_u64).unwrap_or(0) as usize;
    let max = node.get("maxLength").and_then(Value::as_u64).map(|max| max as usize);
    if let Some(pattern) = node.get("pattern").and_then(Value::as_str) {
        let generated = match mode {
            Mode::Minimal => pattern::shortest_match(pattern),
            _ => pattern::longest_match(pattern, UNBOUNDED_LENGTH),
        };
        if let Some(text) = generated {
            let text: String = match max {
                Some(max) => text.chars().take(max).collect(),
                None => text,
            };
            return Value::String(text);
        }
    }
    let length = match mode {
        Mode::Minimal => min.max(1),
        _ => max.unwrap_or(UNBOUNDED_LENGTH).max(min),
    };
    Value::String(std::iter::repeat_n(FILL, length).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn probes_reach_the_extremes_of_a_schema() {
        let schema = json!({
            "type": "object",
            "properties": {
                "name": {"type": ["string", "null"], "maxLength": 5},
                "status": {"$ref": "#/$defs/Status"},
                "country": {"type": ["string", "null"], "pattern": "^[A-Z]{2}$"},
                "tags": {"type": "array", "items": {"type": "string", "maxLength": 2}}
            },
            "required": ["status"],
            "$defs": {"Status": {"type": "string", "enum": ["active", "expired"]}}
        });
        let probes = probes(&schema);
        assert_eq!(probes.len(), 4, "two enum variants, minimal, nulls");
        assert_eq!(
            probes[0].data,
            json!({"name": "ééééé", "status": "active", "country": "AA", "tags": ["éé", "éé", "éé"]})
        );
        assert_eq!(probes[1].data["status"], "expired");
        assert_eq!(probes[2].data, json!({"status": "active"}));
        assert_eq!(
            probes[3].data,
            json!({"name": null, "status": "active", "country": null, "tags": ["éé", "éé", "éé"]})
        );
    }
}
