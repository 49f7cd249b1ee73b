//! Running waves in-process: a generated legacy export imported into a fresh SQLite ledger,
//! the hub (`serve_until`) on loopback delivering to the Salesforce simulator and an LMS
//! webhook receiver, a wave planned from the import, and waiting for the wave's state.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use serde_json::Value;
use switchyard::config::HubConfig;
use switchyard::legacy::import_export;
use switchyard::routing::Routes;
use switchyard::serve::{InProcessHub, open_ledger};
use switchyard::store::{CohortFilter, Store, WaveRun};
use switchyard::waves::WaveControl;
use switchyard_contracts::Catalog;
use switchyard_dependency_map::DependencyMap;
use switchyard_sandbox::legacy::{
    CaseClass, GenerateOptions, LegacyExport, MigrateOptions, generate_into_dir,
};
use switchyard_sandbox::{RunningSimulator, WebhookReceiver};

use super::hub::SECRET;

/// How long a test waits for a wave to reach a state before failing.
pub const PATIENCE: Duration = Duration::from_secs(90);

/// A generated export of `users` (edge cases only of `classes`, at `edge_share`), imported.
pub async fn import(dir: &Path, users: u64, seed: u64, classes: &[CaseClass], edge_share: f64) {
    let export = dir.join("export");
    let options = GenerateOptions::new(users, seed, edge_share).only(classes);
    generate_into_dir(&options, &export).expect("generate");
    let config = config_in(dir, "");
    let store = open_ledger(&config).await.expect("ledger");
    let catalog = Catalog::load(Catalog::shipped_root()).expect("catalog");
    import_export(&store, catalog, LegacyExport::in_dir(&export), MigrateOptions::new(Utc::now()))
        .await
        .expect("import");
    store.close().await;
}

/// The hub's configuration for a data directory, with `extra` TOML.
pub fn config_in(dir: &Path, extra: &str) -> HubConfig {
    let mut config = HubConfig::from_toml(extra).expect("test configuration");
    config.data_dir = dir.to_owned();
    config.listen = SocketAddr::from(([127, 0, 0, 1], 0));
    config
}

/// `[systems.salesforce]` at `simulator` (verified at once, rechecked every second) and
/// `[systems.lms]` at `receiver`, quick retries, a fast wave tick, and `extra` TOML.
pub fn systems_toml(simulator: &RunningSimulator, receiver: &WebhookReceiver, extra: &str) -> String {
    format!(
        "[delivery]\nretry_schedule = [\"200ms\", \"200ms\", \"200ms\"]\nlinger_ms = 5\n\
         [workers]\nsweep_interval = \"200ms\"\npoll_interval = \"20ms\"\nlease = \"10s\"\n\
         [systems.salesforce]\nadapter = \"salesforce\"\n\
         [systems.salesforce.salesforce]\ntoken_url = \"{}/services/oauth2/token\"\n\
         client_id = \"switchyard-sandbox\"\nclient_secret = \"sandbox-secret\"\nallow_list = [\"127.0.0.0/8\"]\n\
         objects = [{{ object = \"Contact\", external_id_field = \"Legacy_Id__c\" }},\n\
                    {{ object = \"Enrollment__c\", external_id_field = \"Legacy_Id__c\" }},\n\
                    {{ object = \"Payment__c\", external_id_field = \"Legacy_Id__c\" }}]\n\
         [systems.salesforce.verification]\ndelay = \"0s\"\nrecheck = \"300ms\"\n\
         [systems.lms]\nadapter = \"webhook\"\n\
         [systems.lms.webhook]\nurl = \"{}\"\nsecrets = [\"{SECRET}\"]\nallow_list = [\"127.0.0.0/8\"]\n\
         rate_limit_per_second = 10000\ntimeout_ms = 5000\n{extra}",
        simulator.base_url(),
        receiver.url()
    )
}

/// A hub running in this process until stopped.
pub struct RunningHub {
    pub url: String,
    hub: InProcessHub,
}

impl RunningHub {
    pub async fn start(config: HubConfig) -> RunningHub {
        let hub = InProcessHub::start(config).await.expect("the hub starts");
        RunningHub { url: hub.url(), hub }
    }

    /// A graceful stop.
    pub async fn stop(self) {
        self.hub.stop().await.expect("the hub ran and stopped");
    }
}

/// Actions on waves, as the CLI and the API take them.
pub async fn control(config: &HubConfig) -> WaveControl {
    let store = open_ledger(config).await.expect("ledger");
    let catalog = Arc::new(Catalog::load(Catalog::shipped_root()).expect("catalog"));
    let map = DependencyMap::load(DependencyMap::shipped_root()).expect("map");
    let routes = Routes::build(&map, &catalog, config).map(Arc::new);
    WaveControl::new(store, catalog, Arc::new(map), routes, Duration::from_secs(3600))
}

/// Plans wave `name` of every imported user (or `share` of them).
pub async fn plan(store: &Store, name: &str, share: Option<f64>) -> i64 {
    let filter = CohortFilter { share, ..CohortFilter::default() };
    store.plan_wave(name, "test", &filter, "tester").await.expect("plan").users
}

/// Starts wave `name` through the gates a test set-up cannot pass (no replay recorded, no
/// sign-off), as ops would with a recorded override.
pub async fn start_overriding(control: &WaveControl, name: &str) {
    let gates = control.gates(name).await.expect("gates");
    let failing: Vec<String> = gates.failing().map(|gate| gate.gate.to_owned()).collect();
    control.start(name, "tester", &failing, Some("test set-up: no replay, no owners")).await.expect("start");
}

/// Waits until wave `name` is in `state`, reading the ledger between the hub's ticks.
pub async fn wait_for_state(store: &Store, name: &str, state: &str) -> WaveRun {
    wait_for(store, name, |run| run.state == state).await
}

/// Waits until `done` holds for wave `name`.
pub async fn wait_for(store: &Store, name: &str, done: impl Fn(&WaveRun) -> bool) -> WaveRun {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        let run = store.wave_run(name).await.expect("read wave").expect("wave exists");
        if done(&run) {
            return run;
        }
        assert!(tokio::time::Instant::now() < deadline, "wave {name} never got there: {run:?}");
        // The state is in another task's ledger writes: there is no event to await here.
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A JSON endpoint on loopback recording what is POSTed to it (the ops webhook).
pub struct OpsEndpoint {
    pub url: String,
    pub received: Arc<Mutex<Vec<Value>>>,
    notify: Arc<tokio::sync::Notify>,
}

impl OpsEndpoint {
    pub async fn start() -> OpsEndpoint {
        use axum::routing::post;
        let received = Arc::new(Mutex::new(Vec::new()));
        let notify = Arc::new(tokio::sync::Notify::new());
        let (sink, woken) = (Arc::clone(&received), Arc::clone(&notify));
        let app = axum::Router::new().route(
            "/ops",
            post(move |axum::Json(body): axum::Json<Value>| async move {
                sink.lock().unwrap().push(body);
                woken.notify_waiters();
                axum::http::StatusCode::NO_CONTENT
            }),
        );
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await.expect("bind");
        let url = format!("http://{}/ops", listener.local_addr().expect("addr"));
        tokio::spawn(async move { axum::serve(listener, app).await });
        OpsEndpoint { url, received, notify }
    }

    /// Waits for the first notice.
    pub async fn first(&self) -> Value {
        loop {
            let notified = self.notify.notified();
            if let Some(first) = self.received.lock().unwrap().first().cloned() {
                return first;
            }
            tokio::time::timeout(PATIENCE, notified).await.expect("an ops notice");
        }
    }
}
