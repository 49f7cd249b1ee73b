//! The map as a directed graph pointing downstream: an edge runs from an entity to one that is
//! hurt when it changes or breaks. Built once from the entities; dangling references are left
//! out here (validation reports them).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::entity::{Entity, EntityRef};
use crate::map::DependencyMap;

/// Why a change travels along an edge, named from the downstream end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Relation {
    /// The downstream entity consumes an event contract version (`switchyard.io/consumes`).
    Consumes,
    /// The downstream entity's `spec.dependsOn` names the upstream one.
    DependsOn,
    /// The downstream API is provided by the upstream entity (`spec.providesApis`).
    ProvidesApi,
    /// The downstream entity consumes the upstream API (`spec.consumesApis`).
    ConsumesApi,
    /// The downstream System has the upstream entity as a part (`spec.system`).
    PartOf,
}

impl Relation {
    /// How the downstream entity relates to `upstream`, e.g. `depends on component:salesforce`.
    pub fn explain(self, upstream: &str) -> String {
        match self {
            Relation::Consumes => format!("consumes {upstream}"),
            Relation::DependsOn => format!("depends on {upstream}"),
            Relation::ProvidesApi => format!("is provided by {upstream}"),
            Relation::ConsumesApi => format!("consumes {upstream}"),
            Relation::PartOf => format!("has {upstream} as a part"),
        }
    }
}

/// One downstream edge.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Edge {
    pub from: EntityRef,
    pub to: EntityRef,
    pub relation: Relation,
}

/// Downstream and upstream adjacency over the map's nodes, in a stable order.
#[derive(Debug, Clone, Default)]
pub struct DownstreamGraph {
    downstream: BTreeMap<EntityRef, Vec<Edge>>,
    upstream: BTreeMap<EntityRef, Vec<Edge>>,
}

impl DownstreamGraph {
    pub fn build(map: &DependencyMap) -> Self {
        let mut edges = Vec::new();
        let on_map = |target: &EntityRef| map.entity(target).is_some_and(|entity| entity.kind().is_node());
        for entity in map.nodes() {
            let here = &entity.entity_ref;
            let link = |from: &EntityRef, to: &EntityRef, relation| Edge {
                from: from.clone(),
                to: to.clone(),
                relation,
            };
            for target in targets(entity, |e| &e.depends_on).filter(|t| on_map(t)) {
                edges.push(link(target, here, Relation::DependsOn));
            }
            for api in targets(entity, |e| &e.provides_apis).filter(|t| on_map(t)) {
                edges.push(link(here, api, Relation::ProvidesApi));
            }
            for api in targets(entity, |e| &e.consumes_apis).filter(|t| on_map(t)) {
                edges.push(link(api, here, Relation::ConsumesApi));
            }
            if let Some(system) = entity.system.as_ref().map(|r| &r.target).filter(|t| on_map(t)) {
                edges.push(link(here, system, Relation::PartOf));
            }
        }
        edges.sort();
        edges.dedup();
        let mut graph = Self::default();
        for edge in edges {
            graph.upstream.entry(edge.to.clone()).or_default().push(edge.clone());
            graph.downstream.entry(edge.from.clone()).or_default().push(edge);
        }
        graph
    }

    /// Edges leaving `from`: the entities hurt when it changes.
    pub fn downstream_of(&self, from: &EntityRef) -> &[Edge] {
        self.downstream.get(from).map_or(&[], Vec::as_slice)
    }

    /// Edges arriving at `to`: what it depends on.
    pub fn upstream_of(&self, to: &EntityRef) -> &[Edge] {
        self.upstream.get(to).map_or(&[], Vec::as_slice)
    }

    /// Every edge, ordered by upstream end.
    pub fn edges(&self) -> impl Iterator<Item = &Edge> {
        self.downstream.values().flatten()
    }
}

fn targets<'a>(
    entity: &'a Entity,
    field: impl Fn(&'a Entity) -> &'a Vec<crate::entity::Reference>,
) -> impl Iterator<Item = &'a EntityRef> {
    field(entity).iter().map(|reference| &reference.target)
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::entity::Kind;

    #[test]
    fn edges_point_downstream_and_skip_dangling_references() {
        let yaml = "\
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: org}
spec: {owner: g, system: crm, providesApis: [org-api]}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: flows}
spec: {owner: g, dependsOn: [component:org, component:missing], consumesApis: [org-api]}
---
apiVersion: backstage.io/v1alpha1
kind: API
metadata: {name: org-api}
spec: {owner: g}
---
apiVersion: backstage.io/v1alpha1
kind: System
metadata: {name: crm}
spec: {owner: g}
";
        let map = DependencyMap::from_sources("m", [(PathBuf::from("a.yaml"), yaml.to_owned())]).unwrap();
        let graph = DownstreamGraph::build(&map);
        let org = EntityRef::default_namespace(Kind::Component, "org");
        let out: Vec<(String, Relation)> =
            graph.downstream_of(&org).iter().map(|e| (e.to.to_string(), e.relation)).collect();
        assert_eq!(
            out,
            [
                ("system:crm".to_owned(), Relation::PartOf),
                ("component:flows".to_owned(), Relation::DependsOn),
                ("api:org-api".to_owned(), Relation::ProvidesApi),
            ]
        );
        let flows = EntityRef::default_namespace(Kind::Component, "flows");
        assert_eq!(graph.upstream_of(&flows).len(), 2, "org (dependsOn) and org-api (consumesApis)");
    }
}
