//! Compares two versions of a target contract: which records built for one version the
//! downstream, running the other, refuses.
//!
//! Our mapping writes the records and the downstream reads them. BACKWARD asks whether records
//! built for the old version are accepted by the downstream on the new one (a required field
//! added, a field removed or shortened, a restricted picklist value removed, a type changed);
//! FORWARD whether records built for the new version are accepted by a downstream still on the
//! old one (a field added, a length increased, a picklist value added, a requirement relaxed).

use super::{CompatibilityMode, Direction, Incompatibility};
use crate::catalog::{FieldType, TargetContract, TargetField};
use crate::finding::{Severity, json_pointer};
use crate::names::ContractVersion;

/// Every incompatibility between two versions of one target contract under `mode`. Transitive
/// modes compare just these two here: `check_target_contract` brings in the other versions.
pub fn diff_target_contracts(
    old: &TargetContract,
    new: &TargetContract,
    mode: CompatibilityMode,
) -> Vec<Incompatibility> {
    let (from, to) = (old.target.version, new.target.version);
    let mut found = Vec::new();
    for &direction in mode.directions() {
        let (writer, reader) = match direction {
            Direction::Backward => (old, new),
            Direction::Forward => (new, old),
        };
        let versions = Versions { direction, from, to };
        found.extend(refusals(writer, reader).into_iter().map(|refusal| refusal.describe(versions)));
    }
    found
}

/// One way the reader refuses records the writer's contract allows.
#[derive(Debug, Clone, PartialEq)]
enum Refusal {
    ExternalIdChanged {
        writer: Option<String>,
        reader: Option<String>,
    },
    FieldRemoved {
        field: String,
    },
    RequiredAdded {
        field: String,
        writer_has_field: bool,
    },
    TypeChanged {
        field: String,
        writer: FieldType,
        reader: FieldType,
    },
    LengthDecreased {
        field: String,
        writer: Option<u32>,
        reader: u32,
    },
    PicklistRestricted {
        field: String,
    },
    /// Severity `Warning` when the reader's picklist is unrestricted (it still accepts the value).
    PicklistValueRemoved {
        field: String,
        value: String,
        restricted: bool,
    },
    ReferenceChanged {
        field: String,
        writer: Option<String>,
        reader: Option<String>,
    },
}

fn refusals(writer: &TargetContract, reader: &TargetContract) -> Vec<Refusal> {
    let mut found = Vec::new();
    if writer.external_id != reader.external_id {
        let (writer, reader) = (writer.external_id.clone(), reader.external_id.clone());
        found.push(Refusal::ExternalIdChanged { writer, reader });
    }
    for reader_field in reader.required_fields() {
        let writer_field = writer.field(&reader_field.name);
        if !writer_field.is_some_and(|field| field.required) {
            let field = reader_field.name.clone();
            found.push(Refusal::RequiredAdded { field, writer_has_field: writer_field.is_some() });
        }
    }
    for writer_field in &writer.fields {
        match reader.field(&writer_field.name) {
            None => found.push(Refusal::FieldRemoved { field: writer_field.name.clone() }),
            Some(reader_field) => field_refusals(writer_field, reader_field, &mut found),
        }
    }
    found
}

fn field_refusals(writer: &TargetField, reader: &TargetField, found: &mut Vec<Refusal>) {
    let field = || writer.name.clone();
    if !accepts(reader.field_type, writer.field_type) {
        found.push(Refusal::TypeChanged {
            field: field(),
            writer: writer.field_type,
            reader: reader.field_type,
        });
        // Lengths and values of a different type say nothing more.
        return;
    }
    if let Some(reader_length) = reader.length
        && reader.field_type.is_text()
        && writer.length.is_none_or(|writer_length| writer_length > reader_length)
    {
        found.push(Refusal::LengthDecreased { field: field(), writer: writer.length, reader: reader_length });
    }
    let picklist =
        |field: &TargetField| matches!(field.field_type, FieldType::Picklist | FieldType::Multipicklist);
    if picklist(reader) && picklist(writer) {
        if reader.restricted && !writer.restricted {
            found.push(Refusal::PicklistRestricted { field: field() });
        }
        for value in writer.values.iter().filter(|value| !reader.values.contains(value)) {
            let (value, restricted) = (value.clone(), reader.restricted);
            found.push(Refusal::PicklistValueRemoved { field: field(), value, restricted });
        }
    }
    if reader.field_type == FieldType::Reference && reader.reference_to != writer.reference_to {
        let (writer, reader) = (writer.reference_to.clone(), reader.reference_to.clone());
        found.push(Refusal::ReferenceChanged { field: field(), writer, reader });
    }
}

