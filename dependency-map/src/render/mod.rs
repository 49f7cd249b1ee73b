//! Drawing the map: Mermaid and Graphviz DOT, with owners and consumed contracts on the nodes
//! and, given an impact report, the impacted entities and paths highlighted. Pure functions.

mod dot;
mod mermaid;
mod scene;

pub use dot::render_dot;
pub use mermaid::render_mermaid;

/// The highlight colours both renderers use.
const IMPACT_STROKE: &str = "#c62828";
const IMPACT_FILL: &str = "#fde0dc";
const EVENT_FILL: &str = "#fff3cd";

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};
    use std::path::PathBuf;

    use switchyard_contracts::Catalog;

    use super::*;
    use crate::entity::{EntityRef, Kind};
    use crate::impact::{ImpactQuery, impact};
    use crate::map::DependencyMap;

    /// A map with awkward titles, a System with edges of its own (so it needs a node inside its
    /// cluster), an API and a Resource.
    const MAP: &str = r##"
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {name: team, title: 'Team "A" #1', annotations: {switchyard.io/chat: "#a"}}
spec: {type: team}
---
apiVersion: backstage.io/v1alpha1
kind: System
metadata: {name: sys, title: 'System <x> & "y"'}
spec: {owner: team, dependsOn: [component:upstream]}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: upstream, title: 'Back\slash'}
spec: {owner: team, providesApis: [api]}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: part}
spec: {owner: team, system: sys, consumesApis: [api]}
---
apiVersion: backstage.io/v1alpha1
kind: API
metadata: {name: api}
spec: {owner: team}
---
apiVersion: backstage.io/v1alpha1
kind: Resource
metadata: {name: store}
spec: {owner: team, system: sys, dependsOn: [system:sys]}
"##;

    fn fixture() -> (DependencyMap, Catalog) {
        let map = DependencyMap::from_sources("m", [(PathBuf::from("m.yaml"), MAP.to_owned())]).unwrap();
        let catalog = Catalog { root: PathBuf::from("c"), events: BTreeMap::new(), systems: BTreeMap::new() };
        (map, catalog)
    }

    fn upstream_impact(map: &DependencyMap, catalog: &Catalog) -> crate::impact::ImpactReport {
        let upstream = EntityRef::default_namespace(Kind::Component, "upstream");
        impact(map, catalog, &ImpactQuery::Systems { systems: vec![upstream] })
    }

    #[test]
    fn mermaid_escapes_labels_and_only_styles_what_it_drew() {
        let (map, catalog) = fixture();
        let report = upstream_impact(&map, &catalog);
        let text = render_mermaid(&map, Some(&report));
        assert!(text.contains("System #lt;x#gt; & #quot;y#quot;"), "{text}");
        assert!(text.contains("owner: team"), "{text}");
        assert!(!text.contains("\"y\""), "raw quotes would end the label: {text}");
        let defined: BTreeSet<&str> = text
            .lines()
            .filter_map(|line| line.trim().split(['[', '(', '{']).next())
            .filter(|id| !id.contains(' ') && !id.is_empty())
            .collect();
        let classed: Vec<&str> = text
            .lines()
            .filter_map(|line| line.trim().strip_prefix("class "))
            .flat_map(|rest| rest.trim_end_matches(" impacted").split(','))
            .collect();
        assert!(!classed.is_empty());
        for id in &classed {
            assert!(defined.contains(id), "class names undefined node {id}: {text}");
        }
        assert!(classed.contains(&"system_sys"), "the anchored System node is highlighted: {text}");
        let links = text
            .lines()
            .filter(|line| line.contains("-->") || line.contains("-.->") || line.contains("==>"))
            .count();
        let styled: Vec<usize> = text
            .lines()
            .filter_map(|line| line.trim().strip_prefix("linkStyle "))
            .flat_map(|rest| rest.split(' ').next().unwrap_or_default().split(','))
            .map(|index| index.parse().expect("a link index"))
            .collect();
        assert!(
            !styled.is_empty() && styled.iter().all(|index| *index < links),
            "{styled:?} of {links}: {text}"
        );
    }

    #[test]
    fn dot_escapes_labels_and_highlights_clusters_and_edges() {
        let (map, catalog) = fixture();
        let plain = render_dot(&map, None);
        assert!(plain.contains(r#"label="System <x> & \"y\" · System · owner: team""#), "{plain}");
        assert!(plain.contains(r#"Back\\slash"#), "{plain}");
        assert!(plain.contains("\"component:upstream\" -> \"api:api\" [style=dashed]"), "{plain}");
        assert!(plain.contains("\"system:sys\" [label="), "the System has edges, so it has a node: {plain}");
        assert!(!plain.contains(IMPACT_STROKE));
        let report = upstream_impact(&map, &catalog);
        let highlighted = render_dot(&map, Some(&report));
        assert!(highlighted.contains("\"component:upstream\" -> \"system:sys\" [color="), "{highlighted}");
        assert!(highlighted.contains(&format!("color=\"{IMPACT_STROKE}\"; penwidth=2;")), "{highlighted}");
    }
}
