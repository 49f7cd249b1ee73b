//! Conditions the org config declares for automations and validation rules
//! (`{ field = "Contact__c.MailingCountryCode", is_null = true }`), parsed once from TOML and
//! evaluated as a pure function over whatever resolves a field path to a value.

use serde::Deserialize;
use serde_json::Value;

/// A field of the record itself, or one hop through a lookup (`Contact__c.MailingCountryCode`;
/// the relationship spelling `Contact__r.MailingCountryCode` means the same).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldPath {
    /// The lookup field on the record (`Contact__c`), when the value is on a related record.
    pub lookup: Option<String>,
    /// The field holding the value.
    pub field: String,
}

impl FieldPath {
    pub fn parse(text: &str) -> Result<Self, String> {
        let valid =
            |name: &str| !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        match text.split('.').collect::<Vec<_>>().as_slice() {
            [field] if valid(field) => Ok(Self { lookup: None, field: (*field).to_owned() }),
            [lookup, field] if valid(lookup) && valid(field) => {
                let lookup = match lookup.strip_suffix("__r") {
                    Some(stem) => format!("{stem}__c"),
                    None => (*lookup).to_owned(),
                };
                Ok(Self { lookup: Some(lookup), field: (*field).to_owned() })
            }
            _ => Err(format!("`{text}` is not a field or a lookup.field path")),
        }
    }
}

/// What a condition tests about the value.
#[derive(Debug, Clone, PartialEq)]
pub enum Test {
    /// Equal to this value (text exactly, numbers numerically).
    Equals(Value),
    /// Null, absent or empty text (Salesforce treats empty text as null).
    IsNull,
    /// Set and not empty.
    IsNotNull,
    /// A number below this one.
    LessThan(f64),
}

/// One condition: a field path and a test. A list of them holds when all hold.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(try_from = "ConditionIn")]
pub struct Condition {
    pub path: FieldPath,
    pub test: Test,
}

/// The TOML spelling: a field and exactly one of `equals`, `is_null`, `less_than`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConditionIn {
    field: String,
    equals: Option<Value>,
    is_null: Option<bool>,
    less_than: Option<f64>,
}

impl TryFrom<ConditionIn> for Condition {
    type Error = String;

    fn try_from(raw: ConditionIn) -> Result<Self, String> {
        let path = FieldPath::parse(&raw.field)?;
        let test = match (raw.equals, raw.is_null, raw.less_than) {
            (Some(value), None, None) => Test::Equals(value),
            (None, Some(true), None) => Test::IsNull,
            (None, Some(false), None) => Test::IsNotNull,
            (None, None, Some(bound)) => Test::LessThan(bound),
            _ => return Err(format!("{}: give exactly one of equals, is_null, less_than", raw.field)),
        };
        Ok(Self { path, test })
    }
}

fn is_null(value: Option<&Value>) -> bool {
    match value {
        None | Some(Value::Null) => true,
        Some(Value::String(s)) => s.is_empty(),
        Some(_) => false,
    }
}

fn as_number(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

impl Condition {
    /// Whether the condition holds for `value` (the resolved field path; `None` when unset or
    /// when the lookup points nowhere).
    pub fn holds_for(&self, value: Option<&Value>) -> bool {
        match &self.test {
            Test::IsNull => is_null(value),
            Test::IsNotNull => !is_null(value),
            Test::LessThan(bound) => value.and_then(as_number).is_some_and(|n| n < *bound),
            Test::Equals(expected) => match (value, expected) {
                (Some(actual), Value::Number(_)) => as_number(actual) == as_number(expected),
                (Some(actual), expected) => actual == expected,
                (None, Value::Null) => true,
                (None, _) => false,
            },
        }
    }
}

/// Whether every condition holds, with `resolve` looking each path up.
pub fn all_hold(conditions: &[Condition], resolve: impl Fn(&FieldPath) -> Option<Value>) -> bool {
    conditions.iter().all(|condition| condition.holds_for(resolve(&condition.path).as_ref()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(text: &str) -> Result<Condition, toml::de::Error> {
        #[derive(Deserialize)]
        struct One {
            c: Condition,
        }
        toml::from_str::<One>(&format!("c = {text}")).map(|one| one.c)
    }

    #[test]
    fn conditions_parse_from_toml_with_one_test_each() {
        let condition =
            parse(r#"{ field = "Contact__r.MailingCountryCode", is_null = true }"#).expect("valid");
        assert_eq!(condition.path.lookup.as_deref(), Some("Contact__c"));
        assert_eq!(condition.test, Test::IsNull);
        assert!(parse(r#"{ field = "A", equals = 1, less_than = 2 }"#).is_err());
        assert!(parse(r#"{ field = "A.B.C", is_null = true }"#).is_err());
        assert!(parse(r#"{ field = "A", is_nul = true }"#).is_err());
    }

    #[test]
    fn tests_treat_empty_text_as_null_and_numbers_numerically() {
        let null = parse(r#"{ field = "A", is_null = true }"#).expect("valid");
        assert!(
            null.holds_for(None) && null.holds_for(Some(&json!(""))) && !null.holds_for(Some(&json!("GB")))
        );
        let negative = parse(r#"{ field = "P", less_than = 0 }"#).expect("valid");
        assert!(negative.holds_for(Some(&json!(-1.5))) && !negative.holds_for(Some(&json!(0))));
        assert!(!negative.holds_for(None));
        let active = parse(r#"{ field = "S", equals = "Active" }"#).expect("valid");
        assert!(active.holds_for(Some(&json!("Active"))) && !active.holds_for(Some(&json!("active"))));
        let ten = parse(r#"{ field = "N", equals = 10 }"#).expect("valid");
        assert!(ten.holds_for(Some(&json!(10.0))));
    }
}
