//! `spec.dependsOn` must not loop: a loop means the map cannot say which side of it a change
//! flows to first, and which owners must sign off before the others. API relations
//! (`providesApis` / `consumesApis`) may loop: services calling each other is normal.

use std::collections::{BTreeMap, BTreeSet};

use switchyard_contracts::Finding;

use crate::entity::EntityRef;
use crate::map::DependencyMap;
use crate::rules;

/// Each loop of `spec.dependsOn` once, as the entities in order starting with the smallest,
/// the first repeated at the end (`a -> b -> a` is `[a, b, a]`).
pub fn dependency_cycles(map: &DependencyMap) -> Vec<Vec<EntityRef>> {
    let mut edges: BTreeMap<&EntityRef, Vec<&EntityRef>> = BTreeMap::new();
    for entity in map.nodes() {
        let targets = entity.depends_on.iter().map(|r| &r.target).filter(|t| map.entity(t).is_some());
        edges.entry(&entity.entity_ref).or_default().extend(targets);
    }
    let mut search =
        CycleSearch { edges: &edges, done: BTreeSet::new(), stack: Vec::new(), cycles: BTreeSet::new() };
    for start in edges.keys() {
        search.visit(start);
    }
    search.cycles.into_iter().collect()
}

struct CycleSearch<'a> {
    edges: &'a BTreeMap<&'a EntityRef, Vec<&'a EntityRef>>,
    done: BTreeSet<&'a EntityRef>,
    stack: Vec<&'a EntityRef>,
    cycles: BTreeSet<Vec<EntityRef>>,
}

impl<'a> CycleSearch<'a> {
    /// Depth-first; a reference back into the stack closes a loop. Maps are small (dozens of
    /// entities), so recursion depth is no concern.
    fn visit(&mut self, node: &'a EntityRef) {
        if self.done.contains(node) {
            return;
        }
        if let Some(position) = self.stack.iter().position(|on_stack| *on_stack == node) {
            self.cycles.insert(normalise(&self.stack[position..]));
            return;
        }
        self.stack.push(node);
        for next in self.edges.get(node).into_iter().flatten() {
            self.visit(next);
        }
        self.stack.pop();
        self.done.insert(node);
    }
}

/// Rotates a loop to start at its smallest entity and closes it.
fn normalise(cycle: &[&EntityRef]) -> Vec<EntityRef> {
    let start = cycle.iter().enumerate().min_by_key(|(_, node)| **node).map_or(0, |(index, _)| index);
    let mut ordered: Vec<EntityRef> =
        cycle[start..].iter().chain(&cycle[..start]).map(|n| (*n).clone()).collect();
    if let Some(first) = ordered.first().cloned() {
        ordered.push(first);
    }
    ordered
}

pub(super) fn check_cycles(map: &DependencyMap, findings: &mut Vec<Finding>) {
    for cycle in dependency_cycles(map) {
        let Some(first) = cycle.first().and_then(|first| map.entity(first)) else { continue };
        let next = cycle.get(1).unwrap_or(&first.entity_ref);
        let field = first
            .depends_on
            .iter()
            .find(|reference| &reference.target == next)
            .map_or("spec.dependsOn", |reference| reference.field.as_str());
        let path: Vec<String> = cycle.iter().map(ToString::to_string).collect();
        let message = format!("`spec.dependsOn` loops: {}", path.join(" -> "));
        findings.push(Finding::error(&first.file, first.place(field), rules::DEPENDENCY_CYCLE, message));
    }
}
