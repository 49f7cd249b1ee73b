//! Impact analysis: which entities a change reaches, directly and transitively, with their
//! owners, the path that connects them and why. Pure functions over the map and the catalog.

use std::collections::{BTreeMap, VecDeque};
use std::fmt;

use serde::{Serialize, Serializer};
use switchyard_contracts::compat::{CompatibilityMode, CompatibilityReport, Direction};
use switchyard_contracts::{Catalog, ContractVersion, EventRef, EventType, Severity};

use crate::entity::{Contacts, Entity, EntityRef, Kind};
use crate::error::QueryError;
use crate::graph::{DownstreamGraph, Relation};
use crate::map::DependencyMap;
use crate::signoff::SignOffPlan;

/// What changed.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ImpactQuery {
    /// New or changed events of these contract versions (e.g. a wave sending them).
    Events { events: Vec<EventRef> },
    /// One event type moving between versions, with the compatibility check's result.
    ContractChange { event_type: EventType, report: CompatibilityReport },
    /// These entities change or go down.
    Systems { systems: Vec<EntityRef> },
}

impl ImpactQuery {
    /// One line for headings: `enrollment.created@v2`, `enrollment.created v1..v2`, ...
    pub fn describe(&self) -> String {
        let join = |items: Vec<String>| items.join(", ");
        match self {
            ImpactQuery::Events { events } => join(events.iter().map(ToString::to_string).collect()),
            ImpactQuery::ContractChange { event_type, report } => {
                format!("{event_type} {}..{}", report.from, report.to)
            }
            ImpactQuery::Systems { systems } => join(systems.iter().map(ToString::to_string).collect()),
        }
    }
}

/// Parses `<type>@<v1>..<v2>` (e.g. `enrollment.created@v1..v2`).
pub fn parse_contract_change(
    input: &str,
) -> Result<(EventType, ContractVersion, ContractVersion), QueryError> {
    let error = |rule: String| QueryError { input: input.to_owned(), what: "contract change", rule };
    let shape = || error("written `<type>@<v1>..<v2>`, e.g. `enrollment.created@v1..v2`".to_owned());
    let (event_type, versions) = input.trim().split_once('@').ok_or_else(shape)?;
    let (from, to) = versions.split_once("..").ok_or_else(shape)?;
    let event_type = EventType::parse(event_type).map_err(|err| error(err.to_string()))?;
    let from = ContractVersion::parse(from).map_err(|err| error(err.to_string()))?;
    let to = ContractVersion::parse(to).map_err(|err| error(err.to_string()))?;
    if from == to {
        return Err(error("the two versions must differ".to_owned()));
    }
    Ok((event_type, from, to))
}

/// The team owning an impacted entity and how to reach it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Owner {
    pub group: EntityRef,
    pub name: String,
    pub contacts: Contacts,
}

/// One hop of a path: the relation and the entity it reaches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PathStep {
    pub relation: Relation,
    pub to: EntityRef,
}

/// Where a path starts: the changed event contract version, or a changed entity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathStart {
    Event(EventRef),
    Entity(EntityRef),
}

impl fmt::Display for PathStart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PathStart::Event(event) => event.fmt(f),
            PathStart::Entity(entity) => entity.fmt(f),
        }
    }
}

impl Serialize for PathStart {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// How the change reaches an entity: from an event contract version or a named entity, hop by
/// hop (the shortest such path).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImpactPath {
    pub start: PathStart,
    pub steps: Vec<PathStep>,
}

impl ImpactPath {
    /// `enrollment.created@v2 -> component:salesforce -> component:crm-enrollment-flows`
    pub fn arrows(&self) -> String {
        let mut parts = vec![self.start.to_string()];
        parts.extend(self.steps.iter().map(|step| step.to.to_string()));
        parts.join(" -> ")
    }

    /// Pairs of consecutive entities on the path (event hops left out), for highlighting.
    pub fn entity_hops(&self) -> Vec<(EntityRef, EntityRef, Relation)> {
        let mut hops = Vec::new();
        let mut previous = match &self.start {
            PathStart::Entity(entity) => Some(entity),
            PathStart::Event(_) => None,
        };
        for step in &self.steps {
            if let Some(from) = previous {
                hops.push((from.clone(), step.to.clone(), step.relation));
            }
            previous = Some(&step.to);
        }
        hops
    }
}

/// One impacted entity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImpactedEntity {
    pub entity: EntityRef,
    pub kind: Kind,
    pub name: String,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub spec_type: Option<String>,
    /// Hit by the change itself (it consumes the event, or was named), not through another.
    pub direct: bool,
    /// Hops from the change; 0 for direct.
    pub distance: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub system: Option<EntityRef>,
    /// `None` when the entity has no owner, or its owner is not a Group on the map.
    pub owner: Option<Owner>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub consumes: Vec<EventRef>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub personal_data: Vec<String>,
    pub path: ImpactPath,
    pub why: Vec<String>,
}

