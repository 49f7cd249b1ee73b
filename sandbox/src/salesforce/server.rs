//! The simulator's HTTP server: shared state, the routes, and the two layers every
//! Salesforce response passes through (`admission`: session, faults and limits on data calls,
//! `Sforce-Limit-Info` on every response).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::Router;
use axum::middleware;
use axum::routing::{get, patch, post};
use serde_json::Value;
use tokio::sync::{oneshot, watch};

pub use super::admission::parse_version;
use super::auth::{self, Sessions};
use super::automation::{self, AutomationState, Automations, UnknownAutomation};
use super::bulk_job::{BulkJobSummary, BulkJobs, JobState};
use super::connection::{ConnectionSwitch, DroppableListener};
use super::faults::FaultInjector;
use super::inspect::{self, SimStats};
use super::limits::{ApiUsage, LongRequests};
use super::org_config::{FieldConfig, ObjectConfig, OrgConfig};
use super::rules_config::Trigger;
use super::store::{OrgStore, Undo, UpsertFailure, UpsertOutcome, WriteKey};
use super::wire_errors::ApiError;
use super::{admission, bulk_api, composite, data_api, read_api};

/// Everything the org holds while it runs.
#[derive(Debug)]
pub struct OrgData {
    pub store: OrgStore,
    pub sessions: Sessions,
    pub usage: ApiUsage,
    /// Open query cursors: locator -> every record of the result.
    pub cursors: HashMap<String, Vec<Value>>,
    pub next_cursor: u64,
    /// Data calls refused for a missing, unknown or expired session.
    pub refused_invalid_session: u64,
    /// Data calls refused because the allowance was spent.
    pub refused_limit: u64,
    /// The CRM flows' switches and counters.
    pub automations: Automations,
    /// Seeded faults.
    pub faults: FaultInjector,
    /// Bulk API 2.0 ingest jobs.
    pub bulk: BulkJobs,
    /// The data calls running now, for the concurrent long-request limit.
    pub long_requests: LongRequests,
    /// Data calls refused with `ConcurrentPerOrgLongTxn`.
    pub refused_long_requests: u64,
}

impl OrgData {
    fn new(org: &Arc<OrgConfig>) -> Self {
        Self {
            store: OrgStore::new(Arc::clone(org)),
            sessions: Sessions::default(),
            usage: ApiUsage::new(org.daily_api_limit, Duration::from_secs(org.api_window_secs)),
            cursors: HashMap::new(),
            next_cursor: 1,
            refused_invalid_session: 0,
            refused_limit: 0,
            automations: Automations::new(org),
            faults: FaultInjector::new(&org.faults),
            bulk: BulkJobs::default(),
            long_requests: LongRequests::new(
                org.max_long_requests,
                Duration::from_millis(org.long_request_threshold_ms),
            ),
            refused_long_requests: 0,
        }
    }

    /// Upserts one record as a client's write does: the seeded lock fault, the org's rules,
    /// then the flows the save triggers. Returns how to undo all of it.
    pub fn save(
        &mut self,
        org: &OrgConfig,
        object: &ObjectConfig,
        ext_field: &FieldConfig,
        ext_value: &str,
        body: &serde_json::Map<String, Value>,
    ) -> Result<(UpsertOutcome, Vec<Undo>), UpsertFailure> {
        self.save_keyed(org, object, WriteKey::ExternalId { field: ext_field, value: ext_value }, body)
    }

    /// [`OrgData::save`] for any write: upsert by external id, insert, or update by id (Bulk jobs).
    pub fn save_keyed(
        &mut self,
        org: &OrgConfig,
        object: &ObjectConfig,
        key: WriteKey<'_>,
        body: &serde_json::Map<String, Value>,
    ) -> Result<(UpsertOutcome, Vec<Undo>), UpsertFailure> {
        if let Some(locked) = self.faults.lock_row(&object.name) {
            return Err(UpsertFailure::Rejected(vec![locked]));
        }
        let saved = self.store.write(object, key, body)?;
        Ok(self.after_save(org, object, saved))
    }

    /// Creates one record as `POST /sobjects/{Object}` does: the lock fault, the rules, the flows.
    pub fn create(
        &mut self,
        org: &OrgConfig,
        object: &ObjectConfig,
        body: &serde_json::Map<String, Value>,
    ) -> Result<(UpsertOutcome, Vec<Undo>), UpsertFailure> {
        self.save_keyed(org, object, WriteKey::New, body)
    }

