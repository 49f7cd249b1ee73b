//! Structural rules: every reference lands on an entity of an allowed kind, every node has an
//! owner, and every owning Group can be reached.

use std::collections::BTreeMap;

use switchyard_contracts::Finding;

use crate::entity::{Entity, EntityRef, Kind};
use crate::map::DependencyMap;
use crate::rules;

/// The kinds a reference field may point at.
fn allowed_kinds(field: &str) -> &'static [Kind] {
    let field = field.split('[').next().unwrap_or(field);
    match field {
        "spec.owner" => &[Kind::Group],
        "spec.system" => &[Kind::System],
        "spec.providesApis" | "spec.consumesApis" => &[Kind::Api],
        _ => &[Kind::Component, Kind::Resource, Kind::Api, Kind::System],
    }
}

pub(super) fn check_references(map: &DependencyMap, findings: &mut Vec<Finding>) {
    for entity in map.entities() {
        for reference in entity.references() {
            let target = &reference.target;
            let allowed = allowed_kinds(&reference.field);
            let place = entity.place(&reference.field);
            if !allowed.contains(&target.kind()) {
                let names: Vec<&str> = allowed.iter().map(|kind| kind.as_str()).collect();
                let why = if reference.field == "spec.owner" {
                    " (Switchyard asks owning teams to sign off, so owners are Groups with contacts)"
                } else {
                    ""
                };
                let message = format!(
                    "`{target}` is a {}, but this field takes {}{why}",
                    target.kind(),
                    names.join(" or ")
                );
                findings.push(Finding::error(&entity.file, place, rules::WRONG_REFERENCE_KIND, message));
            } else if map.entity(target).is_none() {
                let message = format!("`{target}` is not on the map{}", near_miss(map, target));
                findings.push(Finding::error(&entity.file, place, rules::UNKNOWN_REFERENCE, message));
            }
        }
    }
}

/// `; did you mean component:x?` when an entity of another kind or namespace has that name.
fn near_miss(map: &DependencyMap, target: &EntityRef) -> String {
    let near: Vec<String> = map
        .entities()
        .filter(|entity| entity.entity_ref.name() == target.name())
        .map(|entity| entity.entity_ref.to_string())
        .collect();
    if near.is_empty() { String::new() } else { format!("; did you mean {}?", near.join(" or ")) }
}

pub(super) fn check_owners(map: &DependencyMap, findings: &mut Vec<Finding>) {
    for entity in map.nodes().filter(|entity| entity.owner.is_none()) {
        let message = format!(
            "a {} needs `spec.owner`: the Group to tell (and ask for sign-off) when a change reaches it",
            entity.kind()
        );
        findings.push(Finding::error(
            &entity.file,
            entity.place("spec.owner"),
            rules::MISSING_OWNER,
            message,
        ));
    }
}

pub(super) fn check_contacts(map: &DependencyMap, findings: &mut Vec<Finding>) {
    let mut owned: BTreeMap<&EntityRef, Vec<&Entity>> = BTreeMap::new();
    for entity in map.nodes() {
        if let Some(owner) = &entity.owner {
            owned.entry(&owner.target).or_default().push(entity);
        }
    }
    for group in map.groups().filter(|group| group.contacts.is_empty()) {
        let Some(entities) = owned.get(&group.entity_ref) else { continue };
        let names: Vec<String> = entities.iter().map(|e| e.entity_ref.to_string()).collect();
        let message = format!(
            "owns {} but has no way to reach it: add `switchyard.io/contact-email` (or \
             `spec.profile.email`), `switchyard.io/chat` or `switchyard.io/oncall`",
            names.join(", ")
        );
        findings.push(Finding::error(
            &group.file,
            group.place("metadata.annotations"),
            rules::UNREACHABLE_OWNER,
            message,
        ));
    }
}
