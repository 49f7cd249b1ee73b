//! The JSON Schema diff, on small schemas written as schemars writes them.

use serde_json::{Value, json};

use super::{errors, kinds, only, v};
use crate::compat::{CompatibilityMode, Direction, Incompatibility, diff_event_schemas};
use crate::finding::Severity;

fn diff(old: &Value, new: &Value, mode: CompatibilityMode) -> Vec<Incompatibility> {
    diff_event_schemas(old, new, v(1), v(2), mode)
}

/// A closed object with these properties, requiring `required`.
fn object(properties: Value, required: &[&str]) -> Value {
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "additionalProperties": false,
        "properties": properties,
        "required": required,
    })
}

#[test]
fn removed_required_field_breaks_backward_and_names_the_field() {
    let old = object(json!({"email": {"type": "string"}, "name": {"type": "string"}}), &["email", "name"]);
    let new = object(json!({"name": {"type": "string"}}), &["name"]);

    let found = diff(&old, &new, CompatibilityMode::Backward);

    let removed = only(&found, "property-removed");
    assert_eq!(removed.pointer, "/properties/email");
    assert_eq!((removed.severity, removed.direction), (Severity::Error, Direction::Backward));
    assert!(removed.message.contains("`email`"), "{}", removed.message);
    assert_eq!(kinds(&found), ["property-removed"]);
}

#[test]
fn removed_required_field_breaks_forward_because_old_readers_require_it() {
    let old = object(json!({"email": {"type": "string"}, "name": {"type": "string"}}), &["email", "name"]);
    let new = object(json!({"name": {"type": "string"}}), &["name"]);

    let found = diff(&old, &new, CompatibilityMode::Forward);

    let removed = only(&found, "property-removed");
    assert_eq!(removed.direction, Direction::Forward);
    assert!(removed.message.contains("required property `email` was removed in v2"), "{}", removed.message);
}

#[test]
fn narrowed_types_break_backward() {
    let old =
        object(json!({"score": {"type": "number"}, "nickname": {"type": ["string", "null"]}}), &["score"]);
    let new = object(json!({"score": {"type": "integer"}, "nickname": {"type": "string"}}), &["score"]);

    let found = diff(&old, &new, CompatibilityMode::Backward);

    assert_eq!(kinds(&found), ["type-narrowed", "type-narrowed"]);
    assert_eq!(found[0].pointer, "/properties/score");
    assert!(found[1].message.contains("`nickname` no longer accepts null"), "{}", found[1].message);
    // Widening is fine the other way round.
    assert!(diff(&new, &old, CompatibilityMode::Backward).is_empty());
}

#[test]
fn added_optional_property_is_backward_compatible_but_breaks_forward_in_a_closed_model() {
    let old = object(json!({"id": {"type": "string"}}), &["id"]);
    let new = object(json!({"id": {"type": "string"}, "nickname": {"type": ["string", "null"]}}), &["id"]);

    assert_eq!(diff(&old, &new, CompatibilityMode::Backward), []);
    let found = diff(&old, &new, CompatibilityMode::Forward);
    let added = only(&found, "property-added");
    assert_eq!((added.pointer.as_str(), added.direction), ("/properties/nickname", Direction::Forward));
    assert!(added.message.contains("`nickname`"), "{}", added.message);
}

#[test]
fn added_optional_property_is_forward_compatible_in_an_open_model() {
    let mut old = object(json!({"id": {"type": "string"}}), &["id"]);
    let mut new = object(json!({"id": {"type": "string"}, "nickname": {"type": "string"}}), &["id"]);
    old["additionalProperties"] = json!(true);
    new["additionalProperties"] = json!(true);

    assert_eq!(diff(&old, &new, CompatibilityMode::Forward), []);
    // But old data may already carry any `nickname`, which the new schema constrains.
    assert_eq!(kinds(&diff(&old, &new, CompatibilityMode::Backward)), ["property-added-to-open-model"]);
}

