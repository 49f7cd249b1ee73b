//! Parsed names and versions: event types, contract versions, systems, target objects and the
//! `type@v2` references that tie them together. Raw strings become these once, at the edge.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Why a name or reference could not be parsed; the message names the rule broken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{input}` is not a valid {what}: {rule}")]
pub struct NameError {
    pub input: String,
    pub what: &'static str,
    pub rule: &'static str,
}

impl NameError {
    fn new(input: &str, what: &'static str, rule: &'static str) -> Self {
        Self { input: input.to_owned(), what, rule }
    }
}

/// An event type such as `enrollment.created`: two or more dot-separated segments of
/// lowercase letters, digits and `_`, each starting with a letter.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EventType(String);

impl EventType {
    pub fn parse(input: &str) -> Result<Self, NameError> {
        const WHAT: &str = "event type";
        if input.len() > 100 {
            return Err(NameError::new(input, WHAT, "at most 100 characters"));
        }
        let segments: Vec<&str> = input.split('.').collect();
        if segments.len() < 2 {
            return Err(NameError::new(
                input,
                WHAT,
                "needs at least two dot-separated segments, e.g. `enrollment.created`",
            ));
        }
        for segment in segments {
            let mut chars = segment.chars();
            let starts_with_letter = chars.next().is_some_and(|c| c.is_ascii_lowercase());
            let rest_ok = chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
            if !starts_with_letter || !rest_ok {
                return Err(NameError::new(
                    input,
                    WHAT,
                    "each segment is lowercase letters, digits and `_`, starting with a letter",
                ));
            }
        }
        Ok(Self(input.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The version of one contract: a positive integer, written `v2` (or just `2`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ContractVersion(u32);

impl ContractVersion {
    pub fn new(version: u32) -> Option<Self> {
        (version > 0).then_some(Self(version))
    }

    pub fn parse(input: &str) -> Result<Self, NameError> {
        let digits = input.strip_prefix('v').unwrap_or(input);
        digits
            .parse::<u32>()
            .ok()
            .filter(|_| digits.chars().all(|c| c.is_ascii_digit()))
            .and_then(Self::new)
            .ok_or_else(|| {
                NameError::new(input, "contract version", "a positive integer such as `v2` or `2`")
            })
    }

    pub fn number(self) -> u32 {
        self.0
    }
}

/// A system of the dependency map, e.g. `salesforce` or `lms`: lowercase letters, digits and
/// `-`, starting with a letter, at most 63 characters (a Backstage entity name fits).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SystemId(String);

impl SystemId {
    pub fn parse(input: &str) -> Result<Self, NameError> {
        let mut chars = input.chars();
        let ok = input.len() <= 63
            && chars.next().is_some_and(|c| c.is_ascii_lowercase())
            && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if ok {
            Ok(Self(input.to_owned()))
        } else {
            Err(NameError::new(
                input,
                "system id",
                "lowercase letters, digits and `-`, starting with a letter, at most 63 characters",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The name of a downstream object a target contract describes, e.g. `Contact`,
/// `Enrollment__c` or `enrollment` (a webhook payload): letters, digits and `_`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ObjectName(String);

impl ObjectName {
    pub fn parse(input: &str) -> Result<Self, NameError> {
        let mut chars = input.chars();
        let ok = input.len() <= 80
            && chars.next().is_some_and(|c| c.is_ascii_alphabetic())
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
        if ok {
            Ok(Self(input.to_owned()))
        } else {
            Err(NameError::new(
                input,
                "object name",
                "letters, digits and `_`, starting with a letter, at most 80 characters",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// One version of one event contract: `enrollment.created@v2`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EventRef {
    pub event_type: EventType,
    pub version: ContractVersion,
}

impl EventRef {
    pub fn new(event_type: EventType, version: ContractVersion) -> Self {
        Self { event_type, version }
    }

    pub fn parse(input: &str) -> Result<Self, NameError> {
        let (name, version) = input.split_once('@').ok_or_else(|| {
            NameError::new(
                input,
                "event contract reference",
                "written `<type>@v<version>`, e.g. `enrollment.created@v2`",
            )
        })?;
        Ok(Self { event_type: EventType::parse(name)?, version: ContractVersion::parse(version)? })
    }
}

/// One version of one target contract: `Enrollment__c@v1` (the system is known from context).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TargetRef {
    pub object: ObjectName,
    pub version: ContractVersion,
}

impl TargetRef {
    pub fn new(object: ObjectName, version: ContractVersion) -> Self {
        Self { object, version }
    }

    pub fn parse(input: &str) -> Result<Self, NameError> {
        let (name, version) = input.split_once('@').ok_or_else(|| {
            NameError::new(
                input,
                "target contract reference",
                "written `<Object>@v<version>`, e.g. `Contact@v1`",
            )
        })?;
        Ok(Self { object: ObjectName::parse(name)?, version: ContractVersion::parse(version)? })
    }
}

macro_rules! display_and_serde {
    ($ty:ty, |$s:ident, $f:ident| $fmt:expr) => {
        impl fmt::Display for $ty {
            fn fmt(&$s, $f: &mut fmt::Formatter<'_>) -> fmt::Result {
                $fmt
            }
        }

        impl FromStr for $ty {
            type Err = NameError;
            fn from_str(input: &str) -> Result<Self, NameError> {
                Self::parse(input)
            }
        }

        impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(self)
            }
        }

        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let raw = String::deserialize(deserializer)?;
                Self::parse(&raw).map_err(serde::de::Error::custom)
            }
        }
    };
}

display_and_serde!(EventType, |self, f| f.write_str(&self.0));
display_and_serde!(ContractVersion, |self, f| write!(f, "v{}", self.0));
display_and_serde!(SystemId, |self, f| f.write_str(&self.0));
display_and_serde!(ObjectName, |self, f| f.write_str(&self.0));
display_and_serde!(EventRef, |self, f| write!(f, "{}@{}", self.event_type, self.version));
display_and_serde!(TargetRef, |self, f| write!(f, "{}@{}", self.object, self.version));

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_refs_round_trip_and_reject_bad_input() {
        let parsed = EventRef::parse("enrollment.created@v2").unwrap();
        assert_eq!(parsed.to_string(), "enrollment.created@v2");
        assert_eq!(EventRef::parse("enrollment.created@2").unwrap(), parsed);
        for bad in [
            "enrollment.created",
            "Enrollment.created@v1",
            "enrollment@v1",
            "a.b@v0",
            "a.b@vx",
            "a..b@v1",
            "a.b@v+1",
        ] {
            assert!(EventRef::parse(bad).is_err(), "{bad} should be rejected");
        }
    }

    #[test]
    fn errors_name_the_rule() {
        let err = SystemId::parse("Sales Force").unwrap_err();
        assert!(err.to_string().contains("lowercase letters"), "{err}");
        let err = TargetRef::parse("Contact").unwrap_err();
        assert!(err.to_string().contains("Contact@v1"), "{err}");
    }

    #[test]
    fn versions_order_numerically() {
        assert!(ContractVersion::parse("v10").unwrap() > ContractVersion::parse("v9").unwrap());
    }
}
