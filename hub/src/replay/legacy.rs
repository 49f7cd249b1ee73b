//! The legacy edge-case catalog as a replay: each class's generated export, migrated into
//! events, goes through the system's real mappings and adapter like any case; the class then
//! passes only if every one of its events did what the class expects downstream (confirmed,
//! or refused with the expected code, with normalized fields read back as sent and dropped
//! ones empty), its quarantines happened, and its withheld columns never left.

use std::collections::{BTreeMap, HashSet};

use switchyard_contracts::catalog::SystemCatalog;
use switchyard_contracts::mapping::MappingOutcome;
use switchyard_sandbox::legacy::{ClassCase, ExpectedOutcome, MigrationEvent};

use super::cases::{Expected, FieldCheck, ReplayCase, parent_rank};
use super::report::{CaseResult, ReplayReport};

/// The event cases of every class, in delivery order, and what each class checks besides.
#[derive(Debug)]
pub struct ClassReplay {
    pub cases: Vec<ReplayCase>,
    classes: Vec<ClassPlan>,
}

/// One class: its events' case names and what was settled without the downstream.
#[derive(Debug)]
struct ClassPlan {
    class: &'static str,
    outcome: String,
    events: Vec<String>,
    problems: Vec<String>,
    evidence: Vec<String>,
}

/// What an expected outcome says for `system`'s records of the class.
fn outcome_words(expected: &ExpectedOutcome) -> String {
    match expected {
        ExpectedOutcome::DeliveredAsIs => "delivered as is".to_owned(),
        ExpectedOutcome::Normalized { field, how } => format!("delivered, {field} {how}"),
        ExpectedOutcome::Dropped { field } => format!("delivered without {field}"),
        ExpectedOutcome::Rejected { system, code } => format!("refused by {system} with {code}"),
        ExpectedOutcome::Quarantined { reason } => format!("quarantined at import: {reason}"),
        ExpectedOutcome::NeverSent { field } => format!("{field} never leaves"),
    }
}

/// Builds the replay of `classes` for `system`: only the events the system consumes (it has
/// a mapping from their contract version) become cases.
pub fn class_replay(system: &SystemCatalog, classes: &[ClassCase]) -> ClassReplay {
    let rank = parent_rank(system);
    let mut ordered: Vec<(usize, usize, ReplayCase)> = Vec::new();
    let mut plans = Vec::new();
    for class_case in classes {
        let entry = class_case.class.case();
        let mut plan = ClassPlan {
            class: entry.name,
            outcome: outcome_words(&entry.expected),
            events: Vec::new(),
            problems: Vec::new(),
            evidence: Vec::new(),
        };
        settle_without_downstream(class_case, &entry.expected, &mut plan);
        let about_events = !matches!(
            entry.expected,
            ExpectedOutcome::Quarantined { .. } | ExpectedOutcome::NeverSent { .. }
        );
        if about_events && !class_case.events.iter().any(|event| class_case.shows(event)) {
            plan.problems.push(format!("no event shows {} (nothing of the class was replayed)", entry.name));
        }
        let orphaned = orphaned_users(system, class_case, &entry.expected);
        for event in &class_case.events {
            for mut case in event_cases(system, class_case, event, &entry.expected) {
                let user = event.envelope.data().get("user_id").and_then(|u| u.as_str());
                if !class_case.shows(event) && user.is_some_and(|user| orphaned.contains(user)) {
                    // Its Contact was refused, so its lookup has nothing to point to.
                    case.expected = Expected::Rejected { code: PARENT_MISSING.to_owned() };
                }
                plan.events.push(case.name.clone());
                let index = ordered.len();
                ordered.push((rank(&case.mapping), index, case));
            }
        }
        plans.push(plan);
    }
    ordered.sort_by_key(|(rank, index, _)| (*rank, *index));
    ClassReplay { cases: ordered.into_iter().map(|(_, _, case)| case).collect(), classes: plans }
}

/// What the org answers a record whose lookup names a parent that is not there.
const PARENT_MISSING: &str = "INVALID_CROSS_REFERENCE_KEY";

/// The users whose account record `system` is expected to refuse (the class's `Rejected`
/// shown on a `user.migrated`): their other records cannot link to it.
fn orphaned_users(
    system: &SystemCatalog,
    class_case: &ClassCase,
    expected: &ExpectedOutcome,
) -> HashSet<String> {
    let ExpectedOutcome::Rejected { system: refuser, .. } = expected else { return HashSet::new() };
    if *refuser != system.id.as_str() {
        return HashSet::new();
    }
    class_case
        .events
        .iter()
        .filter(|event| class_case.shows(event) && event.envelope.event_type().as_str() == "user.migrated")
        .filter_map(|event| event.envelope.data().get("user_id")?.as_str().map(str::to_owned))
        .collect()
}

