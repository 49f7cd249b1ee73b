//! The simulator's HTTP server: shared state, the routes, and the two layers every
//! Salesforce response passes through (session + allowance check on data calls,
//! `Sforce-Limit-Info` on every response).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch, post};
use serde_json::Value;
use tokio::sync::oneshot;

use super::auth::{self, Sessions};
use super::automation::{self, AutomationState, Automations, UnknownAutomation};
use super::faults::FaultInjector;
use super::inspect::{self, SimStats};
use super::limits::ApiUsage;
use super::org_config::{FieldConfig, ObjectConfig, OrgConfig};
use super::rules_config::Trigger;
use super::store::{OrgStore, Undo, UpsertFailure, UpsertOutcome};
use super::wire_errors::ApiError;
use super::{composite, data_api, read_api};

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
        if let Some(locked) = self.faults.lock_row(&object.name) {
            return Err(UpsertFailure::Rejected(vec![locked]));
        }
        let saved = self.store.upsert(object, ext_field, ext_value, body)?;
        Ok(self.after_save(org, object, saved))
    }

    /// Creates one record as `POST /sobjects/{Object}` does: the lock fault, the rules, the flows.
    pub fn create(
        &mut self,
        org: &OrgConfig,
        object: &ObjectConfig,
        body: &serde_json::Map<String, Value>,
    ) -> Result<(UpsertOutcome, Vec<Undo>), UpsertFailure> {
        if let Some(locked) = self.faults.lock_row(&object.name) {
            return Err(UpsertFailure::Rejected(vec![locked]));
        }
        let saved = self.store.insert(object, body)?;
        Ok(self.after_save(org, object, saved))
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
        let org = Arc::new(org);
        let state = SimState {
            data: Arc::new(Mutex::new(OrgData::new(&org))),
            clock_offset: Arc::new(Mutex::new(Duration::ZERO)),
            base_url: format!("http://{addr}").into(),
            org,
        };
        let app = router(state.clone());
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
        .route("/services/data/{version}/query/{locator}", get(read_api::query_more))
        .route_layer(middleware::from_fn_with_state(state.clone(), require_session));
    Router::new()
        .route("/services/oauth2/token", post(auth::token))
        .merge(data)
        .merge(inspect::router())
        .fallback(|| async { ApiError::not_found() })
        .layer(middleware::from_fn_with_state(state.clone(), limit_info))
        .with_state(state)
}

/// The access token from `Authorization: Bearer <token>` (or the older `OAuth <token>`).
fn access_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    value.strip_prefix("Bearer ").or_else(|| value.strip_prefix("OAuth ")).map(str::trim)
}

/// Whether a path's API version looks like `v60.0`.
pub fn parse_version(version: &str) -> Option<f64> {
    let number = version.strip_prefix('v')?;
    let (major, minor) = number.split_once('.')?;
    if major.is_empty()
        || minor.is_empty()
        || !(major.chars().chain(minor.chars())).all(|c| c.is_ascii_digit())
    {
        return None;
    }
    number.parse().ok()
}

/// Data calls need a live session and room in the allowance; each one counts.
async fn require_session(State(state): State<SimState>, request: Request, next: Next) -> Response {
    let version_ok = request
        .uri()
        .path()
        .strip_prefix("/services/data/")
        .and_then(|rest| rest.split('/').next())
        .and_then(parse_version)
        .is_some();
    if !version_ok {
        return ApiError::not_found().into_response();
    }
    let now = state.now();
    {
        let mut data = state.lock();
        let live = access_token(request.headers()).is_some_and(|t| data.sessions.is_valid(t, now));
        if !live {
            data.refused_invalid_session += 1;
            return ApiError::session_invalid().into_response();
        }
        if data.faults.server_unavailable() {
            return ApiError::server_unavailable().into_response();
        }
        if !data.usage.try_count(now) {
            data.refused_limit += 1;
            return ApiError::limit_exceeded().into_response();
        }
    }
    let latency = state.org.faults.fixed_latency();
    if !latency.is_zero() {
        // The latency model, not a test waiting: off unless the org config sets it.
        tokio::time::sleep(latency).await;
    }
    next.run(request).await
}

/// Every response reports the org's API usage.
async fn limit_info(State(state): State<SimState>, request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let value = state.lock().usage.header_value(state.now());
    if let Ok(value) = HeaderValue::from_str(&value) {
        response.headers_mut().insert("sforce-limit-info", value);
    }
    response
}
