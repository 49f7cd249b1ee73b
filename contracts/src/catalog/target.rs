//! Target contracts: what one downstream object accepts (fields, types, lengths, required,
//! picklists, external id), one TOML file per version at `targets/<Object>/v<N>.toml`.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::names::{SystemId, TargetRef};

/// The type of one target field. Salesforce's field types, plus `json` for webhook payloads
/// that carry nested objects or arrays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FieldType {
    String,
    Textarea,
    Email,
    Phone,
    Url,
    Picklist,
    Multipicklist,
    Boolean,
    Int,
    Double,
    Currency,
    Percent,
    Date,
    Datetime,
    /// A lookup: a record id, or `{"<ExternalIdField>": "<value>"}` to match by external id.
    Reference,
    Id,
    Json,
}

impl FieldType {
    /// Whether values are JSON strings (and so `length` applies).
    pub fn is_text(self) -> bool {
        matches!(
            self,
            Self::String
                | Self::Textarea
                | Self::Email
                | Self::Phone
                | Self::Url
                | Self::Picklist
                | Self::Multipicklist
                | Self::Id
        )
    }

    pub fn is_number(self) -> bool {
        matches!(self, Self::Int | Self::Double | Self::Currency | Self::Percent)
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::String => "string",
            Self::Textarea => "textarea",
            Self::Email => "email",
            Self::Phone => "phone",
            Self::Url => "url",
            Self::Picklist => "picklist",
            Self::Multipicklist => "multipicklist",
            Self::Boolean => "boolean",
            Self::Int => "int",
            Self::Double => "double",
            Self::Currency => "currency",
            Self::Percent => "percent",
            Self::Date => "date",
            Self::Datetime => "datetime",
            Self::Reference => "reference",
            Self::Id => "id",
            Self::Json => "json",
        }
    }
}

/// One field of a target object, as written in the TOML file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetField {
    pub name: String,
    #[serde(rename = "type")]
    pub field_type: FieldType,
    /// Maximum length in characters, for text types.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub length: Option<u32>,
    /// Must be present and non-null on create.
    #[serde(default, skip_serializing_if = "is_false")]
    pub required: bool,
    /// Allowed values of a picklist or multipicklist.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<String>,
    /// A restricted picklist refuses values outside `values`; an unrestricted one accepts them.
    #[serde(default, skip_serializing_if = "is_false")]
    pub restricted: bool,
    /// The object a reference field points to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference_to: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

fn is_false(value: &bool) -> bool {
    !*value
}

/// The body of a target contract file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetContractFile {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The field records are upserted by (Salesforce external id), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    pub fields: Vec<TargetField>,
}

/// One version of one target contract of one system, as loaded from the catalog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetContract {
    pub system: SystemId,
    pub target: TargetRef,
    pub file: PathBuf,
    pub description: Option<String>,
    pub external_id: Option<String>,
    pub fields: Vec<TargetField>,
}

impl TargetContract {
    pub fn field(&self, name: &str) -> Option<&TargetField> {
        self.fields.iter().find(|field| field.name == name)
    }

    pub fn required_fields(&self) -> impl Iterator<Item = &TargetField> {
        self.fields.iter().filter(|field| field.required)
    }

    /// The file body, for writing the contract back to disk.
    pub fn to_file(&self) -> TargetContractFile {
        TargetContractFile {
            description: self.description.clone(),
            external_id: self.external_id.clone(),
            fields: self.fields.clone(),
        }
    }
}
