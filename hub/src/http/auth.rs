//! Bearer-token authentication and roles. Tokens and their roles come from config; tokens are
//! compared in constant time and never logged. With no tokens configured the hub is in
//! *local mode*: every request is allowed, and [`super::bind_policy`] keeps it on loopback.
//!
//! Roles do not imply each other: a token holds exactly the roles listed for it.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use secrecy::ExposeSecret;
use subtle::ConstantTimeEq;

use super::problem::Problem;
use super::request_id::RequestId;

// Tokens and roles are the configuration's types: one definition, read from `[api]`.
pub use crate::config::{ApiToken, Role};

/// Who made a request, once authenticated (a request extension).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    /// Local mode: no tokens configured.
    Local,
    /// The name of the token presented.
    Token(String),
}

/// The configured tokens; empty means local mode.
#[derive(Debug, Clone, Default)]
pub struct ApiTokens {
    tokens: Arc<[ApiToken]>,
}

impl ApiTokens {
    pub fn new(tokens: Vec<ApiToken>) -> Self {
        Self { tokens: tokens.into() }
    }

    /// No tokens: local mode.
    pub fn local() -> Self {
        Self::default()
    }

    pub fn is_local_mode(&self) -> bool {
        self.tokens.is_empty()
    }

    /// The token matching `presented`. Every configured token is compared, in constant time
    /// per token, so timing says nothing about which one (or how much of one) matched.
    pub fn authenticate(&self, presented: &str) -> Option<&ApiToken> {
        let mut found = None;
        for token in self.tokens.iter() {
            let equal: bool = token.token.expose_secret().as_bytes().ct_eq(presented.as_bytes()).into();
            if equal && found.is_none() {
                found = Some(token);
            }
        }
        found
    }

    /// The roles of the token named `name` (token names are unique); none if there is no such token.
    pub fn roles_of(&self, name: &str) -> &[Role] {
        self.tokens.iter().find(|token| token.name == name).map_or(&[], |token| token.roles.as_slice())
    }
}

impl Caller {
    /// Whether this caller holds `role`; in local mode everyone holds every role.
    pub fn has_role(&self, tokens: &ApiTokens, role: Role) -> bool {
        match self {
            Self::Local => true,
            Self::Token(name) => tokens.roles_of(name).contains(&role),
        }
    }
}

/// Middleware state: the tokens and the roles a route accepts (any one of them will do).
#[derive(Debug, Clone)]
pub struct RoleGate {
    tokens: ApiTokens,
    roles: Arc<[Role]>,
}

impl RoleGate {
    /// A gate letting through tokens that hold `role`.
    pub fn new(tokens: ApiTokens, role: Role) -> Self {
        Self::any_of(tokens, &[role])
    }

    /// A gate letting through tokens that hold at least one of `roles` (e.g. reads open to
    /// `viewer` and `ops`).
    pub fn any_of(tokens: ApiTokens, roles: &[Role]) -> Self {
        Self { tokens, roles: roles.into() }
    }

    /// The caller if allowed, or why not.
    fn check(&self, authorization: Option<&str>) -> Result<Caller, AuthRefusal> {
        if self.tokens.is_local_mode() {
            return Ok(Caller::Local);
        }
        let authorization = authorization.ok_or(AuthRefusal::MissingToken)?;
        let presented = authorization
            .split_once(' ')
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, token)| token.trim());
        let token = presented
            .and_then(|presented| self.tokens.authenticate(presented))
            .ok_or(AuthRefusal::InvalidToken)?;
        if !self.roles.iter().any(|role| token.roles.contains(role)) {
            let needed = role_list(&self.roles);
            tracing::info!(token = %token.name, %needed, "token lacks the role");
            return Err(AuthRefusal::MissingRole(needed));
        }
        Ok(Caller::Token(token.name.clone()))
    }
}

/// "`ops`", "`viewer` or `ops`": the roles as a refusal names them.
fn role_list(roles: &[Role]) -> String {
    let names: Vec<String> = roles.iter().map(|role| format!("`{role}`")).collect();
    match names.split_last() {
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        None => "no".to_owned(),
    }
}

/// Why a request was not let through: 401 without a valid bearer token, 403 without the role.
#[derive(Debug, Clone, PartialEq, Eq)]
enum AuthRefusal {
    MissingToken,
    InvalidToken,
    /// The roles that would do, as [`role_list`] names them.
    MissingRole(String),
}