/// The checks that need no downstream: quarantines and withheld columns.
fn settle_without_downstream(class_case: &ClassCase, expected: &ExpectedOutcome, plan: &mut ClassPlan) {
    match expected {
        ExpectedOutcome::Quarantined { reason } => {
            let held: Vec<_> =
                class_case.quarantined.iter().filter(|row| row.class == Some(plan.class)).collect();
            if held.is_empty() {
                plan.problems.push(format!("no row was quarantined as {}", plan.class));
            }
            for row in &held {
                if row.reason != *reason {
                    plan.problems.push(format!("line {} quarantined for `{}`", row.line, row.reason));
                }
            }
            plan.evidence.push(format!("{} row(s) quarantined: {reason}", held.len()));
            let escaped = class_case.events.iter().filter(|event| class_case.shows(event)).count();
            if escaped > 0 {
                plan.problems.push(format!("{escaped} event(s) still show {}", plan.class));
            }
        }
        ExpectedOutcome::NeverSent { field } => {
            let Some(withheld) = &class_case.withheld else {
                plan.evidence.push(format!(
                    "not checkable here: the sample holds no {field} value (profiles empty secrets); \
                     the catalog replay checks it"
                ));
                return;
            };
            if withheld.is_empty() {
                plan.problems.push(format!("the export holds no {field} value to withhold"));
            }
            let leaked = class_case.events.iter().any(|event| {
                let text = event.envelope.to_structured_json().to_string();
                withheld.iter().any(|secret| text.contains(secret.as_str()))
            });
            if leaked {
                plan.problems.push(format!("a {field} value is in an event"));
            } else {
                plan.evidence.push(format!(
                    "none of the {} {field} value(s) is in any of the {} events",
                    withheld.len(),
                    class_case.events.len()
                ));
            }
        }
        _ => {}
    }
}

/// The cases of one event for `system`: one per mapping from its contract version.
fn event_cases(
    system: &SystemCatalog,
    class_case: &ClassCase,
    event: &MigrationEvent,
    expected: &ExpectedOutcome,
) -> Vec<ReplayCase> {
    let contract = event.envelope.contract();
    let shows = class_case.shows(event);
    let data = event.envelope.data();
    let attributes = event.envelope.attributes_json();
    system
        .mappings
        .values()
        .filter(|mapping| mapping.spec().source == *contract)
        .map(|mapping| {
            let record = match mapping.apply(data, &attributes) {
                Ok(MappingOutcome::Record(record)) => Some(record),
                Ok(MappingOutcome::Skipped) => None,
                // The replay's own mapping step reports the error on the case.
                Err(_) => Some(Default::default()),
            };
            let target_has = |field: &str| {
                system.targets.get(&mapping.spec().target).is_some_and(|t| t.field(field).is_some())
            };
            let (case_expected, field_checks) = match (&record, expected) {
                (None, _) => (Expected::Skipped, Vec::new()),
                (Some(_), ExpectedOutcome::Rejected { system: refuser, code })
                    if shows && *refuser == system.id.as_str() =>
                {
                    (Expected::Rejected { code: (*code).to_owned() }, Vec::new())
                }
                (Some(record), ExpectedOutcome::Normalized { field, .. }) if shows && target_has(field) => {
                    let check =
                        FieldCheck { field: (*field).to_owned(), equals: record.get(*field).cloned() };
                    (Expected::Confirmed, vec![check])
                }
                (Some(_), ExpectedOutcome::Dropped { field }) if shows && target_has(field) => {
                    (Expected::Confirmed, vec![FieldCheck { field: (*field).to_owned(), equals: None }])
                }
                (Some(_), _) => (Expected::Confirmed, Vec::new()),
            };
            ReplayCase {
                name: format!("{}/{}/{}", class_case.class.name(), mapping.name(), event.envelope.id()),
                mapping: mapping.name().to_owned(),
                event: event.envelope.to_structured_json(),
                expected: case_expected,
                field_checks,
            }
        })
        .collect()
}

impl ClassReplay {
    /// Folds the per-event results of `report` into one result per class.
    pub fn per_class(&self, report: ReplayReport) -> ReplayReport {
        let mut by_name: BTreeMap<String, CaseResult> =
            report.cases.into_iter().map(|case| (case.name.clone(), case)).collect();
        let cases = self
            .classes
            .iter()
            .map(|plan| {
                let mut result = CaseResult {
                    name: plan.class.to_owned(),
                    mapping: "legacy-edge-cases".to_owned(),
                    expected: Expected::EdgeCase {
                        class: plan.class.to_owned(),
                        outcome: plan.outcome.clone(),
                    },
                    passed: plan.problems.is_empty(),
                    request: format!("{} event case(s)", plan.events.len()),
                    outcome: String::new(),
                    downstream_id: None,
                    evidence: plan.evidence.clone(),
                    problems: plan.problems.clone(),
                    duration: Default::default(),
                };
                let mut outcomes: BTreeMap<String, usize> = BTreeMap::new();
                for name in &plan.events {
                    let Some(event) = by_name.remove(name) else { continue };
                    let short = name.split_once('/').map_or(name.as_str(), |(_, rest)| rest);
                    *outcomes.entry(first_words(&event.outcome)).or_default() += 1;
                    result.duration += event.duration;
                    if !event.passed {
                        result.passed = false;
                        result.problems.extend(event.problems.iter().map(|p| format!("{short}: {p}")));
                    }
                    result.evidence.extend(
                        event
                            .evidence
                            .iter()
                            .filter(|e| !e.ends_with(": holds"))
                            .map(|e| format!("{short}: {e}")),
                    );
                }
                result.outcome =
                    outcomes.iter().map(|(o, n)| format!("{n} {o}")).collect::<Vec<_>>().join(", ");
                result
            })
            .collect();
        ReplayReport { cases, ..report }
    }
}

/// An outcome without its details (`rejected: DUPLICATES_DETECTED: ...` -> `rejected`).
fn first_words(outcome: &str) -> String {
    outcome.split(':').next().unwrap_or(outcome).trim().to_owned()
}
