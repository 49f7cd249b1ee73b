//! The catalog on disk: event contracts, and per system its target contracts, mappings,
//! fixtures and expectations. See `contracts/catalog/README.md` for the layout.

mod check;
mod describe;
mod expectation;
mod fixture;
mod loader;
mod mapping_spec;
mod record;
mod target;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::Value;

pub use describe::{DescribeImport, import_describe};
pub use expectation::{Expectation, ExpectationEntry, ExpectationsFile};
pub use fixture::{Fixture, FixtureCase};
pub use mapping_spec::{MappingFile, MappingSpec};
pub use record::{RecordViolation, is_salesforce_email, validate_record};
pub use target::{FieldType, TargetContract, TargetContractFile, TargetField};

use crate::finding::Finding;
use crate::mapping::CompiledMapping;
use crate::names::{EventRef, EventType, SystemId, TargetRef};

/// One version of one event contract: its JSON Schema (draft 2020-12), compiled once.
#[derive(Debug, Clone)]
pub struct EventContract {
    pub contract: EventRef,
    pub file: PathBuf,
    pub schema: Value,
    validator: Arc<jsonschema::Validator>,
}

/// One way an event's data breaks its contract.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SchemaViolation {
    /// JSON pointer into the event's `data`.
    pub pointer: String,
    pub message: String,
    /// The rule broken, without the offending value (which may be personal data): the JSON
    /// Schema keyword (`maxLength`, `enum`, ...), with the property names for `required` and
    /// `additionalProperties`.
    pub rule: String,
}

impl EventContract {
    pub(crate) fn new(
        contract: EventRef,
        file: PathBuf,
        schema: Value,
        validator: jsonschema::Validator,
    ) -> Self {
        Self { contract, file, schema, validator: Arc::new(validator) }
    }

    /// Every violation of `data` against this contract, each with its JSON pointer.
    pub fn validate(&self, data: &Value) -> Vec<SchemaViolation> {
        // Most data is valid: answering that is cheaper than collecting no errors.
        if self.validator.is_valid(data) {
            return Vec::new();
        }
        self.validator
            .iter_errors(data)
            .map(|error| SchemaViolation {
                pointer: error.instance_path().to_string(),
                message: error.to_string(),
                rule: rule_of(error.kind()),
            })
            .collect()
    }
}

/// A violation's rule named by its keyword; property names are schema vocabulary, not data.
fn rule_of(kind: &jsonschema::error::ValidationErrorKind) -> String {
    use jsonschema::error::ValidationErrorKind;
    match kind {
        ValidationErrorKind::Required { property } => {
            format!("required: {}", property.as_str().unwrap_or_default())
        }
        ValidationErrorKind::AdditionalProperties { unexpected } => {
            format!("additionalProperties: {}", unexpected.join(", "))
        }
        other => other.keyword().to_owned(),
    }
}

/// Everything the catalog holds for one downstream system.
#[derive(Debug, Clone)]
pub struct SystemCatalog {
    pub id: SystemId,
    pub targets: BTreeMap<TargetRef, TargetContract>,
    /// Mappings by name, compiled.
    pub mappings: BTreeMap<String, Arc<CompiledMapping>>,
    pub fixtures: Vec<Fixture>,
    pub expectations: Vec<Expectation>,
}

/// A loaded, well-formed catalog. Loading refuses malformed files (unusable input); semantic
/// problems (a mapping that does not fit its target) are found by `check`.
#[derive(Debug, Clone)]
pub struct Catalog {
    pub root: PathBuf,
    pub events: BTreeMap<EventRef, EventContract>,
    pub systems: BTreeMap<SystemId, SystemCatalog>,
}

impl Catalog {
    /// Loads every file under `root`; on failure returns every problem found, not the first.
    pub fn load(root: impl AsRef<Path>) -> Result<Self, Vec<Finding>> {
        loader::load(root.as_ref())
    }

    /// The catalog shipped with Switchyard (the e-learning company's), in this repository.
    pub fn shipped_root() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("catalog")
    }

    pub fn event(&self, contract: &EventRef) -> Option<&EventContract> {
        self.events.get(contract)
    }

    /// Every published version of one event type, oldest first.
    pub fn versions_of(&self, event_type: &EventType) -> Vec<&EventContract> {
        self.events.values().filter(|contract| &contract.contract.event_type == event_type).collect()
    }

    pub fn system(&self, id: &SystemId) -> Option<&SystemCatalog> {
        self.systems.get(id)
    }

    pub fn target(&self, system: &SystemId, target: &TargetRef) -> Option<&TargetContract> {
        self.systems.get(system)?.targets.get(target)
    }

    /// Every mapping of every system.
    pub fn mappings(&self) -> impl Iterator<Item = &Arc<CompiledMapping>> {
        self.systems.values().flat_map(|system| system.mappings.values())
    }

    /// The mappings that consume one event contract version, across systems.
    pub fn mappings_for(&self, contract: &EventRef) -> impl Iterator<Item = &Arc<CompiledMapping>> {
        self.mappings().filter(move |mapping| &mapping.spec().source == contract)
    }
}