#[test]
fn removed_enum_value_breaks_backward_and_added_one_breaks_forward() {
    let old = object(json!({"status": {"type": "string", "enum": ["active", "expired", "refunded"]}}), &[]);
    let new = object(json!({"status": {"type": "string", "enum": ["active", "expired"]}}), &[]);

    let found = diff(&old, &new, CompatibilityMode::Full);

    let removed = only(&found, "enum-value-removed");
    assert!(removed.message.contains(r#""refunded""#), "{}", removed.message);
    assert_eq!(removed.pointer, "/properties/status");
    assert_eq!(kinds(&diff(&new, &old, CompatibilityMode::Forward)), ["enum-value-added"]);
}

#[test]
fn full_reports_both_directions() {
    let old = object(json!({"code": {"type": "string", "maxLength": 64}}), &["code"]);
    let new = object(
        json!({"code": {"type": "string", "maxLength": 32}, "bundle": {"type": ["string", "null"]}}),
        &["code"],
    );

    let found = diff(&old, &new, CompatibilityMode::Full);

    let shortened = only(&found, "max-length-decreased");
    assert_eq!(shortened.direction, Direction::Backward);
    assert!(shortened.message.contains("`maxLength` was 64 in v1 and is 32 in v2"), "{}", shortened.message);
    assert_eq!(only(&found, "property-added").direction, Direction::Forward);
    assert_eq!(errors(&found, Direction::Backward).len(), 1);
    assert_eq!(errors(&found, Direction::Forward).len(), 1);
}

#[test]
fn every_change_is_listed_not_just_the_first() {
    let old = object(
        json!({
            "a": {"type": "string", "maxLength": 10},
            "b": {"type": "string", "minLength": 1},
            "c": {"type": "array", "items": {"type": "string"}, "maxItems": 5},
            "d": {"type": "integer", "maximum": 100},
            "e": {"type": "string"},
        }),
        &["a"],
    );
    let new = object(
        json!({
            "a": {"type": "string", "maxLength": 5},
            "b": {"type": "string", "minLength": 3},
            "c": {"type": "array", "items": {"type": "integer"}, "maxItems": 2},
            "d": {"type": "integer", "exclusiveMaximum": 100},
            "e": {"type": "string"},
            "f": {"type": "string"},
        }),
        &["a", "e", "f"],
    );

    let mut found = kinds(&diff(&old, &new, CompatibilityMode::Backward));
    found.sort_unstable();

    assert_eq!(
        found,
        [
            "max-items-decreased",
            "max-length-decreased",
            "maximum-decreased",
            "min-length-increased",
            "required-added",
            "required-added",
            "type-narrowed",
        ]
    );
}

#[test]
fn required_added_names_the_property() {
    let old = object(json!({"id": {"type": "string"}, "email": {"type": "string"}}), &["id"]);
    let new = object(json!({"id": {"type": "string"}, "email": {"type": "string"}}), &["id", "email"]);

    let found = diff(&old, &new, CompatibilityMode::Full);

    let added = only(&found, "required-added");
    assert_eq!((added.pointer.as_str(), added.direction), ("/properties/email", Direction::Backward));
    assert!(added.message.contains("property `email` became required in v2"), "{}", added.message);
    // New data always carries it, which old readers accept.
    assert_eq!(errors(&found, Direction::Forward).len(), 0, "{found:#?}");
    // Relaxing it again is what breaks old readers.
    assert_eq!(kinds(&diff(&new, &old, CompatibilityMode::Forward)), ["required-relaxed"]);
}

#[test]
fn refs_into_defs_are_followed_and_recursive_types_end() {
    let schema = |max: u32| {
        let mut schema = object(json!({"node": {"$ref": "#/$defs/Node"}}), &["node"]);
        schema["$defs"] = json!({"Node": {
            "type": "object",
            "additionalProperties": false,
            "properties": {
                "label": {"type": "string", "maxLength": max},
                "next": {"anyOf": [{"$ref": "#/$defs/Node"}, {"type": "null"}]},
            },
            "required": ["label"],
        }});
        schema
    };

    let found = diff(&schema(10), &schema(5), CompatibilityMode::Backward);

    let shortened = only(&found, "max-length-decreased");
    assert_eq!(shortened.pointer, "/$defs/Node/properties/label");
    assert!(shortened.message.contains("`node.label`"), "{}", shortened.message);
}

#[test]
fn removed_alternatives_break_backward() {
    let old = object(json!({"amount": {"anyOf": [{"type": "string"}, {"type": "integer"}]}}), &[]);
    let new = object(json!({"amount": {"anyOf": [{"type": "string"}]}}), &[]);

    let found = diff(&old, &new, CompatibilityMode::Full);

    let removed = only(&found, "variant-removed");
    assert_eq!(removed.direction, Direction::Backward);
    assert!(removed.message.contains("integer"), "{}", removed.message);
    assert_eq!(errors(&found, Direction::Forward).len(), 0, "{found:#?}");
}

#[test]
fn removed_one_of_constant_is_named_like_an_enum_value() {
    // How schemars writes an enum whose variants carry doc comments.
    let payment = |wallet: bool| {
        let mut variants = vec![json!({"type": "string", "enum": ["card", "paypal"]})];
        if wallet {
            variants.push(json!({"type": "string", "const": "wallet", "description": "Store credit."}));
        }
        let mut schema = object(
            json!({"payment_method": {"anyOf": [{"$ref": "#/$defs/PaymentMethod"}, {"type": "null"}]}}),
            &[],
        );
        schema["$defs"] = json!({"PaymentMethod": {"oneOf": variants}});
        schema
    };

    let found = diff(&payment(true), &payment(false), CompatibilityMode::Full);

    let removed = only(&found, "enum-value-removed");
    assert!(removed.message.contains(r#""wallet""#), "{}", removed.message);
    assert_eq!(removed.direction, Direction::Backward);
    assert_eq!(errors(&found, Direction::Forward).len(), 0, "{found:#?}");
}

#[test]
fn nullable_type_list_matches_an_any_of_with_null() {
    let old = object(json!({"note": {"type": ["string", "null"], "maxLength": 10}}), &[]);
    let new =
        object(json!({"note": {"anyOf": [{"type": "string", "maxLength": 10}, {"type": "null"}]}}), &[]);

    assert_eq!(diff(&old, &new, CompatibilityMode::Full), []);
}

#[test]
fn alternatives_beside_properties_are_compared_with_them() {
    // How schemars writes a struct with a flattened, internally tagged enum.
    let schema = |kinds: &[&str]| {
        let variants: Vec<Value> = kinds
            .iter()
            .map(|kind| {
                json!({
                    "type": "object",
                    "properties": {"kind": {"type": "string", "const": kind}},
                    "required": ["kind"],
                })
            })
            .collect();
        json!({
            "type": "object",
            "properties": {"id": {"type": "string"}},
            "required": ["id"],
            "oneOf": variants,
        })
    };

    assert_eq!(diff(&schema(&["card", "wallet"]), &schema(&["card", "wallet"]), CompatibilityMode::Full), []);
    let found = diff(&schema(&["card", "wallet"]), &schema(&["card"]), CompatibilityMode::Full);
    let removed = only(&found, "enum-value-removed");
    assert!(removed.message.contains(r#""wallet" of `kind`"#), "{}", removed.message);
    assert_eq!(found.len(), 1, "{found:#?}");
}

#[test]
fn pathological_alternatives_end_with_a_warning() {
    let schema = |leaf: &str| {
        let mut defs = serde_json::Map::new();
        for level in 0..30 {
            let next = json!({"$ref": format!("#/$defs/N{}", level + 1)});
            defs.insert(format!("N{level}"), json!({"anyOf": [next, next, {"type": "null"}]}));
        }
        defs.insert("N30".to_owned(), json!({"type": leaf}));
        json!({"$ref": "#/$defs/N0", "$defs": defs})
    };

    let found = diff(&schema("string"), &schema("integer"), CompatibilityMode::Backward);

    let gave_up = only(&found, "too-complex");
    assert_eq!(gave_up.severity, Severity::Warning);
}

#[test]
fn closing_the_content_model_breaks_backward() {
    let mut old = object(json!({"id": {"type": "string"}}), &["id"]);
    old["additionalProperties"] = json!(true);
    let new = object(json!({"id": {"type": "string"}}), &["id"]);

    let found = diff(&old, &new, CompatibilityMode::Full);

    let closed = only(&found, "additional-properties-closed");
    assert_eq!((closed.pointer.as_str(), closed.direction), ("/additionalProperties", Direction::Backward));
    assert_eq!(errors(&found, Direction::Forward).len(), 0, "{found:#?}");
}

#[test]
fn changed_pattern_or_format_is_only_a_warning() {
    let old =
        object(json!({"code": {"type": "string", "pattern": "^[A-Z]{3}$"}, "at": {"type": "string"}}), &[]);
    let new = object(
        json!({"code": {"type": "string", "pattern": "^[A-Z]{2,3}$"}, "at": {"type": "string", "format": "date"}}),
        &[],
    );

    let found = diff(&old, &new, CompatibilityMode::Backward);

    assert_eq!(kinds(&found), ["pattern-changed", "format-changed"]);
    assert!(found.iter().all(|found| found.severity == Severity::Warning), "{found:#?}");
}

#[test]
fn malformed_schemas_give_fewer_findings_not_a_panic() {
    let mut deep = json!({"type": "string"});
    for _ in 0..200 {
        deep = json!({"type": "object", "properties": {"x": deep}});
    }
    let odd = [
        json!(null),
        json!(true),
        json!(false),
        json!([1, 2]),
        json!({"type": 5, "required": "x", "properties": [], "enum": {}, "maxLength": "ten"}),
        json!({"$ref": "#/nowhere"}),
        json!({"$ref": "#/$defs/A", "$defs": {"A": {"$ref": "#/$defs/A"}}}),
        json!({"$ref": "https://example.com/other.json"}),
        json!({"anyOf": "not a list", "items": 3, "additionalProperties": "no"}),
        deep,
    ];
    for old in &odd {
        for new in &odd {
            let _ = diff(old, new, CompatibilityMode::FullTransitive);
        }
    }

    let unresolved =
        diff(&json!({"type": "string"}), &json!({"$ref": "#/nowhere"}), CompatibilityMode::Backward);
    assert_eq!(kinds(&unresolved), ["ref-unresolved"]);
    assert_eq!(unresolved[0].severity, Severity::Warning);
}

#[test]
fn shipped_enrollment_created_v2_is_backward_but_not_forward_compatible() {
    let schemas = crate::events::shipped_event_schemas();
    let schema = |version: u32| {
        schemas
            .iter()
            .find(|(contract, _)| contract.to_string() == format!("enrollment.created@v{version}"))
            .map(|(_, schema)| schema.clone())
            .expect("enrollment.created v1 and v2 are shipped")
    };

    assert_eq!(diff(&schema(1), &schema(2), CompatibilityMode::Backward), []);
    let forward = diff(&schema(1), &schema(2), CompatibilityMode::Forward);
    let pointers: Vec<&str> = forward.iter().map(|found| found.pointer.as_str()).collect();
    assert_eq!(pointers, ["/properties/bundle", "/properties/course_provider"], "{forward:#?}");
    assert_eq!(kinds(&forward), ["property-added", "property-added"]);
}

#[test]
fn every_shipped_schema_is_fully_compatible_with_itself() {
    for (contract, schema) in crate::events::shipped_event_schemas() {
        let found = diff(&schema, &schema, CompatibilityMode::Full);
        assert_eq!(found, [], "{contract}");
    }
}
