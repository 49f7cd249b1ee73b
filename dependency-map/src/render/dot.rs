//! The map as Graphviz DOT: Systems as clusters, arrows pointing downstream, impacted entities
//! and paths highlighted. `dot -Tsvg` draws it.

use std::fmt::Write;

use super::scene::{Scene, cluster_title, label_lines};
use super::{EVENT_FILL, IMPACT_FILL, IMPACT_STROKE};
use crate::entity::{Entity, Kind};
use crate::graph::Relation;
use crate::impact::ImpactReport;
use crate::map::DependencyMap;

/// Renders the map; with `impact`, its entities and paths are highlighted and each changed
/// event is drawn feeding the entities that consume it.
pub fn render_dot(map: &DependencyMap, impact: Option<&ImpactReport>) -> String {
    let scene = Scene::new(map, impact);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "// Switchyard dependency map. Arrows point downstream, from what an entity depends on"
    );
    let _ = writeln!(out, "// to the entity that depends on it; dashed arrows are API relations.");
    let _ = writeln!(out, "digraph dependency_map {{");
    let _ = writeln!(out, "  graph [rankdir=LR, fontname=\"Helvetica\", fontsize=11];");
    let _ = writeln!(out, "  node [shape=box, style=\"rounded\", fontname=\"Helvetica\", fontsize=10];");
    let _ = writeln!(out, "  edge [fontname=\"Helvetica\", fontsize=9];");
    for cluster in &scene.clusters {
        let system = &cluster.system.entity_ref;
        let _ = writeln!(out, "  subgraph {} {{", quote(&format!("cluster_{system}")));
        let _ = writeln!(out, "    label={};", quote(&cluster_title(map, cluster.system)));
        if scene.highlight.entities.contains(system) {
            let _ = writeln!(out, "    color=\"{IMPACT_STROKE}\"; penwidth=2;");
        }
        if cluster.anchored {
            node(&mut out, map, &scene, cluster.system, "    ");
        }
        for part in &cluster.parts {
            node(&mut out, map, &scene, part, "    ");
        }
        let _ = writeln!(out, "  }}");
    }
    for entity in &scene.loose {
        node(&mut out, map, &scene, entity, "  ");
    }
    for edge in &scene.edges {
        let mut attributes = Vec::new();
        if matches!(edge.relation, Relation::ProvidesApi | Relation::ConsumesApi) {
            attributes.push("style=dashed".to_owned());
        }
        if scene.highlight.edge(edge) {
            attributes.push(format!("color=\"{IMPACT_STROKE}\", penwidth=2.5"));
        }
        let attributes =
            if attributes.is_empty() { String::new() } else { format!(" [{}]", attributes.join(", ")) };
        let _ = writeln!(
            out,
            "  {} -> {}{attributes};",
            quote(&edge.from.to_string()),
            quote(&edge.to.to_string())
        );
    }
    for (event, consumers) in &scene.highlight.events {
        let id = quote(&format!("event:{event}"));
        let label = quote(&format!("changed: {event}"));
        let _ = writeln!(
            out,
            "  {id} [shape=hexagon, style=filled, fillcolor=\"{EVENT_FILL}\", color=\"{IMPACT_STROKE}\", label={label}];"
        );
        for consumer in consumers {
            let _ = writeln!(
                out,
                "  {id} -> {} [color=\"{IMPACT_STROKE}\", penwidth=2.5];",
                quote(&consumer.to_string())
            );
        }
    }
    let _ = writeln!(out, "}}");
    out
}

fn node(out: &mut String, map: &DependencyMap, scene: &Scene<'_>, entity: &Entity, indent: &str) {
    let label = label_lines(map, entity).join("\n");
    let (shape, rounded) = match entity.kind() {
        Kind::Api => ("ellipse", false),
        Kind::Resource => ("cylinder", false),
        Kind::System => ("folder", false),
        _ => ("box", true),
    };
    let mut attributes = vec![format!("label={}", quote(&label))];
    if shape != "box" {
        attributes.push(format!("shape={shape}"));
    }
    if scene.highlight.entities.contains(&entity.entity_ref) {
        let style = if rounded { "rounded,filled" } else { "filled" };
        attributes.push(format!(
            "style=\"{style}\", fillcolor=\"{IMPACT_FILL}\", color=\"{IMPACT_STROKE}\", penwidth=2"
        ));
    } else if !rounded {
        attributes.push("style=\"\"".to_owned());
    }
    let _ = writeln!(out, "{indent}{} [{}];", quote(&entity.entity_ref.to_string()), attributes.join(", "));
}

/// A DOT double-quoted string: backslashes and quotes escaped, newlines as `\n` (centred lines).
fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            other => out.push(other),
        }
    }
    out.push('"');
    out
}
