//! The adapter's Bulk API 2.0 path against the org simulator: a wave-sized batch of contacts
//! and their enrollments goes through staged jobs (contacts first), every item gets its own
//! outcome, a fresh adapter finishes another's tickets without duplicates, and an expired
//! session between submit and collect is renewed once.

use std::collections::HashMap;

use serde_json::{Value, json};
use switchyard_adapters::salesforce::{ObjectTarget, SalesforceAdapter, SalesforceConfig};
use switchyard_adapters::{Adapter, DeliveryItem, DeliveryOutcome, RejectCode};
use switchyard_sandbox::salesforce::bulk_job::Operation;
use switchyard_sandbox::salesforce::{JobState, RunningSimulator};

use super::{CLIENT_SECRET, config, start_org};

/// Learners in the batch: with one enrollment each, 2,200 items, over the default threshold.
const LEARNERS: usize = 1_100;

fn bulk_config(sim: &RunningSimulator) -> SalesforceConfig {
    SalesforceConfig {
        objects: vec![
            ObjectTarget::new("Contact", "Legacy_Id__c"),
            ObjectTarget::new("Enrollment__c", "Legacy_Id__c"),
        ],
        ..config(sim, CLIENT_SECRET)
    }
}

fn bulk_adapter(sim: &RunningSimulator) -> SalesforceAdapter {
    SalesforceAdapter::new(bulk_config(sim)).expect("valid config")
}

/// Learner `i`: a contact, unless `i % 100` is 7 (bad email) or 13 (no last name); an
/// enrollment, refused when its contact was (7, 13) or its price is negative (21).
fn learner(i: usize) -> (Value, Value) {
    let mut contact = json!({"attributes": {"type": "Contact"}, "Legacy_Id__c": format!("c{i}"),
        "Platform_User_Id__c": format!("u{i}"), "LastName": "Okafor", "FirstName": "Ada",
        "Email": format!("ada.{i}@example.com"), "Learner_Status__c": "Active", "MailingCountryCode": "NG"});
    let mut enrollment = json!({"attributes": {"type": "Enrollment__c"}, "Legacy_Id__c": format!("e{i}"),
        "Contact__c": {"Legacy_Id__c": format!("c{i}")}, "Course_Code__c": "PY-101", "Source_Status__c": "Active",
        "Enrolled_On__c": "2025-09-01T08:00:00Z", "Price__c": 149, "Currency__c": "USD", "Partner_Code__c": null});
    match i % 100 {
        7 => contact["Email"] = json!("not-an-email"),
        13 => contact["LastName"] = Value::Null,
        21 => enrollment["Price__c"] = json!(-1),
        _ => {}
    }
    (contact, enrollment)
}

/// Enrollments and contacts interleaved, enrollment first: the adapter must order them itself.
fn wave() -> Vec<DeliveryItem> {
    (0..LEARNERS)
        .flat_map(|i| {
            let (contact, enrollment) = learner(i);
            [enrollment, contact]
        })
        .enumerate()
        .map(|(index, record)| DeliveryItem {
            delivery_id: format!("dlv-{index}"),
            event_id: format!("evt-{index}"),
            record: record.as_object().cloned().expect("object"),
            attempt: 1,
        })
        .collect()
}

fn expected_failure(item: &DeliveryItem) -> Option<&'static str> {
    let id = item.record["Legacy_Id__c"].as_str().expect("legacy id");
    let i: usize = id[1..].parse().expect("number");
    match (&id[..1], i % 100) {
        ("c", 7) => Some("INVALID_EMAIL_ADDRESS"),
        ("c", 13) => Some("REQUIRED_FIELD_MISSING"),
        // The enrollments of refused contacts find no contact to point at.
        ("e", 7 | 13) => Some("INVALID_CROSS_REFERENCE_KEY"),
        ("e", 21) => Some("FIELD_CUSTOM_VALIDATION_EXCEPTION"),
        _ => None,
    }
}

