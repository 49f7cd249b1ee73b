//! The Salesforce adapter against the real org simulator: Contact records mapped from the
//! shipped fixtures are created, updated, partly refused, delivered across an expired session,
//! and refused as a whole for bad credentials; `jwt` does the same through the JWT bearer flow.
//! Every check reads the org back.

mod jwt;
mod limits;

mod bulk;

use std::net::SocketAddr;

use serde_json::{Map, Value};
use switchyard_adapters::salesforce::{ObjectTarget, SalesforceAdapter, SalesforceConfig};
use switchyard_adapters::{Adapter, DeliveryItem, DeliveryOutcome, RejectCode};
use switchyard_sandbox::salesforce::{OrgConfig, RunningSimulator, SalesforceSimulator};

const CLIENT_ID: &str = "switchyard-sandbox";
const CLIENT_SECRET: &str = "sandbox-secret";
const FIXTURES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../contracts/catalog/systems/salesforce/fixtures/contact-from-user-migrated.json"
);

async fn start_org() -> RunningSimulator {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let addr: SocketAddr = ([127, 0, 0, 1], 0).into();
    SalesforceSimulator::start(addr, OrgConfig::e_learning().with_silent_failures(true))
        .await
        .expect("simulator starts")
}

fn config(sim: &RunningSimulator, secret: &str) -> SalesforceConfig {
    SalesforceConfig {
        allow_list: vec!["127.0.0.0/8".into()],
        ..SalesforceConfig::new(
            format!("{}/services/oauth2/token", sim.base_url()),
            CLIENT_ID,
            secret.into(),
            ObjectTarget::new("Contact", "Legacy_Id__c"),
        )
    }
}

fn adapter(sim: &RunningSimulator) -> SalesforceAdapter {
    SalesforceAdapter::new(config(sim, CLIENT_SECRET)).expect("valid config")
}

/// The mapped Contacts the shipped fixtures expect. Every fixture maps the same legacy account
/// (each shows one rule), so each gets its own external ids and email here to become its own
/// Contact (the org's duplicate rule refuses a second Contact with the same email).
fn fixture_contacts() -> Vec<Map<String, Value>> {
    let text = std::fs::read_to_string(FIXTURES).expect("fixtures are shipped");
    let fixtures: Vec<Value> = serde_json::from_str(&text).expect("fixtures are JSON");
    let contacts: Vec<Map<String, Value>> = fixtures
        .iter()
        .filter_map(|fixture| fixture.get("expected").and_then(Value::as_object))
        .enumerate()
        .map(|(index, expected)| {
            let mut contact = expected.clone();
            for field in ["Legacy_Id__c", "Platform_User_Id__c"] {
                let id = contact[field].as_str().expect("fixtures carry both external ids");
                contact.insert(field.into(), Value::String(format!("{id}-{index}")));
            }
            if let Some(Value::String(email)) = contact.get("Email").cloned() {
                contact.insert("Email".into(), Value::String(format!("{index}.{email}")));
            }
            contact
        })
        .collect();
    assert!(contacts.len() >= 3, "the fixtures hold several contacts");
    contacts
}

fn items(records: &[Map<String, Value>]) -> Vec<DeliveryItem> {
    records
        .iter()
        .enumerate()
        .map(|(index, record)| DeliveryItem {
            delivery_id: format!("dlv-{index}"),
            event_id: format!("evt-{index}"),
            record: record.clone(),
            attempt: 1,
        })
        .collect()
}

fn downstream_id(outcome: &DeliveryOutcome) -> &str {
    match outcome {
        DeliveryOutcome::Delivered { downstream_id: Some(id) } => id,
        other => panic!("expected Delivered with an id, got {other:?}"),
    }
}

fn contact<'a>(sim_records: &'a [Map<String, Value>], legacy_id: &Value) -> &'a Map<String, Value> {
    sim_records.iter().find(|record| &record["Legacy_Id__c"] == legacy_id).expect("the contact is in the org")
}

#[tokio::test]
async fn contacts_are_created_then_updated_by_external_id() {
    let sim = start_org().await;
    let adapter = adapter(&sim);
    let contacts = fixture_contacts();

    let created = adapter.deliver(&items(&contacts)).await;
    assert_eq!(created.len(), contacts.len());
    let ids: Vec<String> = created.iter().map(|outcome| downstream_id(outcome).to_owned()).collect();
    assert!(ids.iter().all(|id| id.starts_with("003")), "{ids:?}");
    let records = sim.records("Contact");
    assert_eq!(records.len(), contacts.len());
    for (contact_fields, id) in contacts.iter().zip(&ids) {
        let stored = contact(&records, &contact_fields["Legacy_Id__c"]);
        assert_eq!(&stored["Id"], id);
        assert_eq!(stored["LastName"], contact_fields["LastName"]);
    }

    let mut changed = contacts.clone();
    changed[0].insert("FirstName".into(), "Adaeze".into());
    let updated = adapter.deliver(&items(&changed)).await;
    let same_ids: Vec<String> = updated.iter().map(|outcome| downstream_id(outcome).to_owned()).collect();
    assert_eq!(same_ids, ids, "an upsert by external id updates the same records");
    let records = sim.records("Contact");
    assert_eq!(records.len(), contacts.len(), "no duplicates");
    assert_eq!(contact(&records, &changed[0]["Legacy_Id__c"])["FirstName"], "Adaeze");

    // One Collections call per batch, one token: two data calls in all.
    assert_eq!(sim.stats().api_calls, 2);
    let usage = adapter.api_usage().expect("Sforce-Limit-Info was read");
    assert_eq!((usage.org_used, usage.org_limit), (Some(2), Some(sim.stats().api_limit)));
    assert_eq!(usage.own_calls, 2, "two data calls; token calls do not count against the allowance");
}

