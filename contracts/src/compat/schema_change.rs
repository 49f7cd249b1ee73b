//! What the schema diff finds, and how each finding reads as an incompatibility in either direction.
//!
//! The diff always asks one question: which data does the writer's schema allow that the
//! reader's refuses? BACKWARD asks it with writer = old and reader = new, FORWARD with
//! writer = new and reader = old. A `SchemaChange` records the answer in writer/reader terms;
//! `into_incompatibility` turns it into old/new words, a kind code and the new side's pointer.

use serde_json::Value;

use super::json_types::TypeSet;
use super::{Direction, Incompatibility};
use crate::finding::Severity;
use crate::names::ContractVersion;

/// One place where the reader refuses data the writer allows.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Change {
    pub what: SchemaChange,
    pub severity: Severity,
    /// The schema node concerned, in the writer's and the reader's schema.
    pub writer_pointer: String,
    pub reader_pointer: String,
    /// The place in the data, e.g. `price.currency`; empty for the whole document.
    pub field: String,
}

#[derive(Debug, Clone, PartialEq)]
pub(super) enum SchemaChange {
    /// The reader requires a property the writer may leave out (or never writes).
    RequiredAdded {
        writer_has_property: bool,
    },
    /// The writer may send a property the reader's closed content model does not list.
    PropertyRemoved,
    /// The reader constrains a property the writer's open content model allows with any value.
    PropertyConstrained,
    /// The writer allows additional properties; the reader allows none.
    AdditionalPropertiesClosed,
    TypeNarrowed {
        writer: TypeSet,
        reader: TypeSet,
    },
    /// The reader's schema is `false`.
    RejectsAll,
    EnumValueRemoved(Value),
    /// The reader allows only listed values where the writer allowed any.
    EnumAdded,
    /// No `anyOf`/`oneOf` alternative of the reader accepts these writer values.
    VariantRemoved {
        writer: String,
    },
    /// A `max*` bound of the reader is lower, or a `min*` bound higher, than the writer's.
    Bound {
        keyword: &'static str,
        writer: Option<Value>,
        reader: Option<Value>,
    },
    UniqueItemsAdded,
    /// Patterns and formats cannot be compared for inclusion, so these are warnings.
    PatternChanged {
        writer: Option<String>,
        reader: String,
    },
    FormatChanged {
        writer: Option<String>,
        reader: String,
    },
    /// A `$ref` that is not a local pointer into the same document (or points nowhere).
    RefUnresolved {
        reference: String,
        in_reader: bool,
    },
    /// Nested too deeply, or too many alternatives to try: the rest was not compared.
    TooComplex,
}

/// The stable kind codes of a bound keyword: (backward, forward).
fn bound_kinds(keyword: &str) -> (&'static str, &'static str) {
    match keyword {
        "maxLength" => ("max-length-decreased", "max-length-increased"),
        "minLength" => ("min-length-increased", "min-length-decreased"),
        "maxItems" => ("max-items-decreased", "max-items-increased"),
        "minItems" => ("min-items-increased", "min-items-decreased"),
        "maxProperties" => ("max-properties-decreased", "max-properties-increased"),
        "minProperties" => ("min-properties-increased", "min-properties-decreased"),
        "minimum" | "exclusiveMinimum" => ("minimum-increased", "minimum-decreased"),
        _ => ("maximum-decreased", "maximum-increased"),
    }
}

fn show(value: Option<&Value>) -> String {
    value.map_or_else(|| "unset".to_owned(), Value::to_string)
}

impl Change {
    pub fn into_incompatibility(
        self,
        direction: Direction,
        from: ContractVersion,
        to: ContractVersion,
    ) -> Incompatibility {
        let backward = direction == Direction::Backward;
        let (kind, what) = self.describe(backward, from, to);
        let consequence = if backward {
            format!("readers on {to} may reject data written for {from}")
        } else {
            format!("readers still on {from} may reject data written for {to}")
        };
        let message = match self.what {
            SchemaChange::RefUnresolved { .. } | SchemaChange::TooComplex => what,
            _ => format!("{what}; {consequence}"),
        };
        // The pointer is into the newer contract: the reader's when backward, the writer's when forward.
        let pointer = if backward { self.reader_pointer } else { self.writer_pointer };
        Incompatibility { pointer, kind, severity: self.severity, direction, from, to, message }
    }

