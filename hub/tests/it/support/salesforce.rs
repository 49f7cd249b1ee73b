//! The hub against the sandbox's Salesforce org simulator: the simulator, a `[systems.salesforce]`
//! pointed at it, the worker step, and contacts and enrollments as the shipped mappings read them.

use std::sync::Arc;

use chrono::Utc;
use serde_json::json;
use switchyard::config::HubConfig;
use switchyard::delivery::{Deliverer, build_lanes};
use switchyard::metrics::HubMetrics;
use switchyard::store::{DeliveryState, NewEvent, Route, Store};
use switchyard_sandbox::{OrgConfig, RunningSimulator, SalesforceSimulator};

use super::hub::{LEASE, routes, user_data};

/// The shipped org with the CRM team's faulty flow change deployed (enrollments of Contacts
/// without a country fail silently).
pub async fn simulator() -> RunningSimulator {
    SalesforceSimulator::start(([127, 0, 0, 1], 0).into(), OrgConfig::e_learning().with_silent_failures(true))
        .await
        .expect("simulator")
}

/// Contacts and enrollments to `simulator`, verified at once and rechecked every second;
/// `extra` is more TOML for `[systems.salesforce.salesforce]` (e.g. `bulk_threshold = 3`).
pub fn config(simulator: &RunningSimulator, extra: &str) -> HubConfig {
    let text = format!(
        "[systems.salesforce]\nadapter = \"salesforce\"\n\
         [systems.salesforce.salesforce]\ntoken_url = \"{}/services/oauth2/token\"\n\
         client_id = \"switchyard-sandbox\"\nclient_secret = \"sandbox-secret\"\nallow_list = [\"127.0.0.0/8\"]\n\
         objects = [{{ object = \"Contact\", external_id_field = \"Legacy_Id__c\" }},\n\
                    {{ object = \"Enrollment__c\", external_id_field = \"Legacy_Id__c\" }},\n\
                    {{ object = \"Payment__c\", external_id_field = \"Legacy_Id__c\" }}]\n{extra}\n\
         [systems.salesforce.verification]\ndelay = \"0s\"\nrecheck = \"1s\"\n",
        simulator.base_url()
    );
    HubConfig::from_toml(&text).expect("config")
}

/// A worker step of its own: a new deliverer is what another hub (or a restarted one) has.
pub fn deliverer(store: &Store, config: &HubConfig) -> Arc<Deliverer> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let lanes = build_lanes(&routes(config), config).expect("lanes");
    Arc::new(Deliverer::new(store.clone(), lanes, "t".into(), LEASE, HubMetrics::new()))
}

/// A learner routed to Salesforce; without a country when `country` is false (what makes
/// the CRM's enrollment flow fail silently).
pub fn contact(n: usize, country: bool) -> NewEvent {
    let mut data = user_data(n);
    data["user_id"] = json!(format!("u-{n}"));
    if !country {
        data["address"].as_object_mut().expect("the fixture has an address").remove("country_code");
    }
    NewEvent {
        source: "legacy-export".into(),
        event_id: format!("user-{n}"),
        event_type: "user.migrated".into(),
        version: 1,
        time: Some(Utc::now()),
        data,
        legacy_id: Some(format!("L{n}")),
        routes: vec![Route { system: "salesforce".into(), mapping: "contact-from-user-migrated".into() }],
    }
}

/// An active enrollment of learner `n`, routed to Salesforce.
pub fn enrollment(n: usize) -> NewEvent {
    NewEvent {
        source: "legacy-export".into(),
        event_id: format!("enrollment-{n}"),
        event_type: "enrollment.created".into(),
        version: 2,
        time: Some(Utc::now()),
        data: json!({
            "enrollment_id": format!("e-{n}"), "user_id": format!("u-{n}"), "legacy_user_id": format!("L{n}"),
            "course_code": "PY-101", "status": "active", "enrolled_at": "2025-09-01T08:00:00Z",
            "price": {"amount": "149.00", "currency": "USD"}, "payment_method": "card"
        }),
        legacy_id: Some(format!("L{n}")),
        routes: vec![Route {
            system: "salesforce".into(),
            mapping: "enrollment-from-enrollment-created-v2".into(),
        }],
    }
}

/// A captured payment of learner `n` (two enrollments' worth), routed to Salesforce.
pub fn payment(n: usize) -> NewEvent {
    NewEvent {
        source: "legacy-export".into(),
        event_id: format!("payment-{n}"),
        event_type: "payment.captured".into(),
        version: 1,
        time: Some(Utc::now()),
        data: json!({
            "payment_id": format!("pay-{n}"), "user_id": format!("u-{n}"),
            "amount": {"amount": "298.50", "currency": "GBP"}, "method": "apple_pay",
            "captured_at": "2025-09-01T08:00:05Z", "order_ref": format!("ORD-{n}"), "enrollment_ids": [format!("e-{n}")]
        }),
        legacy_id: Some(format!("L{n}")),
        routes: vec![Route { system: "salesforce".into(), mapping: "payment-from-payment-captured".into() }],
    }
}

/// The state and last reason of the delivery of `event_id`.
pub async fn delivery(store: &Store, event_id: &str) -> (DeliveryState, String) {
    let trace = store.trace(event_id).await.unwrap();
    let delivery = &trace[0].deliveries[0].delivery;
    (delivery.state, delivery.last_reason.clone().unwrap_or_default())
}
