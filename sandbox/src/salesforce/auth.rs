//! OAuth 2.0 at `/services/oauth2/token` — the client credentials flow and the JWT bearer flow
//! (checked in `jwt_bearer`) — and the sessions it hands out: opaque access tokens that expire
//! after the org's configured lifetime. Neither flow returns a refresh token.

use std::collections::HashMap;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::Form;
use axum::Json;
use axum::extract::State;
use axum::extract::rejection::FormRejection;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rand::Rng;
use rand::distr::Alphanumeric;
use secrecy::ExposeSecret;
use serde::Deserialize;
use serde_json::json;
use subtle::ConstantTimeEq;

use super::jwt_bearer;
use super::server::SimState;

/// The JWT bearer grant type (RFC 7523).
pub const JWT_BEARER: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

/// The org id the simulator reports (a Developer Edition-style `00D` id).
pub const ORG_ID: &str = "00D5g000004SIMAEAW";
/// The integration user's id.
pub const USER_ID: &str = "0055g00000SIMUSAAW";

/// Live access tokens and when each expires.
#[derive(Debug, Default)]
pub struct Sessions {
    expires_at: HashMap<String, Instant>,
}

impl Sessions {
    /// A new token valid for `lifetime` from `now`.
    pub fn issue(&mut self, now: Instant, lifetime: Duration) -> String {
        let random: String = rand::rng().sample_iter(&Alphanumeric).take(96).map(char::from).collect();
        // Salesforce tokens are `<org id>!<opaque>`.
        let token = format!("{}!{random}", &ORG_ID[..15]);
        self.expires_at.insert(token.clone(), now + lifetime);
        token
    }

    /// Whether `token` names a session that has not expired.
    pub fn is_valid(&mut self, token: &str, now: Instant) -> bool {
        match self.expires_at.get(token) {
            Some(expiry) if *expiry > now => true,
            Some(_) => {
                self.expires_at.remove(token);
                false
            }
            None => false,
        }
    }

    /// Ends every session, as a lapsed session timeout would.
    pub fn expire_all(&mut self) {
        self.expires_at.clear();
    }
}

/// The token request's form fields.
#[derive(Debug, Deserialize)]
pub struct TokenForm {
    grant_type: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
    assertion: Option<String>,
}

fn oauth_error(error: &str, description: &str) -> Response {
    (StatusCode::BAD_REQUEST, Json(json!({"error": error, "error_description": description}))).into_response()
}

/// Client id and secret from HTTP Basic, when given.
fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let encoded = value.strip_prefix("Basic ").or_else(|| value.strip_prefix("basic "))?;
    let decoded = STANDARD.decode(encoded.trim()).ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (id, secret) = text.split_once(':')?;
    Some((id.to_owned(), secret.to_owned()))
}

/// `POST /services/oauth2/token`.
pub async fn token(
    State(state): State<SimState>,
    headers: HeaderMap,
    form: Result<Form<TokenForm>, FormRejection>,
) -> Response {
    let Ok(Form(form)) = form else {
        return oauth_error("invalid_request", "the request body must be form encoded");
    };
    match form.grant_type.as_deref() {
        Some("client_credentials") => client_credentials(&state, &headers, form),
        Some(JWT_BEARER) => jwt_bearer_grant(&state, form),
        Some(_) => oauth_error("unsupported_grant_type", "grant type not supported"),
        None => oauth_error("invalid_request", "grant_type is required"),
    }
}

/// `grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer&assertion=<JWT>`.
fn jwt_bearer_grant(state: &SimState, form: TokenForm) -> Response {
    let Some(assertion) = form.assertion.filter(|a| !a.is_empty()) else {
        return oauth_error("invalid_request", "assertion is required");
    };
    match jwt_bearer::verify(&state.org, &assertion, &state.base_url, state.wall_now()) {
        Ok(_grant) => {
            tracing::debug!(org = %state.org.name, "issued an access token (JWT bearer)");
            token_response(state)
        }
        Err(refusal) => oauth_error(refusal.error(), refusal.description()),
    }
}

fn client_credentials(state: &SimState, headers: &HeaderMap, form: TokenForm) -> Response {
    let credentials = basic_credentials(headers).or(match (form.client_id, form.client_secret) {
        (Some(id), Some(secret)) => Some((id, secret)),
        _ => None,
    });
    let Some((client_id, client_secret)) = credentials else {
        return oauth_error("invalid_client_id", "client identifier invalid");
    };
    let Some(app) = state.org.connected_apps.iter().find(|a| a.client_id == client_id) else {
        return oauth_error("invalid_client_id", "client identifier invalid");
    };
    let secret_matches: bool =
        app.client_secret.expose_secret().as_bytes().ct_eq(client_secret.as_bytes()).into();
    if !secret_matches {
        return oauth_error("invalid_client", "invalid client credentials");
    }
    tracing::debug!(org = %state.org.name, "issued an access token (client credentials)");
    token_response(state)
}

/// A new session in Salesforce's token response shape.
fn token_response(state: &SimState) -> Response {
    let now = state.now();
    let lifetime = Duration::from_secs(state.org.token_lifetime_secs);
    let access_token = state.lock().sessions.issue(now, lifetime);
    let issued_at =
        SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis()).unwrap_or_default().to_string();
    let mut signature = [0u8; 32];
    rand::rng().fill(&mut signature);
    Json(json!({
        "access_token": access_token,
        "signature": STANDARD.encode(signature),
        "scope": "api",
        "instance_url": &*state.base_url,
        "id": format!("{}/id/{ORG_ID}/{USER_ID}", state.base_url),
        "token_type": "Bearer",
        "issued_at": issued_at,
    }))
    .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_expire_and_unknown_tokens_are_invalid() {
        let now = Instant::now();
        let mut sessions = Sessions::default();
        let token = sessions.issue(now, Duration::from_secs(60));
        assert!(token.starts_with("00D5g000004SIMA!"));
        assert!(sessions.is_valid(&token, now + Duration::from_secs(59)));
        assert!(!sessions.is_valid(&token, now + Duration::from_secs(60)));
        assert!(!sessions.is_valid("00D!nope", now));
    }
}
