//! Expectations: post-conditions that must hold downstream after a delivery, read back within
//! a deadline (checked by the hub's verification, declared here so reviews see them).

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Deserialize;
use serde_json::Value;

use crate::names::SystemId;

/// `expectations.toml` of one system: a list of `[[expectations]]`.
///
/// ```toml
/// [[expectations]]
/// name = "enrollment-activated-by-flow"
/// description = "The CRM flow marks every new active enrollment Active"
/// mapping = "enrollment-created-v2"   # deliveries through this mapping
/// when = '.status == "active"'         # jq over the event data; optional
/// object = "Enrollment__c"              # the record to read back ...
/// match_field = "Legacy_Id__c"          # ... found by this field ...
/// match_value = '.enrollment_id'        # ... equal to this jq over the event data
/// within_seconds = 60
/// exists = true                         # false: the record must NOT exist (e.g. Flow_Error__c)
/// [expectations.fields]
/// Status__c = "Active"
/// ```
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectationsFile {
    #[serde(default)]
    pub expectations: Vec<ExpectationEntry>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectationEntry {
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    pub mapping: String,
    #[serde(default)]
    pub when: Option<String>,
    pub object: String,
    pub match_field: String,
    pub match_value: String,
    #[serde(default = "default_within_seconds")]
    pub within_seconds: u64,
    #[serde(default = "default_exists")]
    pub exists: bool,
    #[serde(default)]
    pub fields: BTreeMap<String, Value>,
}

fn default_within_seconds() -> u64 {
    60
}

fn default_exists() -> bool {
    true
}

/// An expectation as loaded, tied to its system and file.
#[derive(Debug, Clone, PartialEq)]
pub struct Expectation {
    pub system: SystemId,
    pub file: PathBuf,
    pub index: usize,
    pub name: String,
    pub description: Option<String>,
    pub mapping: String,
    pub when: Option<String>,
    pub object: String,
    pub match_field: String,
    pub match_value: String,
    pub within_seconds: u64,
    pub exists: bool,
    /// Field name -> the value it must hold.
    pub fields: BTreeMap<String, Value>,
}
