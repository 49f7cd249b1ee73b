//! The entities Switchyard reads from Backstage catalog YAML, and the references between them.

use std::fmt;
use std::path::PathBuf;

use serde::{Serialize, Serializer};
use switchyard_contracts::{EventRef, SystemId};

/// A Backstage entity kind. Switchyard keeps entities of the first five; the others are
/// recognised (so references to them parse, and files holding them load) and then ignored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    System,
    Component,
    Api,
    Resource,
    Group,
    Domain,
    User,
    Location,
    Template,
}

impl Kind {
    pub const ALL: [Kind; 9] = [
        Kind::System,
        Kind::Component,
        Kind::Api,
        Kind::Resource,
        Kind::Group,
        Kind::Domain,
        Kind::User,
        Kind::Location,
        Kind::Template,
    ];

    /// The spelling in an entity's `kind:` field, e.g. `API`.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::System => "System",
            Kind::Component => "Component",
            Kind::Api => "API",
            Kind::Resource => "Resource",
            Kind::Group => "Group",
            Kind::Domain => "Domain",
            Kind::User => "User",
            Kind::Location => "Location",
            Kind::Template => "Template",
        }
    }

    /// The exact spelling Backstage requires in `kind:`.
    pub fn from_kind_field(input: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|kind| kind.as_str() == input)
    }

    /// The spelling in an entity reference (`component:x`), where case does not matter.
    pub fn from_reference(input: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|kind| kind.as_str().eq_ignore_ascii_case(input))
    }

    /// Kinds whose entities Switchyard keeps.
    pub fn is_used(self) -> bool {
        matches!(self, Kind::System | Kind::Component | Kind::Api | Kind::Resource | Kind::Group)
    }

    /// Kinds that are nodes of the dependency graph (everything kept but Group).
    pub fn is_node(self) -> bool {
        self.is_used() && self != Kind::Group
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Kind {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// A full entity reference: kind, namespace and name, compared without case as Backstage does
/// (stored lowercase). Written `component:salesforce`, or `component:ns/salesforce` outside
/// the default namespace.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EntityRef {
    kind: Kind,
    namespace: String,
    name: String,
}

pub const DEFAULT_NAMESPACE: &str = "default";

impl EntityRef {
    pub fn new(kind: Kind, namespace: &str, name: &str) -> Self {
        Self { kind, namespace: namespace.to_ascii_lowercase(), name: name.to_ascii_lowercase() }
    }

    /// A reference in the default namespace.
    pub fn default_namespace(kind: Kind, name: &str) -> Self {
        Self::new(kind, DEFAULT_NAMESPACE, name)
    }

    pub fn kind(&self) -> Kind {
        self.kind
    }

    pub fn namespace(&self) -> &str {
        &self.namespace
    }

    pub fn name(&self) -> &str {
        &self.name
    }
}

impl fmt::Display for EntityRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = self.kind.as_str().to_ascii_lowercase();
        if self.namespace == DEFAULT_NAMESPACE {
            write!(f, "{kind}:{}", self.name)
        } else {
            write!(f, "{kind}:{}/{}", self.namespace, self.name)
        }
    }
}

impl Serialize for EntityRef {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// A reference written in one field of one entity, e.g. `spec.dependsOn[1]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    pub target: EntityRef,
    /// The field it was written in, e.g. `spec.owner` or `spec.dependsOn[1]`.
    pub field: String,
}

/// How to reach the people of a Group.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Contacts {
    /// `switchyard.io/contact-email`, else Backstage's `spec.profile.email`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// `switchyard.io/chat`, e.g. `#crm-team` or a chat URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chat: Option<String>,
    /// `switchyard.io/oncall`, e.g. `pagerduty:crm-primary`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub oncall: Option<String>,
}

impl Contacts {
    pub fn is_empty(&self) -> bool {
        self.email.is_none() && self.chat.is_none() && self.oncall.is_none()
    }

    /// The ways to reach the group, in order of preference, for one-line reports.
    pub fn summary(&self) -> Vec<String> {
        let mut parts = Vec::new();
        parts.extend(self.email.clone());
        parts.extend(self.chat.clone());
        parts.extend(self.oncall.as_ref().map(|oncall| format!("on-call {oncall}")));
        parts
    }
}

/// What the hub delivers to an entity: the entity is a *delivery target*, and its name is the
/// system id of the contract catalog (`contracts/catalog/systems/<name>`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub system: SystemId,
    /// `switchyard.io/consumes`: the event contract versions delivered to it.
    pub consumes: Vec<EventRef>,
    /// `switchyard.io/adapter`: the adapter kind that delivers them, e.g. `salesforce`.
    pub adapter: String,
    /// `switchyard.io/mappings`: the catalog mappings used, when listed.
    pub mappings: Vec<String>,
}

/// One entity Switchyard keeps, with what it read from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entity {
    pub entity_ref: EntityRef,
    /// The file it was read from, relative to the map root.
    pub file: PathBuf,
    /// `metadata.name` as written.
    pub name: String,
    pub title: Option<String>,
    pub description: Option<String>,
    /// `spec.type`, e.g. `service`, `saas`, `database`, `team`.
    pub spec_type: Option<String>,
    pub lifecycle: Option<String>,
    pub owner: Option<Reference>,
    pub system: Option<Reference>,
    pub depends_on: Vec<Reference>,
    pub provides_apis: Vec<Reference>,
    pub consumes_apis: Vec<Reference>,
    /// Set when the entity carries `switchyard.io/consumes`.
    pub delivery: Option<Delivery>,
    /// `switchyard.io/personal-data`: categories of personal data it receives.
    pub personal_data: Vec<String>,
    /// For Groups: how to reach them.
    pub contacts: Contacts,
}

impl Entity {
    pub fn kind(&self) -> Kind {
        self.entity_ref.kind()
    }

    /// The title when there is one, else the name.
    pub fn display_name(&self) -> &str {
        self.title.as_deref().unwrap_or(&self.name)
    }

    /// Every reference the entity makes, with the field it was written in.
    pub fn references(&self) -> impl Iterator<Item = &Reference> {
        self.owner
            .iter()
            .chain(self.system.iter())
            .chain(self.depends_on.iter())
            .chain(self.provides_apis.iter())
            .chain(self.consumes_apis.iter())
    }

    /// `component:salesforce spec.owner`: the `place` of a finding about one field.
    pub fn place(&self, field: &str) -> String {
        if field.is_empty() { self.entity_ref.to_string() } else { format!("{} {field}", self.entity_ref) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_compare_without_case_and_print_backstage_style() {
        let a = EntityRef::new(Kind::Component, "Default", "SalesForce");
        let b = EntityRef::default_namespace(Kind::Component, "salesforce");
        assert_eq!(a, b);
        assert_eq!(a.to_string(), "component:salesforce");
        assert_eq!(EntityRef::new(Kind::Api, "crm", "x").to_string(), "api:crm/x");
    }

    #[test]
    fn kind_field_is_exact_but_references_ignore_case() {
        assert_eq!(Kind::from_kind_field("API"), Some(Kind::Api));
        assert_eq!(Kind::from_kind_field("component"), None);
        assert_eq!(Kind::from_reference("api"), Some(Kind::Api));
        assert!(!Kind::User.is_node() && Kind::Group.is_used() && !Kind::Group.is_node());
    }
}
