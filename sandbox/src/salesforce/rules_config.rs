//! The org's declared behaviour beyond field rules: the CRM team's automations (flows),
//! duplicate rules and custom validation rules, as the org config spells them, and the checks
//! that every object, field and path they name exists.

use serde::Deserialize;
use serde_json::{Map, Value};

use super::conditions::{Condition, FieldPath};
use super::org_config::{FieldType, ObjectConfig, OrgConfig};

/// When a record-triggered automation runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Trigger {
    Insert,
    Update,
}

/// Where a value an automation writes comes from. In TOML a string `$record.Field` (or
/// `$record.Id`) copies the triggering record's field, `$flow.name` / `$flow.message` name the
/// automation and its failure message; anything else is written as given.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(from = "Value")]
pub enum ValueSource {
    Literal(Value),
    RecordField(String),
    FlowName,
    FlowMessage,
}

impl From<Value> for ValueSource {
    fn from(value: Value) -> Self {
        match value.as_str() {
            Some("$flow.name") => ValueSource::FlowName,
            Some("$flow.message") => ValueSource::FlowMessage,
            Some(text) if text.starts_with("$record.") => {
                ValueSource::RecordField(text.trim_start_matches("$record.").to_owned())
            }
            _ => ValueSource::Literal(value),
        }
    }
}

/// A record an automation creates (flows run in system mode: field permissions do not apply).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateRecord {
    pub object: String,
    pub fields: std::collections::BTreeMap<String, ValueSource>,
}

/// The condition under which the flow fails without the client hearing of it: the record
/// saves, the API says success, the flow's effects do not happen and `trace` is created.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SilentFailure {
    /// Whether the failure happens at start; switchable at run time.
    #[serde(default = "yes")]
    pub enabled: bool,
    pub when: Vec<Condition>,
    /// The flow's fault message (`$flow.message` in the trace's fields).
    pub message: String,
    /// The record the failing flow leaves behind (a `Flow_Error__c`).
    pub trace: CreateRecord,
}

/// One record-triggered automation (a CRM flow).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AutomationConfig {
    /// The flow's API name; the inspection API switches it by this name.
    pub name: String,
    pub object: String,
    /// Whether the flow is active at start; switchable at run time.
    #[serde(default = "yes")]
    pub active: bool,
    /// On insert, update or both.
    pub on: Vec<Trigger>,
    /// All must hold on the saved record for the flow to act (empty: always).
    #[serde(default)]
    pub when: Vec<Condition>,
    /// Fields set on the triggering record.
    #[serde(default)]
    pub set: std::collections::BTreeMap<String, ValueSource>,
    /// Related records created.
    #[serde(default)]
    pub create: Vec<CreateRecord>,
    pub fail_silently: Option<SilentFailure>,
}

/// A duplicate rule: a new or changed record matching another on every field of `match_fields`
/// (text compared case-insensitively; empty values never match) is refused.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DuplicateRuleConfig {
    pub name: String,
    pub object: String,
    pub match_fields: Vec<String>,
    /// The message of the `DUPLICATES_DETECTED` error.
    #[serde(default = "default_duplicate_message")]
    pub message: String,
}

fn default_duplicate_message() -> String {
    "Use one of these records?".to_owned()
}

/// A custom validation rule: when every condition of `error_when` holds on the record as it
/// would be saved, the save fails with `FIELD_CUSTOM_VALIDATION_EXCEPTION` and `message`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValidationRuleConfig {
    pub name: String,
    pub object: String,
    pub error_when: Vec<Condition>,
    pub message: String,
    /// The field the error is shown on (the error's `fields`); none for a page-level error.
    pub error_field: Option<String>,
}

fn yes() -> bool {
    true
}

/// Checks that what the rules name exists in `org`.
pub fn check(org: &OrgConfig) -> Result<(), String> {
    let object = |name: &str| org.object(name).ok_or_else(|| format!("unknown object {name}"));
    let mut names = std::collections::HashSet::new();
    for flow in &org.automations {
        let on = object(&flow.object).map_err(|e| format!("automation {}: {e}", flow.name))?;
        if !names.insert(flow.name.as_str()) {
            return Err(format!("automation {} is declared twice", flow.name));
        }
        let context = |e: String| format!("automation {}: {e}", flow.name);
        check_conditions(org, on, &flow.when).map_err(context)?;
        check_values(on, on, &flow.set).map_err(context)?;
        for created in &flow.create {
            check_values(on, object(&created.object).map_err(context)?, &created.fields).map_err(context)?;
        }
        if let Some(failure) = &flow.fail_silently {
            check_conditions(org, on, &failure.when).map_err(context)?;
            let trace = object(&failure.trace.object).map_err(context)?;
            check_values(on, trace, &failure.trace.fields).map_err(context)?;
        }
    }
    for rule in &org.duplicate_rules {
        let on = object(&rule.object).map_err(|e| format!("duplicate rule {}: {e}", rule.name))?;
        for field in &rule.match_fields {
            on.field(field).ok_or_else(|| format!("duplicate rule {}: unknown field {field}", rule.name))?;
        }
    }
    for rule in &org.validation_rules {
        let context = |e: String| format!("validation rule {}: {e}", rule.name);
        let on = object(&rule.object).map_err(context)?;
        check_conditions(org, on, &rule.error_when).map_err(context)?;
        if let Some(field) = &rule.error_field {
            on.field(field).ok_or_else(|| context(format!("unknown field {field}")))?;
        }
    }
    Ok(())
}