#[tokio::test]
async fn a_per_record_error_inside_a_200_rejects_only_that_record() {
    let sim = start_org().await;
    let adapter = adapter(&sim);
    let mut contacts = fixture_contacts();
    contacts.truncate(3);
    let too_long = "K".repeat(81);
    contacts[1].insert("LastName".into(), Value::String(too_long.clone()));

    let outcomes = adapter.deliver(&items(&contacts)).await;
    assert_eq!(outcomes.len(), 3);
    downstream_id(&outcomes[0]);
    downstream_id(&outcomes[2]);
    assert_eq!(outcomes[1].reject_code(), Some(RejectCode::Client), "{:?}", outcomes[1]);
    let reason = outcomes[1].reason().unwrap();
    assert!(reason.contains("STRING_TOO_LONG"), "{reason}");
    assert!(!reason.contains(&too_long), "the reason must not carry the record's value: {reason}");

    let records = sim.records("Contact");
    assert_eq!(records.len(), 2);
    assert!(records.iter().all(|record| record["Legacy_Id__c"] != contacts[1]["Legacy_Id__c"]));
}

#[tokio::test]
async fn an_expired_session_is_renewed_once_and_the_call_retried() {
    let sim = start_org().await;
    let adapter = adapter(&sim);
    let contacts = fixture_contacts();
    assert!(adapter.deliver(&items(&contacts[..1])).await[0].is_delivered());

    sim.expire_sessions();
    let outcomes = adapter.deliver(&items(&contacts[1..])).await;
    assert!(outcomes.iter().all(DeliveryOutcome::is_delivered), "{outcomes:?}");
    let stats = sim.stats();
    assert_eq!(stats.refused_invalid_session, 1, "one refused call, then the retried one");
    assert_eq!(stats.records.get("Contact").copied(), Some(contacts.len()));
}

#[tokio::test]
async fn bad_credentials_reject_every_item_as_auth() {
    let sim = start_org().await;
    let adapter = SalesforceAdapter::new(config(&sim, "not-the-secret")).expect("valid config");
    let outcomes = adapter.deliver(&items(&fixture_contacts())).await;
    assert!(!outcomes.is_empty());
    for outcome in &outcomes {
        assert_eq!(outcome.reject_code(), Some(RejectCode::Auth), "{outcome:?}");
        assert!(outcome.reason().unwrap().contains("invalid_client"), "{outcome:?}");
        assert!(!outcome.reason().unwrap().contains("not-the-secret"));
    }
    let stats = sim.stats();
    assert_eq!(stats.api_calls, 0, "no data call without a token");
    assert!(sim.records("Contact").is_empty());
}

/// The org's daily allowance runs out mid-migration and comes back: items are held without
/// spending attempts (and without a call while the allowance is known to be spent), and
/// delivered once the rolling window frees capacity.
#[tokio::test]
async fn the_daily_allowance_is_reached_and_recovered() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut org = OrgConfig::e_learning();
    org.daily_api_limit = 2;
    let sim = SalesforceSimulator::start(([127, 0, 0, 1], 0).into(), org).await.expect("simulator");
    let mut settings = config(&sim, CLIENT_SECRET);
    settings.budget.share = 1.0;
    settings.budget.spent_recheck_secs = 1;
    let adapter = SalesforceAdapter::new(settings).expect("valid config");
    let contacts = fixture_contacts();
    let batch = |n: usize| items(&contacts[n..=n]);

    for n in 0..2 {
        assert!(adapter.deliver(&batch(n)).await[0].is_delivered(), "call {n} fits the allowance");
    }
    let held = adapter.deliver(&batch(2)).await;
    assert!(
        matches!(&held[0], DeliveryOutcome::Deferred { reason, .. } if reason.contains("2/2")),
        "the budget read the spent allowance from Sforce-Limit-Info: {held:?}"
    );
    assert_eq!(sim.stats().api_calls, 2, "no call while the allowance is spent");

    // A second hub that has not seen the header yet is refused by the org itself.
    let other = SalesforceAdapter::new(config(&sim, CLIENT_SECRET)).expect("valid config");
    let refused = other.deliver(&batch(2)).await;
    assert!(
        matches!(&refused[0], DeliveryOutcome::Deferred { reason, .. } if reason.contains("TotalRequests")),
        "{refused:?}"
    );

    // A day later the window has room again; after the adapter's recheck it calls once more.
    sim.advance_clock(std::time::Duration::from_secs(24 * 3600 + 1));
    // The recheck is a time-based hold (1 s here): nothing to await but the time itself.
    tokio::time::sleep(std::time::Duration::from_millis(1_100)).await;
    let recovered = adapter.deliver(&batch(2)).await;
    assert!(recovered[0].is_delivered(), "{recovered:?}");
    assert_eq!(sim.records("Contact").len(), 3);
}
