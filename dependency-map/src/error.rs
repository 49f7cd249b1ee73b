//! Errors of the map's queries: naming a system the map does not have, or a query that does
//! not parse. Loading and validation report `Finding`s instead.

/// A system named in a query could not be found on the map.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResolveError {
    #[error("`{input}` is not a System, Component, API or Resource on the map")]
    Unknown { input: String },
    #[error("`{input}` names several entities ({}); write one of them in full", candidates.join(", "))]
    Ambiguous { input: String, candidates: Vec<String> },
}

impl ResolveError {
    pub(crate) fn unknown(input: &str) -> Self {
        Self::Unknown { input: input.to_owned() }
    }
}

/// A query written on the command line (`enrollment.created@v1..v2`) that does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{input}` is not a {what}: {rule}")]
pub struct QueryError {
    pub input: String,
    pub what: &'static str,
    pub rule: String,
}