/// Whether a field of type `reader` accepts every value a field of type `writer` holds: the same
/// type, a whole number into a decimal one, or any text into free text.
fn accepts(reader: FieldType, writer: FieldType) -> bool {
    use FieldType::*;
    reader == writer
        || matches!(
            (writer, reader),
            (Int, Double | Currency | Percent)
                | (String | Email | Phone | Url | Picklist | Id, Textarea)
                | (Email | Phone | Url | Picklist | Id, String)
        )
}

#[derive(Debug, Clone, Copy)]
struct Versions {
    direction: Direction,
    from: ContractVersion,
    to: ContractVersion,
}

fn show<T: std::fmt::Display>(value: Option<&T>) -> String {
    value.map_or_else(|| "none".to_owned(), |value| format!("`{value}`"))
}

impl Refusal {
    fn describe(self, versions: Versions) -> Incompatibility {
        let Versions { direction, from, to } = versions;
        let backward = direction == Direction::Backward;
        let pick = |b: &'static str, f: &'static str| if backward { b } else { f };
        let mut severity = Severity::Error;
        let (pointer, kind, what) = match &self {
            Refusal::ExternalIdChanged { writer, reader } => {
                let (old, new) = old_new(backward, writer, reader);
                let text = format!(
                    "external id changed from {} to {} in {to}",
                    show(old.as_ref()),
                    show(new.as_ref())
                );
                ("/external_id".to_owned(), "external-id-changed", text)
            }
            Refusal::FieldRemoved { field } => {
                let text = if backward {
                    format!("field `{field}` was removed in {to}")
                } else {
                    format!("field `{field}` was added in {to}")
                };
                (field_pointer(field), pick("field-removed", "field-added"), text)
            }
            Refusal::RequiredAdded { field, writer_has_field } => {
                let (kind, text) = match (backward, writer_has_field) {
                    (true, true) => ("required-added", format!("field `{field}` became required in {to}")),
                    (true, false) => {
                        ("required-added", format!("required field `{field}` was added in {to}"))
                    }
                    (false, true) => {
                        ("required-relaxed", format!("field `{field}` is no longer required in {to}"))
                    }
                    (false, false) => {
                        ("field-removed", format!("required field `{field}` was removed in {to}"))
                    }
                };
                (field_pointer(field), kind, text)
            }
            Refusal::TypeChanged { field, writer, reader } => {
                let (old, new) = old_new(backward, writer, reader);
                let text =
                    format!("field `{field}` changed type from {} to {} in {to}", old.name(), new.name());
                (field_pointer(field), "type-changed", text)
            }
            Refusal::LengthDecreased { field, writer, reader } => {
                let (writer, reader) = (writer.map(|n| n.to_string()), Some(reader.to_string()));
                let (old, new) = old_new(backward, &writer, &reader);
                let text = format!(
                    "field `{field}` length changed from {} to {} in {to}",
                    old.as_deref().unwrap_or("unlimited"),
                    new.as_deref().unwrap_or("unlimited")
                );
                (field_pointer(field), pick("length-decreased", "length-increased"), text)
            }
            Refusal::PicklistRestricted { field } => {
                let text = if backward {
                    format!("picklist `{field}` became restricted in {to}")
                } else {
                    format!("picklist `{field}` is no longer restricted in {to}")
                };
                (field_pointer(field), pick("picklist-restricted", "picklist-unrestricted"), text)
            }
            Refusal::PicklistValueRemoved { field, value, restricted } => {
                if !restricted {
                    severity = Severity::Warning;
                }
                let text = if backward {
                    format!("value `{value}` of picklist `{field}` was removed in {to}")
                } else {
                    format!("value `{value}` of picklist `{field}` was added in {to}")
                };
                (field_pointer(field), pick("picklist-value-removed", "picklist-value-added"), text)
            }
            Refusal::ReferenceChanged { field, writer, reader } => {
                let (old, new) = old_new(backward, writer, reader);
                let text = format!(
                    "reference `{field}` points to {} instead of {} in {to}",
                    show(new.as_ref()),
                    show(old.as_ref())
                );
                (field_pointer(field), "reference-target-changed", text)
            }
        };
        let consequence = match (&self, backward) {
            (Refusal::PicklistValueRemoved { restricted: false, .. }, _) => {
                "the picklist is unrestricted, so the downstream still accepts it".to_owned()
            }
            (_, true) => format!("the downstream on {to} may refuse records built for {from}"),
            (_, false) => format!("a downstream still on {from} may refuse records built for {to}"),
        };
        let message = format!("{what}; {consequence}");
        Incompatibility { pointer, kind, severity, direction, from, to, message }
    }
}

/// (old, new) from (writer, reader): backward writes old and reads new, forward the reverse.
fn old_new<T>(backward: bool, writer: T, reader: T) -> (T, T) {
    if backward { (writer, reader) } else { (reader, writer) }
}

fn field_pointer(field: &str) -> String {
    json_pointer(["fields", field])
}
