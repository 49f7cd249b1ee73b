//! The map shipped with Switchyard, against the shipped contract catalog: it validates, and
//! the impact queries a wave announcement needs give the right systems, owners and paths.

use std::collections::BTreeSet;

use switchyard_contracts::compat::{CompatibilityMode, check_event_contract};
use switchyard_contracts::{Catalog, EventRef, EventType};
use switchyard_dependency_map::report::{impact_markdown, impact_text};
use switchyard_dependency_map::{
    DependencyMap, EntityRef, ImpactQuery, ImpactReport, ImpactedEntity, Kind, Relation, impact, validate,
};

fn shipped() -> (DependencyMap, Catalog) {
    let map =
        DependencyMap::load(DependencyMap::shipped_root()).unwrap_or_else(|f| panic!("shipped map: {f:#?}"));
    let catalog =
        Catalog::load(Catalog::shipped_root()).unwrap_or_else(|f| panic!("shipped catalog: {f:#?}"));
    (map, catalog)
}

fn component(name: &str) -> EntityRef {
    EntityRef::default_namespace(Kind::Component, name)
}

fn group(name: &str) -> EntityRef {
    EntityRef::default_namespace(Kind::Group, name)
}

fn hit<'a>(report: &'a ImpactReport, entity: &EntityRef) -> &'a ImpactedEntity {
    report.entity(entity).unwrap_or_else(|| panic!("{entity} should be impacted:\n{}", impact_text(report)))
}

fn owners(report: &ImpactReport) -> BTreeSet<String> {
    report.sign_off.owners.iter().map(|owner| owner.group.to_string()).collect()
}

#[test]
fn shipped_map_validates_against_the_shipped_catalog() {
    let (map, catalog) = shipped();
    assert_eq!(validate(&map, &catalog), []);
    // Every catalog system with mappings joins a delivery target on the map.
    for (id, system) in catalog.systems.iter().filter(|(_, s)| !s.mappings.is_empty()) {
        assert!(map.delivery_target(id).is_some(), "catalog system {id} is not on the map");
        let listed: BTreeSet<&String> = map
            .delivery_target(id)
            .and_then(|e| e.delivery.as_ref())
            .into_iter()
            .flat_map(|d| &d.mappings)
            .collect();
        let in_catalog: BTreeSet<&String> = system.mappings.keys().collect();
        assert_eq!(listed, in_catalog, "{id}: switchyard.io/mappings lists every catalog mapping");
    }
}

#[test]
fn enrollment_created_v2_reaches_salesforce_the_crm_flows_and_their_owners_with_paths() {
    let (map, catalog) = shipped();
    let event = EventRef::parse("enrollment.created@v2").unwrap();
    let report = impact(&map, &catalog, &ImpactQuery::Events { events: vec![event] });

    let salesforce = hit(&report, &component("salesforce"));
    assert!(salesforce.direct);
    assert_eq!(salesforce.path.arrows(), "enrollment.created@v2 -> component:salesforce");
    assert!(salesforce.why[0].contains("enrollment-from-enrollment-created-v2"), "{:?}", salesforce.why);
    let crm = salesforce.owner.as_ref().expect("the org has an owner");
    assert_eq!(crm.group, group("crm-team"));
    assert!(crm.contacts.email.is_some() && crm.contacts.oncall.is_some(), "{crm:?}");

    for flows in ["crm-enrollment-flows", "crm-contact-flows"] {
        let impacted = hit(&report, &component(flows));
        assert!(!impacted.direct);
        assert_eq!(
            impacted.path.arrows(),
            format!("enrollment.created@v2 -> component:salesforce -> component:{flows}")
        );
        assert_eq!(impacted.path.steps.last().map(|s| s.relation), Some(Relation::DependsOn));
        assert_eq!(impacted.owner.as_ref().map(|o| &o.group), Some(&group("crm-team")));
        assert_eq!(impacted.why, ["depends on component:salesforce"]);
    }
    // Downstream of the downstream: the hub never talks to these.
    let marketing = hit(&report, &component("marketing-email"));
    assert_eq!(marketing.distance, 2);
    assert_eq!(marketing.owner.as_ref().map(|o| &o.group), Some(&group("marketing-ops")));
    let reporting = hit(&report, &component("finance-reporting"));
    assert_eq!(
        reporting.path.arrows(),
        "enrollment.created@v2 -> component:salesforce -> component:crm-enrollment-flows -> \
         resource:data-warehouse -> component:finance-reporting"
    );
    let acrobatiq = hit(&report, &component("acrobatiq"));
    assert_eq!(acrobatiq.path.arrows(), "enrollment.created@v2 -> component:lms -> component:acrobatiq");

    // Upstream systems are not impacted.
    for upstream in ["switchyard-hub", "new-platform", "payment-provider", "magento-legacy"] {
        assert!(report.entity(&component(upstream)).is_none(), "{upstream} is upstream");
    }
    let expected: BTreeSet<String> =
        ["crm-team", "finance-data", "lms-team", "marketing-ops", "partnerships"]
            .iter()
            .map(|name| format!("group:{name}"))
            .collect();
    assert_eq!(owners(&report), expected);
    assert!(report.sign_off.unowned.is_empty());
}

