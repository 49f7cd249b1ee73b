//! A mapping compiled once and applied to many events: `when` filter plus one jq program per
//! target field.

use serde_json::{Map, Value};

use super::jq::{JqInput, JqProgram, JqRunError};
use crate::catalog::MappingSpec;
use crate::finding::Finding;

/// What applying a mapping to one event produced.
#[derive(Debug, Clone, PartialEq)]
pub enum MappingOutcome {
    /// The target record, fields in mapping order (fields whose expression gave no output are
    /// left out).
    Record(Map<String, Value>),
    /// The mapping's `when` condition is false for this event: nothing goes to this system.
    Skipped,
}

/// Why a mapping could not produce a record for one event.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("mapping `{mapping}`, {place}: {error}")]
pub struct MappingError {
    pub mapping: String,
    /// `when` or `fields.<Name>`.
    pub place: String,
    pub error: JqRunError,
}

/// A mapping ready to run. Cheap to share (`Arc`) between workers: programs are immutable.
#[derive(Debug)]
pub struct CompiledMapping {
    spec: MappingSpec,
    when: Option<JqProgram>,
    fields: Vec<(String, JqProgram)>,
}

impl CompiledMapping {
    /// Compiles every expression; the error lists every expression that does not compile.
    pub fn compile(spec: MappingSpec) -> Result<Self, Vec<Finding>> {
        let mut findings = Vec::new();
        let when = match spec.when.as_deref().map(JqProgram::compile) {
            None => None,
            Some(Ok(program)) => Some(program),
            Some(Err(err)) => {
                findings.push(Finding::error(&spec.file, "when", "mapping.jq-syntax", err));
                None
            }
        };
        let mut fields = Vec::with_capacity(spec.fields.len());
        for (name, expression) in &spec.fields {
            match JqProgram::compile(expression) {
                Ok(program) => fields.push((name.clone(), program)),
                Err(err) => findings.push(Finding::error(
                    &spec.file,
                    format!("fields.{name}"),
                    "mapping.jq-syntax",
                    err,
                )),
            }
        }
        if findings.is_empty() { Ok(Self { spec, when, fields }) } else { Err(findings) }
    }

    pub fn spec(&self) -> &MappingSpec {
        &self.spec
    }

    pub fn name(&self) -> &str {
        &self.spec.name
    }

    /// The compiled program of one target field.
    pub fn field_program(&self, field: &str) -> Option<&JqProgram> {
        self.fields.iter().find(|(name, _)| name == field).map(|(_, program)| program)
    }

    /// Applies the mapping to an event's `data`, with `$event` bound to its attributes.
    pub fn apply(&self, data: &Value, event: &Value) -> Result<MappingOutcome, MappingError> {
        // Converted to jq values once for every program of the mapping.
        let input = JqInput::new(data, event);
        if let Some(when) = &self.when {
            let include = when.run_condition(&input).map_err(|error| self.error("when", error))?;
            if !include {
                return Ok(MappingOutcome::Skipped);
            }
        }
        let mut record = Map::with_capacity(self.fields.len());
        for (name, program) in &self.fields {
            let value = program
                .run_single_prepared(&input)
                .map_err(|error| self.error(&format!("fields.{name}"), error))?;
            if let Some(value) = value {
                record.insert(name.clone(), value);
            }
        }
        Ok(MappingOutcome::Record(record))
    }

    /// Whether the mapping's `when` condition lets this event through (true when it has none),
    /// without computing the record: routing asks this at ingest, so an event the mapping
    /// skips never gets a delivery to that system.
    pub fn includes(&self, data: &Value, event: &Value) -> Result<bool, MappingError> {
        match &self.when {
            None => Ok(true),
            Some(when) => {
                when.run_condition(&JqInput::new(data, event)).map_err(|error| self.error("when", error))
            }
        }
    }

    /// Applies the mapping to a parsed envelope.
    pub fn apply_envelope(&self, envelope: &crate::Envelope) -> Result<MappingOutcome, MappingError> {
        self.apply(envelope.data(), &envelope.attributes_json())
    }

    fn error(&self, place: &str, error: JqRunError) -> MappingError {
        MappingError { mapping: self.spec.name.clone(), place: place.to_owned(), error }
    }
}
