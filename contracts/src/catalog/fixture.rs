//! Fixtures: example events with the exact record each mapping must produce from them,
//! `fixtures/<mapping>.json` holding a JSON array of cases.

use std::path::PathBuf;

use serde::Deserialize;
use serde_json::{Map, Value};

/// One case as written in the file.
///
/// ```json
/// [{"name": "ordinary active learner",
///   "event": { "specversion": "1.0", "id": "...", ...structured CloudEvent... },
///   "expected": {"Legacy_Id__c": "100234", "LastName": "Okafor"}}]
/// ```
/// `"expected": null` says the mapping's `when` must skip this event.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FixtureCase {
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    pub event: Value,
    pub expected: Option<Map<String, Value>>,
}

/// A fixture case as loaded, tied to its mapping and file.
#[derive(Debug, Clone, PartialEq)]
pub struct Fixture {
    pub mapping: String,
    pub file: PathBuf,
    /// Index of the case in the file's array (for the JSON pointer `/<index>`).
    pub index: usize,
    pub name: String,
    pub description: Option<String>,
    pub event: Value,
    pub expected: Option<Map<String, Value>>,
}
