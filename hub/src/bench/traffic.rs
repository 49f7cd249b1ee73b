//! What the benchmark sends: `user.migrated@v1` events shaped like the legacy export's
//! ordinary learners, posted over HTTP in CloudEvents batched mode by several clients at once.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::Utc;
use serde_json::{Value, json};

use crate::store::{NewEvent, Route};

/// One ordinary migrated learner, unique by `n`, valid against `user.migrated@v1`.
pub fn user_data(run: &str, n: usize) -> Value {
    json!({
        "legacy_id": format!("{run}-{n}"),
        "user_id": format!("u-{run}-{n}"),
        "email": format!("learner{n}@example.com"),
        "first_name": "Ada",
        "last_name": "Okafor",
        "status": "active",
        "created_at": "2016-03-04T10:11:12Z",
        "date_of_birth": "1990-02-03",
        "address": {
            "street": ["12 Harbour Road"],
            "city": "Leeds",
            "postcode": "LS1 4AP",
            "country_code": "GB"
        },
        "partner_code": "ACME-EDU",
        "website": "base"
    })
}

/// The structured CloudEvent for learner `n`.
pub fn user_event(run: &str, n: usize) -> Value {
    json!({
        "specversion": "1.0",
        "id": format!("{run}-{n}"),
        "source": "/legacy/magento",
        "type": "user.migrated",
        "time": "2026-11-02T09:00:00Z",
        "datacontenttype": "application/json",
        "dataschema": "urn:switchyard:schema:user.migrated:v1",
        "data": user_data(run, n),
    })
}

/// Learner `n` as the ledger records it after routing: one delivery to the LMS and one to
/// Salesforce (what ingest creates for `user.migrated@v1` with the shipped map).
pub fn routed_user(run: &str, n: usize) -> NewEvent {
    NewEvent {
        source: "/legacy/magento".into(),
        event_id: format!("{run}-{n}"),
        event_type: "user.migrated".into(),
        version: 1,
        time: Some(Utc::now()),
        data: user_data(run, n),
        legacy_id: Some(format!("{run}-{n}")),
        routes: vec![
            Route { system: "lms".into(), mapping: "learner-from-user-migrated".into() },
            Route { system: "salesforce".into(), mapping: "contact-from-user-migrated".into() },
        ],
    }
}

/// Why sending stopped.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    #[error("POST /v1/events failed")]
    Http(#[source] reqwest::Error),
    #[error("POST /v1/events answered {status}")]
    Refused { status: u16 },
}

/// Posts events `0..count` in batches of `batch` from `clients` concurrent clients.
pub async fn send_users(
    url: &str,
    run: &str,
    count: usize,
    batch: usize,
    clients: usize,
) -> Result<(), SendError> {
    let client = reqwest::Client::new();
    let next = Arc::new(AtomicUsize::new(0));
    let batches = count.div_ceil(batch);
    let mut senders = Vec::new();
    for _ in 0..clients {
        let (client, next, url, run) = (client.clone(), Arc::clone(&next), url.to_owned(), run.to_owned());
        senders.push(tokio::spawn(async move {
            loop {
                let index = next.fetch_add(1, Ordering::AcqRel);
                if index >= batches {
                    return Ok(());
                }
                let events: Vec<Value> =
                    (index * batch..((index + 1) * batch).min(count)).map(|n| user_event(&run, n)).collect();
                let response = client
                    .post(format!("{url}/v1/events"))
                    .header("content-type", "application/cloudevents-batch+json")
                    .body(serde_json::to_vec(&events).unwrap_or_default())
                    .send()
                    .await
                    .map_err(SendError::Http)?;
                if response.status().as_u16() != 202 {
                    return Err(SendError::Refused { status: response.status().as_u16() });
                }
            }
        }));
    }
    for sender in senders {
        sender.await.unwrap_or(Ok(()))?;
    }
    Ok(())
}
