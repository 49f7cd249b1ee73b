//! Mappings: compiled jq expressions that turn an event into a target record, and the
//! type-check that proves a mapping fits its source schema and target contract.

mod compiled;
mod jq;

pub use compiled::{CompiledMapping, MappingError, MappingOutcome};
pub use jq::{JqProgram, JqRunError};
