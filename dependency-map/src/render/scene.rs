//! What a drawing shows, independent of the drawing language: Systems as clusters holding their
//! parts, the edges between nodes, the lines of each node's label, and what to highlight.

use std::collections::{BTreeMap, BTreeSet};

use switchyard_contracts::EventRef;

use crate::entity::{Entity, EntityRef, Kind};
use crate::graph::{DownstreamGraph, Edge, Relation};
use crate::impact::{ImpactReport, PathStart};
use crate::map::DependencyMap;

/// A System drawn as a box around its parts.
pub(super) struct Cluster<'a> {
    pub system: &'a Entity,
    pub parts: Vec<&'a Entity>,
    /// The System also needs a node of its own: edges start or end at it.
    pub anchored: bool,
}

pub(super) struct Scene<'a> {
    pub clusters: Vec<Cluster<'a>>,
    /// Nodes outside any cluster.
    pub loose: Vec<&'a Entity>,
    /// Drawn edges (`partOf` is drawn as clusters instead).
    pub edges: Vec<Edge>,
    pub highlight: Highlight,
}

/// What an impact report marks.
#[derive(Default)]
pub(super) struct Highlight {
    pub entities: BTreeSet<EntityRef>,
    pub edges: BTreeSet<(EntityRef, EntityRef)>,
    /// Each changed event and the entities consuming it directly.
    pub events: BTreeMap<EventRef, BTreeSet<EntityRef>>,
}

impl<'a> Scene<'a> {
    pub fn new(map: &'a DependencyMap, impact: Option<&ImpactReport>) -> Self {
        let graph = DownstreamGraph::build(map);
        let edges: Vec<Edge> =
            graph.edges().filter(|edge| edge.relation != Relation::PartOf).cloned().collect();
        let mut parts: BTreeMap<&EntityRef, Vec<&Entity>> = BTreeMap::new();
        for edge in graph.edges().filter(|edge| edge.relation == Relation::PartOf) {
            if let Some(part) = map.entity(&edge.from) {
                parts.entry(&edge.to).or_default().push(part);
            }
        }
        let in_cluster: BTreeSet<&EntityRef> =
            parts.values().flatten().map(|part| &part.entity_ref).collect();
        let has_edges =
            |entity: &EntityRef| edges.iter().any(|edge| &edge.from == entity || &edge.to == entity);
        let mut clusters = Vec::new();
        let mut loose = Vec::new();
        for entity in map.nodes() {
            if let Some(members) = parts.get(&entity.entity_ref) {
                let anchored = has_edges(&entity.entity_ref);
                clusters.push(Cluster { system: entity, parts: members.clone(), anchored });
            } else if !in_cluster.contains(&entity.entity_ref) {
                loose.push(entity);
            }
        }
        let mut highlight = impact.map(Highlight::from_report).unwrap_or_default();
        // Every edge between two impacted entities carried the change, not only the shortest.
        for edge in &edges {
            if highlight.entities.contains(&edge.from) && highlight.entities.contains(&edge.to) {
                highlight.edges.insert((edge.from.clone(), edge.to.clone()));
            }
        }
        Self { clusters, loose, edges, highlight }
    }
}

impl Highlight {
    fn from_report(report: &ImpactReport) -> Self {
        let mut highlight = Highlight::default();
        for impacted in &report.impacted {
            highlight.entities.insert(impacted.entity.clone());
            if let (PathStart::Event(event), Some(first)) =
                (&impacted.path.start, impacted.path.steps.first())
            {
                highlight.events.entry(event.clone()).or_default().insert(first.to.clone());
            }
        }
        highlight
    }

    pub fn edge(&self, edge: &Edge) -> bool {
        self.edges.contains(&(edge.from.clone(), edge.to.clone()))
    }
}

/// The lines of a node's label: name, kind and type, owner, consumed contracts.
pub(super) fn label_lines(map: &DependencyMap, entity: &Entity) -> Vec<String> {
    let mut lines = vec![entity.display_name().to_owned()];
    lines.push(match &entity.spec_type {
        Some(spec_type) => format!("{} · {spec_type}", entity.kind()),
        None => entity.kind().to_string(),
    });
    lines.push(format!("owner: {}", owner_name(map, entity)));
    if let Some(delivery) = &entity.delivery {
        lines.push(format!("consumes via {}:", delivery.adapter));
        lines.extend(delivery.consumes.iter().map(ToString::to_string));
    }
    lines
}

/// The owning Group's name, or the reference as written when it is not a Group on the map.
pub(super) fn owner_name(map: &DependencyMap, entity: &Entity) -> String {
    match (&entity.owner, map.owner_of(entity)) {
        (_, Some(group)) => group.name.clone(),
        (Some(owner), None) => format!("{} (not on the map)", owner.target),
        (None, None) => "none".to_owned(),
    }
}

/// The one-line label of a System cluster.
pub(super) fn cluster_title(map: &DependencyMap, system: &Entity) -> String {
    format!("{} · System · owner: {}", system.display_name(), owner_name(map, system))
}

/// Stable, unique, language-safe identifiers (`component_salesforce`) for every entity.
pub(super) struct Ids {
    ids: BTreeMap<EntityRef, String>,
}

impl Ids {
    pub fn new(map: &DependencyMap) -> Self {
        let mut ids = BTreeMap::new();
        let mut taken = BTreeSet::new();
        for entity in map.nodes() {
            let entity_ref = &entity.entity_ref;
            let base = sanitise(&format!("{}_{}", kind_word(entity_ref.kind()), qualified(entity_ref)));
            let mut id = base.clone();
            let mut n = 2;
            while !taken.insert(id.clone()) {
                id = format!("{base}_{n}");
                n += 1;
            }
            ids.insert(entity_ref.clone(), id);
        }
        Self { ids }
    }

    pub fn get(&self, entity: &EntityRef) -> String {
        self.ids.get(entity).cloned().unwrap_or_else(|| sanitise(&entity.to_string()))
    }
}

fn kind_word(kind: Kind) -> String {
    kind.as_str().to_ascii_lowercase()
}

fn qualified(entity: &EntityRef) -> String {
    if entity.namespace() == crate::entity::DEFAULT_NAMESPACE {
        entity.name().to_owned()
    } else {
        format!("{}_{}", entity.namespace(), entity.name())
    }
}

pub(super) fn sanitise(text: &str) -> String {
    text.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect()
}
