//! The mapping type-check: proves a mapping fits its source schema and its target contract
//! before it is used, and reports every finding with the mapping file and the place in it.
//!
//! Two halves. Statically: every target field exists, every required one has an expression,
//! every source path the expressions read exists in the source schema, every literal a
//! picklist field can receive is one of its values. Then by running the mapping on probe
//! events generated from the source schema (every field at its longest, only required fields,
//! explicit nulls, every enum value): every record must satisfy the target contract, so an
//! unguarded length, a missing required value or a jq error on valid input is found here and
//! not in production.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use super::analysis::{output_literals, source_paths};
use super::compiled::{CompiledMapping, MappingOutcome};
use super::probe::probes;
use crate::catalog::{FieldType, RecordViolation, TargetContract, validate_record};
use crate::finding::Finding;

/// Every finding of `mapping` against its source schema and target contract.
pub fn typecheck_mapping(
    mapping: &CompiledMapping,
    source_schema: &Value,
    target: &TargetContract,
) -> Vec<Finding> {
    let mut findings = Vec::new();
    check_fields_exist(mapping, target, &mut findings);
    check_source_paths(mapping, source_schema, &mut findings);
    check_picklist_literals(mapping, target, &mut findings);
    check_probes(mapping, source_schema, target, &mut findings);
    findings
}

fn check_fields_exist(mapping: &CompiledMapping, target: &TargetContract, findings: &mut Vec<Finding>) {
    let spec = mapping.spec();
    for (name, _) in &spec.fields {
        if target.field(name).is_none() {
            findings.push(Finding::error(
                &spec.file,
                format!("fields.{name}"),
                "mapping.unknown-target-field",
                format!("{} has no field `{name}`", target.target),
            ));
        }
    }
    for field in target.required_fields() {
        if !spec.fields.iter().any(|(name, _)| name == &field.name) {
            findings.push(Finding::error(
                &spec.file,
                "fields",
                "mapping.required-field-missing",
                format!("required field `{}` of {} has no expression", field.name, target.target),
            ));
        }
    }
}

fn check_source_paths(mapping: &CompiledMapping, schema: &Value, findings: &mut Vec<Finding>) {
    let spec = mapping.spec();
    let expressions = spec
        .when
        .iter()
        .map(|when| ("when".to_owned(), when))
        .chain(spec.fields.iter().map(|(name, expression)| (format!("fields.{name}"), expression)));
    for (place, expression) in expressions {
        let mut reported = BTreeSet::new();
        for path in source_paths(expression) {
            if let Err(problem) = schema_has_path(schema, &path) {
                // Report the shortest unknown prefix once, not every longer path under it.
                if reported.iter().any(|known: &Vec<String>| path.starts_with(known)) {
                    continue;
                }
                reported.insert(path.clone());
                findings.push(Finding::error(
                    &spec.file,
                    place.clone(),
                    "mapping.unknown-source-path",
                    format!("`.{}` is not in {}: {problem}", path.join("."), spec.source),
                ));
            }
        }
    }
}

fn check_picklist_literals(mapping: &CompiledMapping, target: &TargetContract, findings: &mut Vec<Finding>) {
    let spec = mapping.spec();
    for (name, expression) in &spec.fields {
        let Some(field) = target.field(name) else { continue };
        for literal in output_literals(expression) {
            let refused = match field.field_type {
                FieldType::Picklist => field.restricted && !field.values.contains(&literal),
                FieldType::Multipicklist => {
                    field.restricted && literal.split(';').any(|v| !field.values.iter().any(|x| x == v))
                }
                _ => false,
            };
            if refused {
                findings.push(Finding::error(
                    &spec.file,
                    format!("fields.{name}"),
                    "mapping.picklist-literal",
                    format!(
                        "`{literal}` is not a value of the restricted picklist `{name}` ({})",
                        field.values.join(", ")
                    ),
                ));
            }
            let too_long = field.length.filter(|max| literal.chars().count() > *max as usize);
            if let Some(max) = too_long {
                findings.push(Finding::error(
                    &spec.file,
                    format!("fields.{name}"),
                    "mapping.literal-too-long",
                    format!("the literal `{literal}` is longer than `{name}`'s length {max}"),
                ));
            }
        }
    }
}

