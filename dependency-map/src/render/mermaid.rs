//! The map as a Mermaid flowchart: Systems as subgraphs, arrows pointing downstream, impacted
//! entities and paths highlighted.

use std::fmt::Write;

use super::scene::{Ids, Scene, cluster_title, label_lines, sanitise};
use super::{EVENT_FILL, IMPACT_FILL, IMPACT_STROKE};
use crate::entity::{Entity, Kind};
use crate::graph::Relation;
use crate::impact::ImpactReport;
use crate::map::DependencyMap;

/// Renders the map; with `impact`, its entities and paths are highlighted and each changed
/// event is drawn feeding the entities that consume it.
pub fn render_mermaid(map: &DependencyMap, impact: Option<&ImpactReport>) -> String {
    let scene = Scene::new(map, impact);
    let ids = Ids::new(map);
    let mut out = String::new();
    let _ = writeln!(out, "flowchart LR");
    let _ = writeln!(
        out,
        "  %% Switchyard dependency map. Arrows point downstream, from what an entity depends on"
    );
    let _ = writeln!(out, "  %% to the entity that depends on it; dotted arrows are API relations.");
    for cluster in &scene.clusters {
        let id = format!("cluster_{}", ids.get(&cluster.system.entity_ref));
        let _ = writeln!(out, "  subgraph {id}[\"{}\"]", text(&cluster_title(map, cluster.system)));
        if cluster.anchored {
            node(&mut out, map, &ids, cluster.system, "    ");
        }
        for part in &cluster.parts {
            node(&mut out, map, &ids, part, "    ");
        }
        let _ = writeln!(out, "  end");
    }
    for entity in &scene.loose {
        node(&mut out, map, &ids, entity, "  ");
    }
    let mut link = 0usize;
    let mut highlighted_links = Vec::new();
    for edge in &scene.edges {
        let arrow = match edge.relation {
            Relation::ProvidesApi | Relation::ConsumesApi => "-.->",
            _ => "-->",
        };
        let _ = writeln!(out, "  {} {arrow} {}", ids.get(&edge.from), ids.get(&edge.to));
        if scene.highlight.edge(edge) {
            highlighted_links.push(link);
        }
        link += 1;
    }
    for (event, consumers) in &scene.highlight.events {
        let id = format!("event_{}", sanitise(&event.to_string()));
        let _ = writeln!(out, "  {id}{{{{\"{}\"}}}}", text(&format!("changed: {event}")));
        let _ = writeln!(out, "  style {id} fill:{EVENT_FILL},stroke:{IMPACT_STROKE},color:#000");
        for consumer in consumers {
            let _ = writeln!(out, "  {id} ==> {}", ids.get(consumer));
            highlighted_links.push(link);
            link += 1;
        }
    }
    highlight(&mut out, &scene, &ids, &highlighted_links);
    out
}

fn highlight(out: &mut String, scene: &Scene<'_>, ids: &Ids, links: &[usize]) {
    if scene.highlight.entities.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "  classDef impacted fill:{IMPACT_FILL},stroke:{IMPACT_STROKE},stroke-width:2px,color:#000"
    );
    let anchored: Vec<_> =
        scene.clusters.iter().filter(|c| c.anchored).map(|c| &c.system.entity_ref).collect();
    let nodes: Vec<String> = scene
        .highlight
        .entities
        .iter()
        .filter(|entity| {
            let is_cluster = scene.clusters.iter().any(|c| &c.system.entity_ref == *entity);
            !is_cluster || anchored.contains(entity)
        })
        .map(|entity| ids.get(entity))
        .collect();
    if !nodes.is_empty() {
        let _ = writeln!(out, "  class {} impacted", nodes.join(","));
    }
    for cluster in scene.clusters.iter().filter(|c| scene.highlight.entities.contains(&c.system.entity_ref)) {
        let id = format!("cluster_{}", ids.get(&cluster.system.entity_ref));
        let _ = writeln!(out, "  style {id} stroke:{IMPACT_STROKE},stroke-width:3px");
    }
    if !links.is_empty() {
        let list: Vec<String> = links.iter().map(ToString::to_string).collect();
        let _ = writeln!(out, "  linkStyle {} stroke:{IMPACT_STROKE},stroke-width:3px", list.join(","));
    }
}

fn node(out: &mut String, map: &DependencyMap, ids: &Ids, entity: &Entity, indent: &str) {
    let label = label_lines(map, entity).iter().map(|line| text(line)).collect::<Vec<_>>().join("<br/>");
    let (open, close) = match entity.kind() {
        Kind::Api => ("([", "])"),
        Kind::Resource => ("[(", ")]"),
        Kind::System => ("[[", "]]"),
        _ => ("[", "]"),
    };
    let _ = writeln!(out, "{indent}{}{open}\"{label}\"{close}", ids.get(&entity.entity_ref));
}

/// Text inside a quoted Mermaid label: entity codes for the characters Mermaid would read.
fn text(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    for c in input.chars() {
        match c {
            '"' => out.push_str("#quot;"),
            '#' => out.push_str("#35;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '\n' | '\r' => out.push(' '),
            other => out.push(other),
        }
    }
    out
}
