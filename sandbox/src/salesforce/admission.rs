//! The checks every data call passes before it runs — a live session, the seeded transport
//! faults (dropped connection, 503, timeout), the concurrent long-request limit and the daily
//! allowance — and the `Sforce-Limit-Info` header every response carries.

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::connection::ConnectionSwitch;
use super::server::{OrgData, SimState};
use super::wire_errors::ApiError;

/// The access token from `Authorization: Bearer <token>` (or the older `OAuth <token>`).
pub fn access_token(headers: &HeaderMap) -> Option<&str> {
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

/// A running data call: registered for the long-request limit until it ends, even when its
/// client goes away and the handler is dropped mid-way.
struct RunningCall {
    state: SimState,
    id: u64,
}

impl RunningCall {
    fn started(state: &SimState, data: &OrgData, id: u64) -> Self {
        state.running_calls.send_replace(data.long_requests.running());
        Self { state: state.clone(), id }
    }
}

impl Drop for RunningCall {
    fn drop(&mut self) {
        let mut data = self.state.lock();
        data.long_requests.finish(self.id);
        self.state.running_calls.send_replace(data.long_requests.running());
    }
}

/// What the checks decided for one data call.
enum Admission {
    Refused(Response),
    /// Runs; `held` answers only after the timeout fault's hold.
    Runs {
        call: RunningCall,
        held: bool,
    },
}

/// The checks before a data call runs, in Salesforce's order as far as a client can tell:
/// session, the seeded transport faults, the long-request limit, then the allowance.
fn admit(state: &SimState, switch: Option<&ConnectionSwitch>, token: Option<&str>) -> Admission {
    let now = state.now();
    let mut data = state.lock();
    if !token.is_some_and(|t| data.sessions.is_valid(t, now)) {
        data.refused_invalid_session += 1;
        return Admission::Refused(ApiError::session_invalid().into_response());
    }
    if data.faults.drop_connection() {
        if let Some(switch) = switch {
            switch.drop_connection();
        }
        // Never written: the connection is gone.
        return Admission::Refused(StatusCode::INTERNAL_SERVER_ERROR.into_response());
    }
    if data.faults.server_unavailable() {
        return Admission::Refused(ApiError::server_unavailable().into_response());
    }
    let Some(id) = data.long_requests.try_start(now) else {
        data.refused_long_requests += 1;
        return Admission::Refused(ApiError::long_requests_exceeded().into_response());
    };
    let call = RunningCall::started(state, &data, id);
    if !data.usage.try_count(now) {
        data.refused_limit += 1;
        drop(data);
        drop(call);
        return Admission::Refused(ApiError::limit_exceeded().into_response());
    }
    let held = data.faults.timeout();
    Admission::Runs { call, held }
}

/// Data calls need a live session and room in the limits; each one counts.
pub async fn require_session(State(state): State<SimState>, request: Request, next: Next) -> Response {
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
    let switch = request.extensions().get::<ConnectInfo<ConnectionSwitch>>().map(|info| &info.0);
    let (_call, held) = match admit(&state, switch, access_token(request.headers())) {
        Admission::Refused(response) => return response,
        Admission::Runs { call, held } => (call, held),
    };
    let latency = state.org.faults.fixed_latency();
    if !latency.is_zero() {
        // The latency model, not a test waiting: off unless the org config sets it.
        tokio::time::sleep(latency).await;
    }
    let response = next.run(request).await;
    if held {
        // The timeout fault: the call ran, its answer comes after the client stopped waiting.
        tokio::time::sleep(state.org.faults.timeout_hold()).await;
    }
    response
}

/// Every response reports the org's API usage.
pub async fn limit_info(State(state): State<SimState>, request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let value = state.lock().usage.header_value(state.now());
    if let Ok(value) = HeaderValue::from_str(&value) {
        response.headers_mut().insert("sforce-limit-info", value);
    }
    response
}