/// The job a ticket says is running.
fn running_job(ticket: &str) -> String {
    let ticket: Value = serde_json::from_str(ticket).expect("tickets are JSON");
    let running = ticket["running"].as_u64().expect("running") as usize;
    ticket["stages"][running]["job"].as_str().expect("the running stage has a job").to_owned()
}

/// Collects every submitted item with `adapter` until none is left, waiting for each job's end
/// through the simulator (no sleeping). Returns the final outcomes and the tickets seen.
async fn settle(
    sim: &RunningSimulator,
    adapter: &SalesforceAdapter,
    batch: &[DeliveryItem],
    mut outcomes: Vec<DeliveryOutcome>,
) -> (Vec<DeliveryOutcome>, Vec<String>) {
    let mut tickets = Vec::new();
    loop {
        let mut by_ticket: HashMap<String, Vec<usize>> = HashMap::new();
        for (index, outcome) in outcomes.iter().enumerate() {
            if let DeliveryOutcome::Submitted { ticket, .. } = outcome {
                by_ticket.entry(ticket.clone()).or_default().push(index);
            }
        }
        if by_ticket.is_empty() {
            return (outcomes, tickets);
        }
        for (ticket, indexes) in by_ticket {
            assert!(sim.job_finished(&running_job(&ticket)).await.is_some(), "the ticket's job exists");
            let items: Vec<DeliveryItem> = indexes.iter().map(|i| batch[*i].clone()).collect();
            let collected = adapter.collect(&ticket, &items).await;
            assert_eq!(collected.len(), items.len(), "one outcome per item");
            for (index, outcome) in indexes.into_iter().zip(collected) {
                outcomes[index] = outcome;
            }
            tickets.push(ticket);
        }
    }
}

/// Every item's outcome is the one its record deserves, and the org holds exactly the records
/// that were delivered, under the ids the outcomes name.
fn assert_outcomes(sim: &RunningSimulator, batch: &[DeliveryItem], outcomes: &[DeliveryOutcome]) {
    let mut ids: HashMap<String, String> = HashMap::new();
    for object in ["Contact", "Enrollment__c"] {
        for record in sim.records(object) {
            ids.insert(
                record["Legacy_Id__c"].as_str().unwrap().to_owned(),
                record["Id"].as_str().unwrap().to_owned(),
            );
        }
    }
    for (item, outcome) in batch.iter().zip(outcomes) {
        let legacy = item.record["Legacy_Id__c"].as_str().unwrap();
        match expected_failure(item) {
            None => assert_eq!(
                outcome,
                &DeliveryOutcome::Delivered { downstream_id: ids.get(legacy).cloned() },
                "{legacy} is delivered with its Salesforce id"
            ),
            // A child whose parent is missing is retried (the parent may still be on its way);
            // the others need a fix.
            Some(code @ "INVALID_CROSS_REFERENCE_KEY") => {
                assert!(outcome.is_retry(), "{legacy}: {outcome:?}");
                assert!(outcome.reason().unwrap().starts_with(code), "{legacy}: {outcome:?}");
                assert!(!ids.contains_key(legacy), "{legacy} is not in the org");
            }
            Some(code) => {
                assert_eq!(outcome.reject_code(), Some(RejectCode::Client), "{legacy}: {outcome:?}");
                assert!(outcome.reason().unwrap().starts_with(code), "{legacy}: {outcome:?}");
                assert!(!ids.contains_key(legacy), "{legacy} is not in the org");
            }
        }
    }
    let stats = sim.stats();
    assert_eq!(stats.records["Contact"], LEARNERS - 2 * LEARNERS / 100);
    assert_eq!(stats.records["Enrollment__c"], LEARNERS - 3 * LEARNERS / 100);
}