fn check_conditions(org: &OrgConfig, on: &ObjectConfig, conditions: &[Condition]) -> Result<(), String> {
    for condition in conditions {
        check_path(org, on, &condition.path)?;
    }
    Ok(())
}

fn check_path(org: &OrgConfig, on: &ObjectConfig, path: &FieldPath) -> Result<(), String> {
    let exists = |object: &ObjectConfig, field: &str| field == "Id" || object.field(field).is_some();
    match &path.lookup {
        None if exists(on, &path.field) => Ok(()),
        None => Err(format!("unknown field {}.{}", on.name, path.field)),
        Some(lookup) => {
            let reference = on
                .field(lookup)
                .filter(|f| f.field_type == FieldType::Reference)
                .ok_or_else(|| format!("{}.{lookup} is not a lookup", on.name))?;
            let found =
                reference.reference_to.iter().filter_map(|t| org.object(t)).any(|t| exists(t, &path.field));
            if found { Ok(()) } else { Err(format!("no object behind {lookup} has {}", path.field)) }
        }
    }
}

fn check_values(
    source: &ObjectConfig,
    target: &ObjectConfig,
    values: &std::collections::BTreeMap<String, ValueSource>,
) -> Result<(), String> {
    for (field, value) in values {
        target.field(field).ok_or_else(|| format!("unknown field {}.{field}", target.name))?;
        if let ValueSource::RecordField(from) = value
            && from != "Id"
            && source.field(from).is_none()
        {
            return Err(format!("unknown field {}.{from}", source.name));
        }
    }
    Ok(())
}

/// The values to write, with `$record.` and `$flow.` sources filled in.
pub fn resolve_values(
    values: &std::collections::BTreeMap<String, ValueSource>,
    target: &ObjectConfig,
    record_id: &str,
    record: &Map<String, Value>,
    flow_name: &str,
    flow_message: &str,
) -> Map<String, Value> {
    values
        .iter()
        .filter_map(|(field, source)| {
            let name = target.field(field)?.name.clone();
            let value = match source {
                ValueSource::Literal(value) => value.clone(),
                ValueSource::RecordField(from) if from == "Id" => Value::String(record_id.to_owned()),
                ValueSource::RecordField(from) => record
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(from))
                    .map(|(_, v)| v.clone())
                    .unwrap_or(Value::Null),
                ValueSource::FlowName => Value::String(flow_name.to_owned()),
                ValueSource::FlowMessage => Value::String(flow_message.to_owned()),
            };
            Some((name, value))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::salesforce::org_config::{OrgConfig, OrgConfigError};

    const SHIPPED: &str = include_str!("../../orgs/e-learning.toml");

    #[test]
    fn the_shipped_flows_and_rules_load() {
        let org = OrgConfig::e_learning();
        let flow = org.automations.iter().find(|f| f.name == "Enrollment_Activation").expect("shipped");
        // The CRM team's faulty change is there, switched off: the flow works as shipped.
        assert!(flow.fail_silently.as_ref().is_some_and(|f| !f.enabled && f.trace.object == "Flow_Error__c"));
        let broken = org.clone().with_silent_failures(true);
        let flow = broken.automations.iter().find(|f| f.name == "Enrollment_Activation").expect("shipped");
        assert!(flow.fail_silently.as_ref().is_some_and(|f| f.enabled));
        assert_eq!(org.duplicate_rules[0].match_fields, ["Email"]);
        assert_eq!(org.validation_rules[0].error_field.as_deref(), Some("Price__c"));
    }

    #[test]
    fn rules_naming_missing_fields_are_refused() {
        for (from, to) in [
            ("Contact__c.MailingCountryCode", "Contact__c.Shoe_Size__c"),
            (
                "Enrollment_Legacy_Id__c = \"$record.Legacy_Id__c\"",
                "Enrollment_Legacy_Id__c = \"$record.Nope__c\"",
            ),
            ("match_fields = [\"Email\"]", "match_fields = [\"Mail\"]"),
            ("field = \"Price__c\", less_than", "field = \"Cost__c\", less_than"),
        ] {
            let broken = SHIPPED.replace(from, to);
            assert_ne!(broken, SHIPPED, "{from}");
            assert!(
                matches!(OrgConfig::from_toml(&broken, "test"), Err(OrgConfigError::Inconsistent(_))),
                "{to}"
            );
        }
    }
}
