//! `DependencyMap`: the loaded entities and the lookups every other part uses.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use switchyard_contracts::{Finding, SystemId};

use crate::entity::{Entity, EntityRef, Kind};
use crate::error::ResolveError;
use crate::load;

/// A loaded, well-formed map. Loading refuses unusable files; semantic problems (dangling
/// references, cycles, disagreement with the contract catalog) are found by `validate`.
#[derive(Debug, Clone)]
pub struct DependencyMap {
    root: PathBuf,
    entities: BTreeMap<EntityRef, Entity>,
    /// Warnings found while loading (unknown `switchyard.io/...` annotations), reported again
    /// by `validate`.
    load_warnings: Vec<Finding>,
}

impl DependencyMap {
    pub(crate) fn new(
        root: PathBuf,
        entities: BTreeMap<EntityRef, Entity>,
        load_warnings: Vec<Finding>,
    ) -> Self {
        Self { root, entities, load_warnings }
    }

    /// Loads every `*.yaml` / `*.yml` file under `root`; on failure returns every problem
    /// found, with file, entity and field.
    pub fn load(root: impl AsRef<Path>) -> Result<Self, Vec<Finding>> {
        load::load(root.as_ref())
    }

    /// Builds a map from file contents (`(path relative to root, YAML text)`), without IO.
    pub fn from_sources(
        root: impl Into<PathBuf>,
        sources: impl IntoIterator<Item = (PathBuf, String)>,
    ) -> Result<Self, Vec<Finding>> {
        load::from_sources(&root.into(), sources)
    }

    /// The map shipped with Switchyard (the e-learning company's), in this repository.
    pub fn shipped_root() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("map")
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn load_warnings(&self) -> &[Finding] {
        &self.load_warnings
    }

    /// Every entity Switchyard keeps, ordered by reference.
    pub fn entities(&self) -> impl Iterator<Item = &Entity> {
        self.entities.values()
    }

    pub fn entity(&self, entity_ref: &EntityRef) -> Option<&Entity> {
        self.entities.get(entity_ref)
    }

    /// Systems, Components, APIs and Resources: the nodes of the dependency graph.
    pub fn nodes(&self) -> impl Iterator<Item = &Entity> {
        self.entities().filter(|entity| entity.kind().is_node())
    }

    pub fn groups(&self) -> impl Iterator<Item = &Entity> {
        self.entities().filter(|entity| entity.kind() == Kind::Group)
    }

    /// Entities the hub delivers to (they carry `switchyard.io/consumes`).
    pub fn delivery_targets(&self) -> impl Iterator<Item = &Entity> {
        self.entities().filter(|entity| entity.delivery.is_some())
    }

    /// The delivery target for a catalog system id.
    pub fn delivery_target(&self, system: &SystemId) -> Option<&Entity> {
        self.delivery_targets().find(|entity| entity.delivery.as_ref().is_some_and(|d| &d.system == system))
    }

    /// The Group owning an entity, when the owner is a Group on the map.
    pub fn owner_of(&self, entity: &Entity) -> Option<&Entity> {
        let owner = entity.owner.as_ref()?;
        self.entity(&owner.target).filter(|group| group.kind() == Kind::Group)
    }

    /// Finds a node from what a person types: `component:salesforce`, `salesforce`, or
    /// `component:ns/x`. A bare name must name one node only.
    pub fn resolve(&self, input: &str) -> Result<EntityRef, ResolveError> {
        let input = input.trim();
        if let Some((kind, rest)) = input.split_once(':') {
            let kind = Kind::from_reference(kind).ok_or_else(|| ResolveError::unknown(input))?;
            let (namespace, name) = rest.split_once('/').unwrap_or((crate::entity::DEFAULT_NAMESPACE, rest));
            let entity_ref = EntityRef::new(kind, namespace, name);
            return match self.entity(&entity_ref) {
                Some(entity) if entity.kind().is_node() => Ok(entity_ref),
                _ => Err(ResolveError::unknown(input)),
            };
        }
        let lowered = input.to_ascii_lowercase();
        let matches: Vec<&Entity> =
            self.nodes().filter(|entity| entity.entity_ref.name() == lowered).collect();
        match matches.as_slice() {
            [] => Err(ResolveError::unknown(input)),
            [only] => Ok(only.entity_ref.clone()),
            several => {
                // A delivery target wins: it is what a system id means to the hub.
                let targets: Vec<&&Entity> = several.iter().filter(|e| e.delivery.is_some()).collect();
                match targets.as_slice() {
                    [only] => Ok(only.entity_ref.clone()),
                    _ => Err(ResolveError::Ambiguous {
                        input: input.to_owned(),
                        candidates: several.iter().map(|e| e.entity_ref.to_string()).collect(),
                    }),
                }
            }
        }
    }
}