    /// Runs the flows a save triggers; the undo list takes back the save and their effects.
    fn after_save(
        &mut self,
        org: &OrgConfig,
        object: &ObjectConfig,
        (outcome, undo): (UpsertOutcome, Undo),
    ) -> (UpsertOutcome, Vec<Undo>) {
        let (id, trigger) = match &outcome {
            UpsertOutcome::Created { id } => (id.clone(), Trigger::Insert),
            UpsertOutcome::Updated { id } => (id.clone(), Trigger::Update),
        };
        let mut undos = vec![undo];
        undos.extend(automation::after_save(
            &mut self.store,
            org,
            &mut self.automations,
            object,
            &id,
            trigger,
        ));
        (outcome, undos)
    }
}

/// The handlers' shared state.
#[derive(Debug, Clone)]
pub struct SimState {
    pub org: Arc<OrgConfig>,
    /// `http://127.0.0.1:<port>`: the token response's `instance_url`.
    pub base_url: Arc<str>,
    data: Arc<Mutex<OrgData>>,
    /// How far the org's clock runs ahead of the machine's: tests and rehearsals move time on
    /// (token expiry, the rolling API window) instead of waiting for it.
    clock_offset: Arc<Mutex<Duration>>,
    /// How many data calls are running, published for tests that wait for a call to be under
    /// way instead of sleeping.
    pub(crate) running_calls: Arc<watch::Sender<usize>>,
}

impl SimState {
    /// The org's time: the machine's plus whatever `advance_clock` added.
    pub fn now(&self) -> Instant {
        let offset = *self.clock_offset.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        Instant::now() + offset
    }

    /// The org's wall clock (what a JWT's `exp` is compared with), moved on like `now`.
    pub fn wall_now(&self) -> std::time::SystemTime {
        let offset = *self.clock_offset.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        std::time::SystemTime::now() + offset
    }

    pub fn lock(&self) -> MutexGuard<'_, OrgData> {
        // A poisoned lock only means a handler panicked while holding it; the data stays usable.
        self.data.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Forgets records, sessions, cursors and API usage.
    pub fn reset(&self) {
        *self.lock() = OrgData::new(&self.org);
    }
}

/// Why the simulator could not start.
#[derive(Debug, thiserror::Error)]
pub enum SimulatorError {
    #[error("cannot listen on {addr}")]
    Bind {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
}

/// A Salesforce org simulator speaking the REST wire format on loopback.
#[derive(Debug)]
pub struct SalesforceSimulator;

impl SalesforceSimulator {
    /// Starts serving `org` on `listen` (port 0 picks a free port).
    pub async fn start(listen: SocketAddr, org: OrgConfig) -> Result<RunningSimulator, SimulatorError> {
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .map_err(|source| SimulatorError::Bind { addr: listen, source })?;
        let addr = listener.local_addr().map_err(|source| SimulatorError::Bind { addr: listen, source })?;
        // Connections a handler can drop without answering (the dropped-connection fault).
        let listener = DroppableListener(listener);
        let org = Arc::new(org);
        let state = SimState {
            data: Arc::new(Mutex::new(OrgData::new(&org))),
            clock_offset: Arc::new(Mutex::new(Duration::ZERO)),
            running_calls: Arc::new(watch::Sender::new(0)),
            base_url: format!("http://{addr}").into(),
            org,
        };
        let app = router(state.clone()).into_make_service_with_connect_info::<ConnectionSwitch>();
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let served = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await;
            if let Err(err) = served {
                tracing::error!(error = %err, "salesforce simulator stopped");
            }
        });
        tracing::info!(org = %state.org.name, base_url = %state.base_url, "salesforce simulator listening");
        Ok(RunningSimulator { addr, state, stop: Some(stop), task })
    }
}

