//! An in-process delivery set-up: a ledger, the shipped routes, and the `lms` webhook system
//! pointed at a real receiver on loopback, with the worker's step function to drive.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use serde_json::{Value, json};
use switchyard::config::HubConfig;
use switchyard::delivery::{Deliverer, build_lanes};
use switchyard::metrics::HubMetrics;
use switchyard::routing::Routes;
use switchyard::store::{NewEvent, Route, Store};
use switchyard_contracts::Catalog;
use switchyard_dependency_map::DependencyMap;
use switchyard_sandbox::WebhookReceiver;

pub const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
pub const LEASE: Duration = Duration::from_secs(30);

/// `[systems.lms]` pointed at `receiver`, plus `extra` TOML (delivery or circuit overrides).
pub fn lms_config(receiver: &WebhookReceiver, extra: &str) -> HubConfig {
    let text = format!(
        "[systems.lms]\nadapter = \"webhook\"\n\
         [systems.lms.webhook]\nurl = \"{}\"\nsecrets = [\"{SECRET}\"]\nallow_list = [\"127.0.0.0/8\"]\n\
         rate_limit_per_second = 10000\ntimeout_ms = 5000\n{extra}",
        receiver.url()
    );
    HubConfig::from_toml(&text).expect("test configuration")
}

pub fn routes(config: &HubConfig) -> Routes {
    let catalog = Catalog::load(Catalog::shipped_root()).expect("shipped catalog");
    let map = DependencyMap::load(DependencyMap::shipped_root()).expect("shipped map");
    Routes::build(&map, &catalog, config).expect("routes")
}

pub fn deliverer(store: &Store, config: &HubConfig) -> Arc<Deliverer> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let lanes = build_lanes(&routes(config), config).expect("lanes");
    Arc::new(Deliverer::new(store.clone(), lanes, "test-hub".into(), LEASE, HubMetrics::new()))
}

pub async fn receiver() -> WebhookReceiver {
    WebhookReceiver::start(([127, 0, 0, 1], 0).into(), &SECRET.into()).await.expect("receiver")
}

/// A `user.migrated@v1` event as the lms mapping reads it, routed to lms only.
pub fn migrated_user(n: usize) -> NewEvent {
    NewEvent {
        source: "legacy-export".into(),
        event_id: format!("user-{n}"),
        event_type: "user.migrated".into(),
        version: 1,
        time: Some(Utc::now()),
        data: user_data(n),
        legacy_id: Some(format!("L{n}")),
        routes: vec![Route { system: "lms".into(), mapping: "learner-from-user-migrated".into() }],
    }
}

/// The `data` of the shipped `user.migrated@v1` fixture, with its ids made unique.
pub fn user_data(n: usize) -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../contracts/catalog/systems/lms/fixtures/learner-from-user-migrated.json");
    let cases: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(path).expect("fixture")).expect("json");
    let mut data = cases[0]["event"]["data"].clone();
    data["legacy_id"] = json!(format!("L{n}"));
    data["email"] = json!(format!("learner{n}@example.com"));
    data
}
