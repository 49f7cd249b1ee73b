//! Mapping files: how one event contract version becomes one target contract version for one
//! system, each target field computed by a jq expression over the event's `data`.

use std::path::PathBuf;

use serde::Deserialize;

use crate::names::{EventRef, SystemId, TargetRef};

/// The body of `mappings/<name>.toml`.
///
/// ```toml
/// description = "Legacy account -> Salesforce Contact"
/// source = "user.migrated@v1"
/// target = "Contact@v1"
/// when = '.status != "expired"'        # optional: events for which this yields false are skipped
/// [fields]
/// Legacy_Id__c = '.legacy_id'
/// LastName = '(.last_name // "") | if . == "" then "[not provided]" else .[0:80] end'
/// ```
///
/// Each expression runs with the event's `data` as input and `$event` bound to the envelope
/// attributes (`id`, `source`, `type`, `version`, `time`, `subject`). One output sets the field;
/// `empty` (no output) leaves it out of the record; `null` sends an explicit null (clears the
/// field downstream); more than one output is an error.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MappingFile {
    #[serde(default)]
    pub description: Option<String>,
    pub source: EventRef,
    pub target: TargetRef,
    #[serde(default)]
    pub when: Option<String>,
    pub fields: toml::Table,
}

/// A mapping as loaded from the catalog, before compilation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MappingSpec {
    /// The file stem, unique within its system.
    pub name: String,
    pub system: SystemId,
    pub file: PathBuf,
    pub description: Option<String>,
    pub source: EventRef,
    pub target: TargetRef,
    pub when: Option<String>,
    /// Target field name and jq expression, in file order.
    pub fields: Vec<(String, String)>,
}