/// A started simulator; stops when dropped or on [`RunningSimulator::shutdown`].
#[derive(Debug)]
pub struct RunningSimulator {
    addr: SocketAddr,
    state: SimState,
    stop: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl RunningSimulator {
    /// Moves the org's clock on by `by`: tokens, the rolling API window and JWT assertions'
    /// `exp` age as if that much time had passed (a client signing with the machine's clock
    /// then sends assertions the org sees as old).
    pub fn advance_clock(&self, by: Duration) {
        let mut offset = self.state.clock_offset.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        *offset += by;
    }

    /// Where the org answers (also the token response's `instance_url`).
    pub fn base_url(&self) -> &str {
        &self.state.base_url
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The org being played.
    pub fn org(&self) -> &OrgConfig {
        &self.state.org
    }

    /// The records of `object` as a query would return them (with `Id`), oldest first.
    pub fn records(&self, object: &str) -> Vec<serde_json::Map<String, Value>> {
        inspect::records_json(&self.state, object)
    }

    /// Counters: API calls, refusals, records per object.
    pub fn stats(&self) -> SimStats {
        inspect::stats(&self.state)
    }

    /// Forgets records, sessions, cursors and API usage.
    pub fn reset(&self) {
        self.state.reset();
    }

    /// Deletes every record of `object` (e.g. the CRM team clearing its `Flow_Error__c` log
    /// after fixing a flow); returns how many there were.
    pub fn delete_records(&self, object: &str) -> usize {
        self.state.lock().store.clear_object(object)
    }

    /// Activates or deactivates one of the org's automations (flows) while it runs.
    pub fn set_automation_active(&self, name: &str, active: bool) -> Result<(), UnknownAutomation> {
        self.state.lock().automations.set_active(name, active)
    }

    /// Turns an automation's silent failure on (the flow as the CRM team changed it) or off.
    pub fn set_automation_fails_silently(&self, name: &str, on: bool) -> Result<(), UnknownAutomation> {
        self.state.lock().automations.set_fail_silently(name, on)
    }

    /// Every automation's switches and counters.
    pub fn automations(&self) -> Vec<AutomationState> {
        self.state.lock().automations.states()
    }

    /// The org's Bulk API ingest jobs, oldest first.
    pub fn bulk_jobs(&self) -> Vec<BulkJobSummary> {
        self.state.lock().bulk.all().map(|job| job.summary()).collect()
    }

    /// Waits until Bulk job `id` ends (JobComplete, Failed or Aborted) and returns that state;
    /// `None` for an unknown job, or one deleted or reset away while waited on.
    pub async fn job_finished(&self, id: &str) -> Option<JobState> {
        let mut changes = self.state.lock().bulk.get(id)?.subscribe();
        changes.wait_for(|state| state.is_final()).await.ok().map(|state| *state)
    }

    /// Waits until at least `count` data calls are running (e.g. held by latency or a timeout
    /// fault), so a test can act while they are under way.
    pub async fn wait_for_running_calls(&self, count: usize) {
        let mut running = self.state.running_calls.subscribe();
        // The sender lives as long as the state, so this only ends when the count is reached.
        let _ = running.wait_for(|now| *now >= count).await;
    }

    /// Replaces the seeded fault rates and seed while the org runs (counters start again; the
    /// latency model and the timeout hold stay as the org config set them).
    pub fn set_fault_rates(&self, faults: &super::faults::FaultConfig) {
        self.state.lock().faults = FaultInjector::new(faults);
    }

    /// Ends every session, as if the session timeout had passed.
    pub fn expire_sessions(&self) {
        self.state.lock().sessions.expire_all();
    }

    /// Stops serving and waits for the server task to end.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = (&mut self.task).await;
    }
}

impl Drop for RunningSimulator {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

fn router(state: SimState) -> Router {
    let data = Router::new()
        .route("/services/data/{version}/sobjects/{object}/describe", get(read_api::describe))
        .route("/services/data/{version}/sobjects/{object}/{field}/{value}", patch(data_api::upsert_one))
        .route(
            "/services/data/{version}/composite/sobjects/{object}/{field}",
            patch(data_api::upsert_collection),
        )
        .route("/services/data/{version}/sobjects/{object}", post(data_api::create))
        .route("/services/data/{version}/composite", post(composite::composite))
        .route("/services/data/{version}/query", get(read_api::query))
        // simple-salesforce asks for `query/?q=`: Salesforce answers both spellings.
        .route("/services/data/{version}/query/", get(read_api::query))
        .route("/services/data/{version}/query/{locator}", get(read_api::query_more))
        .merge(bulk_api::routes())
        .route_layer(middleware::from_fn_with_state(state.clone(), admission::require_session));
    Router::new()
        .route("/services/oauth2/token", post(auth::token))
        .merge(data)
        .merge(inspect::router())
        .fallback(|| async { ApiError::not_found() })
        .layer(middleware::from_fn_with_state(state.clone(), admission::limit_info))
        .with_state(state)
}
