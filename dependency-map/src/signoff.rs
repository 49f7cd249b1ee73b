//! The sign-off model: before a wave starts, every owner of every impacted entity must
//! acknowledge it. The wave gates ask this plan what is still missing.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::entity::{Contacts, EntityRef};
use crate::impact::ImpactedEntity;

/// One Group that must acknowledge, and which of its entities the change reaches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RequiredSignOff {
    pub group: EntityRef,
    pub name: String,
    pub contacts: Contacts,
    pub systems: Vec<EntityRef>,
}

/// Who must sign off: every owner of an impacted entity, once; and the impacted entities with
/// no owner on the map (nobody can sign off for them, so the plan can never be complete).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SignOffPlan {
    pub owners: Vec<RequiredSignOff>,
    pub unowned: Vec<EntityRef>,
}

impl SignOffPlan {
    pub fn from_impacted(impacted: &[ImpactedEntity]) -> Self {
        let mut owners: BTreeMap<EntityRef, RequiredSignOff> = BTreeMap::new();
        let mut unowned = Vec::new();
        for entity in impacted {
            let Some(owner) = &entity.owner else {
                unowned.push(entity.entity.clone());
                continue;
            };
            owners
                .entry(owner.group.clone())
                .or_insert_with(|| RequiredSignOff {
                    group: owner.group.clone(),
                    name: owner.name.clone(),
                    contacts: owner.contacts.clone(),
                    systems: Vec::new(),
                })
                .systems
                .push(entity.entity.clone());
        }
        unowned.sort();
        Self { owners: owners.into_values().collect(), unowned }
    }

    /// The Groups that have not acknowledged yet.
    pub fn missing(&self, acknowledged: &BTreeSet<EntityRef>) -> Vec<&RequiredSignOff> {
        self.owners.iter().filter(|owner| !acknowledged.contains(&owner.group)).collect()
    }

    /// Complete when every owner acknowledged and no impacted entity is unowned.
    pub fn is_complete(&self, acknowledged: &BTreeSet<EntityRef>) -> bool {
        self.unowned.is_empty() && self.missing(acknowledged).is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entity::Kind;
    use crate::graph::Relation;
    use crate::impact::{ImpactPath, Owner, PathStart, PathStep};

    fn impacted(name: &str, owner: Option<&str>) -> ImpactedEntity {
        let entity = EntityRef::default_namespace(Kind::Component, name);
        ImpactedEntity {
            entity: entity.clone(),
            kind: Kind::Component,
            name: name.to_owned(),
            spec_type: None,
            direct: false,
            distance: 1,
            system: None,
            owner: owner.map(|group| Owner {
                group: EntityRef::default_namespace(Kind::Group, group),
                name: group.to_owned(),
                contacts: Contacts::default(),
            }),
            consumes: Vec::new(),
            personal_data: Vec::new(),
            path: ImpactPath {
                start: PathStart::Entity(entity.clone()),
                steps: vec![PathStep { relation: Relation::DependsOn, to: entity }],
            },
            why: Vec::new(),
        }
    }

    #[test]
    fn every_owner_once_with_their_systems_and_unowned_blocks_completion() {
        let plan = SignOffPlan::from_impacted(&[
            impacted("org", Some("crm-team")),
            impacted("flows", Some("crm-team")),
            impacted("mail", Some("marketing")),
            impacted("orphan", None),
        ]);
        let groups: Vec<(String, usize)> =
            plan.owners.iter().map(|o| (o.group.to_string(), o.systems.len())).collect();
        assert_eq!(groups, [("group:crm-team".to_owned(), 2), ("group:marketing".to_owned(), 1)]);
        let crm = BTreeSet::from([EntityRef::default_namespace(Kind::Group, "crm-team")]);
        let missing: Vec<String> = plan.missing(&crm).iter().map(|o| o.group.to_string()).collect();
        assert_eq!(missing, ["group:marketing"]);
        let everyone: BTreeSet<EntityRef> = plan.owners.iter().map(|o| o.group.clone()).collect();
        assert!(plan.missing(&everyone).is_empty());
        assert!(!plan.is_complete(&everyone), "the unowned entity keeps the plan open");
        let owned_only = SignOffPlan { unowned: Vec::new(), ..plan };
        assert!(owned_only.is_complete(&everyone));
        assert!(!owned_only.is_complete(&crm));
    }
}
