//! The stable rule codes of every problem the map loader and validator report.

/// A file cannot be read, or the map directory holds no YAML.
pub const IO: &str = "map.io";
/// A YAML document is not well-formed.
pub const YAML: &str = "map.yaml";
/// A document is not a catalog entity, or a field Switchyard reads has the wrong shape.
pub const MALFORMED_ENTITY: &str = "map.malformed-entity";
/// `kind:` (or the kind in a reference) is not a Backstage kind.
pub const UNKNOWN_KIND: &str = "map.unknown-kind";
/// Two entities share kind, namespace and name, or two delivery targets share a name.
pub const DUPLICATE_ENTITY: &str = "map.duplicate-entity";
/// A `switchyard.io/...` annotation cannot be parsed or is incomplete.
pub const INVALID_ANNOTATION: &str = "map.invalid-annotation";
/// (warning) A `switchyard.io/...` annotation Switchyard does not know, or on the wrong kind.
pub const UNKNOWN_ANNOTATION: &str = "map.unknown-annotation";

/// A reference names an entity that is not on the map.
pub const UNKNOWN_REFERENCE: &str = "map.unknown-reference";
/// A reference names an entity of a kind the field does not allow (an owner that is a User).
pub const WRONG_REFERENCE_KIND: &str = "map.wrong-reference-kind";
/// A System, Component, API or Resource has no `spec.owner`.
pub const MISSING_OWNER: &str = "map.missing-owner";
/// A Group owns entities but has no e-mail, chat channel or on-call to reach it.
pub const UNREACHABLE_OWNER: &str = "map.unreachable-owner";
/// `spec.dependsOn` loops back on itself.
pub const DEPENDENCY_CYCLE: &str = "map.dependency-cycle";

/// `switchyard.io/consumes` names an event type or version the catalog does not have.
pub const UNKNOWN_EVENT_CONTRACT: &str = "map.unknown-event-contract";
/// `switchyard.io/mappings` names a mapping the catalog does not have for that system.
pub const UNKNOWN_MAPPING: &str = "map.unknown-mapping";
/// A system consumes an event version the catalog has no mapping into that system for.
pub const UNMAPPED_CONSUMPTION: &str = "map.unmapped-consumption";
/// The catalog maps an event version into a system whose `switchyard.io/consumes` omits it.
pub const UNDECLARED_CONSUMPTION: &str = "map.undeclared-consumption";
/// The catalog has mappings into a system the map does not know as a delivery target.
pub const UNKNOWN_SYSTEM: &str = "map.unknown-system";