    /// The kind code and what changed, in old/new words.
    fn describe(&self, backward: bool, from: ContractVersion, to: ContractVersion) -> (&'static str, String) {
        let field =
            if self.field.is_empty() { "the document".to_owned() } else { format!("`{}`", self.field) };
        let pick = |b: &'static str, f: &'static str| if backward { b } else { f };
        match &self.what {
            SchemaChange::RequiredAdded { writer_has_property } => match (backward, writer_has_property) {
                (true, true) => ("required-added", format!("property {field} became required in {to}")),
                (true, false) => ("required-added", format!("required property {field} was added in {to}")),
                (false, true) => {
                    ("required-relaxed", format!("property {field} is no longer required in {to}"))
                }
                (false, false) => {
                    ("property-removed", format!("required property {field} was removed in {to}"))
                }
            },
            SchemaChange::PropertyRemoved if backward => (
                "property-removed",
                format!("property {field} was removed in {to}, which does not allow additional properties"),
            ),
            SchemaChange::PropertyRemoved => (
                "property-added",
                format!(
                    "property {field} was added in {to}, but {from} does not allow additional properties"
                ),
            ),
            SchemaChange::PropertyConstrained if backward => (
                "property-added-to-open-model",
                format!("property {field} was added in {to}, but {from} allowed any additional property"),
            ),
            SchemaChange::PropertyConstrained => (
                "property-removed-from-open-model",
                format!("property {field} was removed in {to}, which allows any additional property"),
            ),
            SchemaChange::AdditionalPropertiesClosed if backward => (
                "additional-properties-closed",
                format!("{field} no longer allows additional properties in {to}"),
            ),
            SchemaChange::AdditionalPropertiesClosed => (
                "additional-properties-opened",
                format!("{field} allows additional properties in {to} but not in {from}"),
            ),
            SchemaChange::TypeNarrowed { writer, reader } => {
                let refused = writer.refused_by(*reader);
                if backward {
                    let text =
                        format!("{field} no longer accepts {refused} in {to} (was {writer}, now {reader})");
                    ("type-narrowed", text)
                } else {
                    let text = format!("{field} accepts {refused} in {to} (was {reader}, now {writer})");
                    ("type-widened", text)
                }
            }
            SchemaChange::RejectsAll if backward => {
                ("type-narrowed", format!("{field} accepts no value in {to}"))
            }
            SchemaChange::RejectsAll => ("type-widened", format!("{field} accepted no value in {from}")),
            SchemaChange::EnumValueRemoved(value) if backward => {
                ("enum-value-removed", format!("value {value} of {field} was removed in {to}"))
            }
            SchemaChange::EnumValueRemoved(value) => {
                ("enum-value-added", format!("value {value} of {field} was added in {to}"))
            }
            SchemaChange::EnumAdded if backward => {
                ("enum-added", format!("{field} is restricted to a list of values in {to}"))
            }
            SchemaChange::EnumAdded => {
                ("enum-removed", format!("{field} is no longer restricted to a list of values in {to}"))
            }
            SchemaChange::VariantRemoved { writer } if backward => (
                "variant-removed",
                format!("no alternative of {field} in {to} accepts the {writer} values {from} allowed"),
            ),
            SchemaChange::VariantRemoved { writer } => (
                "variant-added",
                format!("{field} accepts {writer} values in {to} that no alternative of {from} accepts"),
            ),
            SchemaChange::Bound { keyword, writer, reader } => {
                let (old, new) = if backward { (writer, reader) } else { (reader, writer) };
                let (b, f) = bound_kinds(keyword);
                let text = format!(
                    "{field}: `{keyword}` was {} in {from} and is {} in {to}",
                    show(old.as_ref()),
                    show(new.as_ref())
                );
                (pick(b, f), text)
            }
            SchemaChange::UniqueItemsAdded if backward => {
                ("unique-items-added", format!("{field} requires unique items in {to}"))
            }
            SchemaChange::UniqueItemsAdded => {
                ("unique-items-removed", format!("{field} no longer requires unique items in {to}"))
            }
            SchemaChange::PatternChanged { writer, reader } => {
                ("pattern-changed", changed_text(&field, "pattern", backward, writer.as_deref(), reader, to))
            }
            SchemaChange::FormatChanged { writer, reader } => {
                ("format-changed", changed_text(&field, "format", backward, writer.as_deref(), reader, to))
            }
            SchemaChange::RefUnresolved { reference, in_reader } => {
                let version = if *in_reader == backward { to } else { from };
                let text =
                    format!("cannot resolve `$ref` `{reference}` in {version}, so {field} was not compared");
                ("ref-unresolved", text)
            }
            SchemaChange::TooComplex => (
                "too-complex",
                format!("{field} is nested too deeply or has too many alternatives to compare fully"),
            ),
        }
    }
}

/// A pattern or format that cannot be proven to accept what it accepted before.
fn changed_text(
    field: &str,
    keyword: &str,
    backward: bool,
    writer: Option<&str>,
    reader: &str,
    to: ContractVersion,
) -> String {
    let proof = "(not proven to accept the same values)";
    match (backward, writer) {
        (true, None) => format!("{field} gained {keyword} `{reader}` in {to} {proof}"),
        (true, Some(old)) => format!("{field} changed {keyword} from `{old}` to `{reader}` in {to} {proof}"),
        (false, None) => format!("{field} dropped {keyword} `{reader}` in {to}"),
        (false, Some(new)) => format!("{field} changed {keyword} from `{reader}` to `{new}` in {to} {proof}"),
    }
}