/// Everything a change reaches, closest first, and who must sign off.
#[derive(Debug, Clone, Serialize)]
pub struct ImpactReport {
    pub query: ImpactQuery,
    pub impacted: Vec<ImpactedEntity>,
    /// Queried event versions that no entity on the map consumes.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unconsumed: Vec<EventRef>,
    pub sign_off: SignOffPlan,
}

impl ImpactReport {
    pub fn entity(&self, entity: &EntityRef) -> Option<&ImpactedEntity> {
        self.impacted.iter().find(|impacted| &impacted.entity == entity)
    }
}

/// Where the walk starts: an entity hit directly, and why.
struct Seed {
    entity: EntityRef,
    path: ImpactPath,
    why: Vec<String>,
}

/// Runs one impact query.
pub fn impact(map: &DependencyMap, catalog: &Catalog, query: &ImpactQuery) -> ImpactReport {
    let (seeds, unconsumed) = match query {
        ImpactQuery::Events { events } => event_seeds(map, catalog, events),
        ImpactQuery::ContractChange { event_type, report } => {
            (change_seeds(map, event_type, report), Vec::new())
        }
        ImpactQuery::Systems { systems } => (system_seeds(map, systems), Vec::new()),
    };
    let impacted = walk(map, &DownstreamGraph::build(map), seeds);
    let sign_off = SignOffPlan::from_impacted(&impacted);
    ImpactReport { query: query.clone(), impacted, unconsumed, sign_off }
}

fn event_seeds(map: &DependencyMap, catalog: &Catalog, events: &[EventRef]) -> (Vec<Seed>, Vec<EventRef>) {
    let mut seeds = Vec::new();
    let mut unconsumed = Vec::new();
    for event in events {
        let before = seeds.len();
        for (entity, delivery) in map.delivery_targets().filter_map(|e| e.delivery.as_ref().map(|d| (e, d))) {
            if !delivery.consumes.contains(event) {
                continue;
            }
            let mappings: Vec<String> = catalog
                .system(&delivery.system)
                .into_iter()
                .flat_map(|system| system.mappings.values())
                .filter(|mapping| &mapping.spec().source == event)
                .map(|mapping| format!("`{}`", mapping.spec().name))
                .collect();
            let through = match mappings.as_slice() {
                [] => String::new(),
                [one] => format!(" through mapping {one}"),
                several => format!(" through mappings {}", several.join(", ")),
            };
            let why = format!("consumes {event}{through} ({} adapter)", delivery.adapter);
            seeds.push(Seed {
                entity: entity.entity_ref.clone(),
                path: event_path(event, entity),
                why: vec![why],
            });
        }
        if seeds.len() == before {
            unconsumed.push(event.clone());
        }
    }
    (seeds, unconsumed)
}

fn event_path(event: &EventRef, entity: &Entity) -> ImpactPath {
    ImpactPath {
        start: PathStart::Event(event.clone()),
        steps: vec![PathStep { relation: Relation::Consumes, to: entity.entity_ref.clone() }],
    }
}

fn change_seeds(map: &DependencyMap, event_type: &EventType, report: &CompatibilityReport) -> Vec<Seed> {
    let mut seeds = Vec::new();
    for (entity, delivery) in map.delivery_targets().filter_map(|e| e.delivery.as_ref().map(|d| (e, d))) {
        let consumed: Vec<&EventRef> = delivery
            .consumes
            .iter()
            .filter(|c| &c.event_type == event_type && (c.version == report.from || c.version == report.to))
            .collect();
        let Some(first) = consumed.first() else { continue };
        let versions: Vec<String> = consumed.iter().map(|c| c.version.to_string()).collect();
        let verdict = if report.is_compatible() { "compatible" } else { "incompatible" };
        let mut why = vec![format!(
            "consumes {event_type} {} ({} adapter); {}..{} is {verdict} under {}",
            versions.join(" and "),
            delivery.adapter,
            report.from,
            report.to,
            mode_name(report.mode),
        )];
        why.extend(report.incompatibilities.iter().map(|i| {
            let severity = if i.severity == Severity::Error { "error" } else { "warning" };
            let direction = match i.direction {
                Direction::Backward => "backward",
                Direction::Forward => "forward",
            };
            format!("{severity} {} ({direction}) at {}: {}", i.kind, i.pointer, i.message)
        }));
        seeds.push(Seed { entity: entity.entity_ref.clone(), path: event_path(first, entity), why });
    }
    seeds
}

/// The Schema Registry spelling of a mode, as in `CompatibilityMode`'s serialisation.
fn mode_name(mode: CompatibilityMode) -> &'static str {
    match mode {
        CompatibilityMode::Backward => "BACKWARD",
        CompatibilityMode::BackwardTransitive => "BACKWARD_TRANSITIVE",
        CompatibilityMode::Forward => "FORWARD",
        CompatibilityMode::ForwardTransitive => "FORWARD_TRANSITIVE",
        CompatibilityMode::Full => "FULL",
        CompatibilityMode::FullTransitive => "FULL_TRANSITIVE",
    }
}