impl AuthRefusal {
    fn code(&self) -> &'static str {
        match self {
            Self::MissingToken => "auth.missing-token",
            Self::InvalidToken => "auth.invalid-token",
            Self::MissingRole(_) => "auth.forbidden",
        }
    }

    fn into_problem(self) -> Problem {
        match self {
            Self::MissingToken => Problem::new(
                StatusCode::UNAUTHORIZED,
                self.code(),
                "this endpoint needs `Authorization: Bearer <token>`",
            ),
            Self::InvalidToken => {
                Problem::new(StatusCode::UNAUTHORIZED, self.code(), "the bearer token is not valid")
            }
            Self::MissingRole(ref roles) => Problem::new(
                StatusCode::FORBIDDEN,
                self.code(),
                format!("this operation needs the {roles} role"),
            ),
        }
    }
}

/// Middleware enforcing a [`RoleGate`]; puts the [`Caller`] in the request's extensions.
pub async fn require_role(State(gate): State<RoleGate>, mut request: Request, next: Next) -> Response {
    let authorization = request.headers().get(header::AUTHORIZATION).and_then(|value| value.to_str().ok());
    match gate.check(authorization) {
        Ok(caller) => {
            request.extensions_mut().insert(caller);
            next.run(request).await
        }
        Err(refusal) => refusal.into_problem().with_request_id(&RequestId::of(&request)).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens() -> ApiTokens {
        ApiTokens::new(vec![
            ApiToken { name: "loader".into(), token: "s3cret-ingest".into(), roles: vec![Role::Ingest] },
            ApiToken { name: "ops".into(), token: "s3cret-ops".into(), roles: vec![Role::Ops, Role::Viewer] },
        ])
    }

    fn code(result: Result<Caller, AuthRefusal>) -> &'static str {
        result.map_or_else(|refusal| refusal.code(), |_| "ok")
    }

    #[test]
    fn a_gate_needs_a_valid_token_with_the_role() {
        let gate = RoleGate::new(tokens(), Role::Ingest);
        assert_eq!(gate.check(Some("Bearer s3cret-ingest")), Ok(Caller::Token("loader".into())));
        assert_eq!(gate.check(Some("bearer s3cret-ingest")), Ok(Caller::Token("loader".into())));
        assert_eq!(code(gate.check(None)), "auth.missing-token");
        assert_eq!(code(gate.check(Some("Bearer nope"))), "auth.invalid-token");
        assert_eq!(code(gate.check(Some("Basic s3cret-ingest"))), "auth.invalid-token");
        assert_eq!(code(gate.check(Some("Bearer s3cret-ops"))), "auth.forbidden");
    }

    #[test]
    fn a_gate_for_several_roles_takes_any_of_them() {
        let reads = RoleGate::any_of(tokens(), &[Role::Viewer, Role::Ops]);
        assert_eq!(reads.check(Some("Bearer s3cret-ops")), Ok(Caller::Token("ops".into())));
        let refused = reads.check(Some("Bearer s3cret-ingest")).unwrap_err();
        let body = serde_json::to_value(refused.into_problem()).unwrap();
        assert_eq!(body["detail"], "this operation needs the `viewer` or `ops` role");
        let single = RoleGate::new(tokens(), Role::Integration).check(Some("Bearer s3cret-ops")).unwrap_err();
        assert_eq!(single, AuthRefusal::MissingRole("`integration`".into()));
    }

    #[test]
    fn a_caller_has_the_roles_of_its_token() {
        let tokens = tokens();
        let ops = Caller::Token("ops".into());
        assert!(ops.has_role(&tokens, Role::Ops) && ops.has_role(&tokens, Role::Viewer));
        assert!(!Caller::Token("loader".into()).has_role(&tokens, Role::Ops));
        assert!(!Caller::Token("gone".into()).has_role(&tokens, Role::Viewer));
        assert!(Caller::Local.has_role(&ApiTokens::local(), Role::Ops));
    }

    #[test]
    fn local_mode_lets_everyone_in() {
        let gate = RoleGate::new(ApiTokens::local(), Role::Ops);
        assert_eq!(gate.check(None), Ok(Caller::Local));
    }

    #[test]
    fn roles_read_from_config_in_lowercase() {
        let token: ApiToken =
            serde_json::from_str(r#"{"name": "ci", "token": "t", "roles": ["ingest", "viewer"]}"#).unwrap();
        assert_eq!(token.roles, vec![Role::Ingest, Role::Viewer]);
        assert!(!format!("{token:?}").contains("\"t\""), "the secret is redacted in Debug");
    }
}