fn check_probes(
    mapping: &CompiledMapping,
    schema: &Value,
    target: &TargetContract,
    findings: &mut Vec<Finding>,
) {
    let spec = mapping.spec();
    let event = json!({
        "id": "typecheck-probe",
        "source": "switchyard:typecheck",
        "type": spec.source.event_type.as_str(),
        "version": spec.source.version.number(),
        "time": "2026-01-31T23:59:59Z",
    });
    let mut seen = BTreeSet::new();
    for probe in probes(schema) {
        let (place, rule, message) = match mapping.apply(&probe.data, &event) {
            Err(err) => (err.place.clone(), "mapping.runtime-error", err.error.to_string()),
            Ok(MappingOutcome::Skipped) => continue,
            Ok(MappingOutcome::Record(record)) => {
                for violation in validate_record(target, &record) {
                    if let Some(rule) = probe_rule(&violation) {
                        let place = format!("fields.{}", violation.field);
                        if seen.insert((place.clone(), rule)) {
                            findings.push(Finding::error(
                                &spec.file,
                                place,
                                rule,
                                format!("{} (source: {})", violation.message, probe.name),
                            ));
                        }
                    }
                }
                continue;
            }
        };
        if seen.insert((place.clone(), rule)) {
            findings.push(Finding::error(
                &spec.file,
                place,
                rule,
                format!("{message} (source: {})", probe.name),
            ));
        }
    }
}

/// The mapping rule a record violation on a probe stands for. Unknown fields are already
/// reported statically.
fn probe_rule(violation: &RecordViolation) -> Option<&'static str> {
    Some(match violation.rule {
        "record.required-missing" => "mapping.required-not-produced",
        "record.too-long" => "mapping.length-unguarded",
        "record.picklist" => "mapping.picklist-value",
        "record.email" => "mapping.email-unguarded",
        "record.reference" => "mapping.reference",
        "record.format" => "mapping.format",
        "record.type" => "mapping.type-mismatch",
        _ => return None,
    })
}

/// Whether a source path exists in a JSON Schema; the error says where it stops.
pub fn schema_has_path(schema: &Value, path: &[String]) -> Result<(), String> {
    fn resolve<'a>(node: &'a Value, root: &'a Value) -> &'a Value {
        let mut current = node;
        for _ in 0..16 {
            let Some(pointer) = current.get("$ref").and_then(Value::as_str).and_then(|r| r.strip_prefix('#'))
            else {
                break;
            };
            match root.pointer(pointer) {
                Some(next) => current = next,
                None => break,
            }
        }
        current
    }
    fn step(node: &Value, root: &Value, path: &[String], depth: usize) -> Result<(), String> {
        let node = resolve(node, root);
        let Some((segment, rest)) = path.split_first() else { return Ok(()) };
        if depth > 32 {
            return Ok(());
        }
        for key in ["anyOf", "oneOf", "allOf"] {
            if let Some(members) = node.get(key).and_then(Value::as_array) {
                let non_null: Vec<&Value> =
                    members.iter().filter(|m| m.get("type") != Some(&json!("null"))).collect();
                let mut last_error = format!("no variant has `{segment}`");
                for member in non_null {
                    match step(member, root, path, depth + 1) {
                        Ok(()) => return Ok(()),
                        Err(err) => last_error = err,
                    }
                }
                return Err(last_error);
            }
        }
        if segment == "[]" {
            return match node.get("items") {
                Some(items) => step(items, root, rest, depth + 1),
                None if node.get("type").is_none() => Ok(()),
                None => Err("iterates over something that is not an array".into()),
            };
        }
        if let Some(child) = node.get("properties").and_then(|p| p.get(segment)) {
            return step(child, root, rest, depth + 1);
        }
        let closed = node.get("additionalProperties") == Some(&Value::Bool(false));
        let is_object = node.get("properties").is_some() || types_include(node, "object");
        if closed || (!is_object && node.get("type").is_some()) {
            Err(format!("there is no property `{segment}` there"))
        } else {
            Ok(())
        }
    }
    fn types_include(node: &Value, wanted: &str) -> bool {
        match node.get("type") {
            Some(Value::String(t)) => t == wanted,
            Some(Value::Array(ts)) => ts.iter().any(|t| t == wanted),
            _ => false,
        }
    }
    step(schema, schema, path, 0)
}