#[test]
fn breaking_contract_change_lists_the_affected_owners_with_the_incompatibilities() {
    let (map, catalog) = shipped();
    let event_type = EventType::parse("enrollment.created").unwrap();
    let (v1, v2) = (switchyard_contracts::ContractVersion::parse("v1").unwrap(), "v2".parse().unwrap());
    let compat =
        check_event_contract(&catalog, &event_type, v1, v2, CompatibilityMode::Full).expect("both versions");
    let breaking = !compat.is_compatible();
    let report = impact(&map, &catalog, &ImpactQuery::ContractChange { event_type, report: compat.clone() });

    let direct: Vec<String> =
        report.impacted.iter().filter(|i| i.direct).map(|i| i.entity.to_string()).collect();
    assert_eq!(direct, ["component:lms", "component:salesforce"]);
    for consumer in report.impacted.iter().filter(|i| i.direct) {
        let verdict = if breaking { "is incompatible under FULL" } else { "is compatible under FULL" };
        assert!(consumer.why[0].contains(verdict), "{:?}", consumer.why);
        for incompatibility in &compat.incompatibilities {
            assert!(
                consumer.why.iter().any(|why| why.contains(&incompatibility.message)),
                "{} should explain {incompatibility:?}",
                consumer.entity
            );
        }
    }
    let owners = owners(&report);
    for team in ["crm-team", "lms-team", "marketing-ops", "finance-data"] {
        assert!(owners.contains(&format!("group:{team}")), "{team} must sign off: {owners:?}");
    }
    let markdown = impact_markdown(&report);
    assert!(markdown.contains("- [ ] **CRM team** (`group:crm-team`)"), "{markdown}");
    assert!(markdown.contains("crm-team@elearning.example"), "{markdown}");
}

#[test]
fn a_system_going_down_reaches_through_apis_and_the_hub() {
    let (map, catalog) = shipped();
    let provider = map.resolve("payment-provider").expect("on the map");
    let report = impact(&map, &catalog, &ImpactQuery::Systems { systems: vec![provider.clone()] });
    assert!(hit(&report, &provider).direct);
    let hub = hit(&report, &component("switchyard-hub"));
    assert_eq!(
        hub.path.arrows(),
        "component:payment-provider -> component:new-platform -> api:platform-domain-events -> component:switchyard-hub"
    );
    assert_eq!(hub.why, ["consumes api:platform-domain-events"]);
    assert!(report.entity(&component("salesforce")).is_some());
    assert!(report.entity(&component("magento-legacy")).is_none());
}

#[test]
fn impact_reports_render_as_text_markdown_and_json() {
    let (map, catalog) = shipped();
    let events = vec![
        EventRef::parse("enrollment.created@v2").unwrap(),
        EventRef::parse("bundle.purchased@v1").unwrap(),
    ];
    let report = impact(&map, &catalog, &ImpactQuery::Events { events });
    assert_eq!(report.unconsumed, [EventRef::parse("bundle.purchased@v1").unwrap()]);

    let text = impact_text(&report);
    assert!(
        text.contains(
            "path: enrollment.created@v2 -> component:salesforce -> component:crm-enrollment-flows"
        ),
        "{text}"
    );
    assert!(text.contains("Nothing on the map consumes: bundle.purchased@v1"), "{text}");

    let markdown = impact_markdown(&report);
    assert!(markdown.starts_with("### Impact of `enrollment.created@v2, bundle.purchased@v1`"), "{markdown}");
    let rows = markdown
        .lines()
        .filter(|line| line.starts_with("| ") && !line.starts_with("| Hit") && !line.starts_with("| ---"));
    assert_eq!(rows.count(), report.impacted.len());
    let checkboxes = markdown.lines().filter(|line| line.starts_with("- [ ] "));
    assert_eq!(checkboxes.count(), report.sign_off.owners.len());

    let json = serde_json::to_value(&report).expect("serialisable");
    assert_eq!(json["query"]["kind"], "events");
    let salesforce = json["impacted"]
        .as_array()
        .and_then(|all| all.iter().find(|i| i["entity"] == "component:salesforce"))
        .expect("salesforce in JSON");
    assert_eq!(salesforce["owner"]["group"], "group:crm-team");
    assert_eq!(salesforce["path"]["steps"][0]["relation"], "consumes");
    assert_eq!(json["sign_off"]["owners"].as_array().map(Vec::len), Some(report.sign_off.owners.len()));
}

#[test]
fn resolving_names_for_queries() {
    let (map, _) = shipped();
    assert_eq!(map.resolve("salesforce").unwrap(), component("salesforce"));
    assert_eq!(map.resolve("Component:Salesforce").unwrap(), component("salesforce"));
    let err = map.resolve("salesforc").unwrap_err();
    assert!(err.to_string().contains("salesforc"), "{err}");
    assert!(map.resolve("group:crm-team").is_err(), "groups are not systems");
}
