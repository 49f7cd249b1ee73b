//! Mappings: compiled jq expressions that turn an event into a target record, and the
//! type-check that proves a mapping fits its source schema and target contract.

mod analysis;
mod compiled;
mod fast_path;
mod functions;
mod jq;
mod pattern;
mod probe;
mod typecheck;
mod values;

pub use analysis::{SourcePath, output_literals, source_paths};
pub use compiled::{CompiledMapping, MappingError, MappingOutcome};
pub use jq::{JqInput, JqProgram, JqRunError};
pub use probe::{Probe, probes};
pub use typecheck::{schema_has_path, typecheck_mapping};