fn system_seeds(map: &DependencyMap, systems: &[EntityRef]) -> Vec<Seed> {
    systems
        .iter()
        .filter(|system| map.entity(system).is_some())
        .map(|system| Seed {
            entity: system.clone(),
            path: ImpactPath { start: PathStart::Entity(system.clone()), steps: Vec::new() },
            why: vec!["named in the query: it changes or goes down".to_owned()],
        })
        .collect()
}

/// Breadth-first downstream from the seeds: every entity once, with its shortest path; its
/// `why` names every impacted entity it is downstream of.
fn walk(map: &DependencyMap, graph: &DownstreamGraph, seeds: Vec<Seed>) -> Vec<ImpactedEntity> {
    let mut found: BTreeMap<EntityRef, (ImpactPath, usize, Vec<String>)> = BTreeMap::new();
    let mut queue = VecDeque::new();
    for seed in seeds {
        match found.get_mut(&seed.entity) {
            Some((_, _, why)) => why.extend(seed.why),
            None => {
                queue.push_back(seed.entity.clone());
                found.insert(seed.entity, (seed.path, 0, seed.why));
            }
        }
    }
    while let Some(current) = queue.pop_front() {
        let Some((path, distance, _)) = found.get(&current).cloned() else { continue };
        for edge in graph.downstream_of(&current) {
            if found.contains_key(&edge.to) {
                continue;
            }
            let mut path = path.clone();
            path.steps.push(PathStep { relation: edge.relation, to: edge.to.clone() });
            found.insert(edge.to.clone(), (path, distance + 1, Vec::new()));
            queue.push_back(edge.to.clone());
        }
    }
    let impacted_refs: Vec<EntityRef> = found.keys().cloned().collect();
    for entity in &impacted_refs {
        let reasons: Vec<String> = graph
            .upstream_of(entity)
            .iter()
            .filter(|edge| found.contains_key(&edge.from))
            .map(|edge| edge.relation.explain(&edge.from.to_string()))
            .collect();
        if let Some((_, _, why)) = found.get_mut(entity) {
            why.extend(reasons);
        }
    }
    let mut impacted: Vec<ImpactedEntity> = found
        .into_iter()
        .filter_map(|(entity_ref, (path, distance, why))| {
            let entity = map.entity(&entity_ref)?;
            Some(describe(map, entity, path, distance, why))
        })
        .collect();
    impacted.sort_by(|a, b| (a.distance, &a.entity).cmp(&(b.distance, &b.entity)));
    impacted
}

fn describe(
    map: &DependencyMap,
    entity: &Entity,
    path: ImpactPath,
    distance: usize,
    why: Vec<String>,
) -> ImpactedEntity {
    let owner = map.owner_of(entity).map(|group| Owner {
        group: group.entity_ref.clone(),
        name: group.display_name().to_owned(),
        contacts: group.contacts.clone(),
    });
    ImpactedEntity {
        entity: entity.entity_ref.clone(),
        kind: entity.kind(),
        name: entity.display_name().to_owned(),
        spec_type: entity.spec_type.clone(),
        direct: distance == 0,
        distance,
        system: entity.system.as_ref().map(|system| system.target.clone()),
        owner,
        consumes: entity.delivery.as_ref().map(|d| d.consumes.clone()).unwrap_or_default(),
        personal_data: entity.personal_data.clone(),
        path,
        why,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contract_changes_parse_with_or_without_v() {
        let (event_type, from, to) = parse_contract_change("enrollment.created@v1..2").unwrap();
        assert_eq!((event_type.as_str(), from.number(), to.number()), ("enrollment.created", 1, 2));
        for bad in ["enrollment.created@v1", "enrollment.created", "enrollment.created@v1..v1", "x@v1..v2"] {
            assert!(parse_contract_change(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn paths_print_as_arrows_and_give_entity_hops() {
        let a = EntityRef::default_namespace(Kind::Component, "a");
        let b = EntityRef::default_namespace(Kind::Component, "b");
        let path = ImpactPath {
            start: PathStart::Event(EventRef::parse("x.y@v1").unwrap()),
            steps: vec![
                PathStep { relation: Relation::Consumes, to: a.clone() },
                PathStep { relation: Relation::DependsOn, to: b.clone() },
            ],
        };
        assert_eq!(path.arrows(), "x.y@v1 -> component:a -> component:b");
        assert_eq!(path.entity_hops(), [(a.clone(), b.clone(), Relation::DependsOn)]);
        let from_entity = ImpactPath {
            start: PathStart::Entity(a.clone()),
            steps: vec![PathStep { relation: Relation::DependsOn, to: b.clone() }],
        };
        assert_eq!(from_entity.entity_hops(), [(a, b, Relation::DependsOn)]);
    }
}