#[tokio::test]
async fn a_wave_goes_through_bulk_jobs_contacts_first_with_every_outcome_right() {
    let sim = start_org().await;
    let adapter = bulk_adapter(&sim);
    let batch = wave();

    let submitted = adapter.deliver(&batch).await;
    assert!(submitted.iter().all(DeliveryOutcome::is_submitted), "every item is submitted");
    let jobs = sim.bulk_jobs();
    assert_eq!(jobs.len(), 1, "only the parents' job runs at first");
    assert_eq!((jobs[0].object.as_str(), jobs[0].operation), ("Contact", Operation::Upsert));
    assert!(sim.records("Enrollment__c").is_empty());

    let (outcomes, tickets) = settle(&sim, &adapter, &batch, submitted).await;
    assert_eq!(tickets.len(), 2, "one collect per stage: {tickets:?}");
    let jobs = sim.bulk_jobs();
    let objects: Vec<&str> = jobs.iter().map(|job| job.object.as_str()).collect();
    assert_eq!(objects, ["Contact", "Enrollment__c"]);
    assert!(jobs.iter().all(|job| job.state == JobState::JobComplete));
    assert_eq!((jobs[0].records_processed, jobs[0].records_failed), (LEARNERS as u64, 22));
    assert_outcomes(&sim, &batch, &outcomes);
    // Bulk jobs cost a handful of data calls, not one per 200 records: per stage, create,
    // upload, close, then job info and three result files.
    assert_eq!(sim.stats().api_calls, 2 * 7);
}

#[tokio::test]
async fn a_fresh_adapter_finishes_a_crashed_hubs_tickets_and_a_resend_duplicates_nothing() {
    let sim = start_org().await;
    let batch = wave();
    let submitted = {
        let crashed = bulk_adapter(&sim);
        crashed.deliver(&batch).await
        // `crashed` is dropped here: only the tickets in the ledger survive.
    };
    let ticket = match &submitted[0] {
        DeliveryOutcome::Submitted { ticket, .. } => ticket.clone(),
        other => panic!("expected Submitted, got {other:?}"),
    };
    assert!(!ticket.contains("Okafor") && !ticket.contains("token"), "no record data or secrets: {ticket}");

    let fresh = bulk_adapter(&sim);
    sim.job_finished(&running_job(&ticket)).await;
    // Collected twice (two hubs racing): the second read gives the same answers.
    let first = fresh.collect(&ticket, &batch).await;
    let again = fresh.collect(&ticket, &batch).await;
    for (a, b) in first.iter().zip(&again) {
        match (a, b) {
            (DeliveryOutcome::Submitted { .. }, DeliveryOutcome::Submitted { .. }) => {}
            _ => assert_eq!(a, b),
        }
    }
    let (outcomes, _) = settle(&sim, &fresh, &batch, again).await;
    assert_outcomes(&sim, &batch, &outcomes);

    // The hub sends the same batch again (say, it lost the outcomes): upserts by external id.
    let resent = fresh.deliver(&batch).await;
    let (outcomes_again, _) = settle(&sim, &fresh, &batch, resent).await;
    assert_eq!(outcomes_again, outcomes, "the same records, under the same ids");
    assert_outcomes(&sim, &batch, &outcomes_again);
}

#[tokio::test]
async fn an_expired_session_between_submit_and_collect_is_renewed_once() {
    let sim = start_org().await;
    let adapter = bulk_adapter(&sim);
    let batch = wave();
    let submitted = adapter.deliver(&batch).await;
    sim.expire_sessions();
    let (outcomes, _) = settle(&sim, &adapter, &batch, submitted).await;
    assert_outcomes(&sim, &batch, &outcomes);
    assert_eq!(sim.stats().refused_invalid_session, 1, "one refused call, then a new token");
}

#[tokio::test]
async fn small_batches_still_use_collections() {
    let sim = start_org().await;
    let adapter = bulk_adapter(&sim);
    let batch: Vec<DeliveryItem> = wave().into_iter().skip(1).step_by(2).take(5).collect();
    let outcomes = adapter.deliver(&batch).await;
    assert!(outcomes.iter().all(DeliveryOutcome::is_delivered), "{outcomes:?}");
    assert!(sim.bulk_jobs().is_empty());
}
