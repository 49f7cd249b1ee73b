//! Where the hub may listen: without API tokens (local mode) only on loopback.

use std::net::SocketAddr;

use super::auth::ApiTokens;

/// How requests are authenticated on an allowed address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccessMode {
    /// No tokens configured, loopback only: requests need no token.
    Local,
    /// Every request (but health probes) needs a bearer token with the route's role.
    Authenticated,
}

impl AccessMode {
    /// Says at start-up how the hub is reachable, so local mode is never a surprise.
    pub fn announce(self, addr: SocketAddr) {
        match self {
            Self::Local => tracing::warn!(
                %addr,
                "local mode: no API tokens configured, accepting requests without a token on loopback only"
            ),
            Self::Authenticated => tracing::info!(%addr, "API tokens configured: bearer tokens required"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BindError {
    #[error(
        "refusing to listen on {addr} without API tokens: configure tokens, or listen on a loopback \
         address (127.0.0.1, ::1) for local mode"
    )]
    NoTokensOffLoopback { addr: SocketAddr },
}

/// Whether the hub may listen on `addr` with these tokens. Pure; call it before binding.
pub fn bind_policy(addr: SocketAddr, tokens: &ApiTokens) -> Result<AccessMode, BindError> {
    match (tokens.is_local_mode(), addr.ip().is_loopback()) {
        (false, _) => Ok(AccessMode::Authenticated),
        (true, true) => Ok(AccessMode::Local),
        (true, false) => Err(BindError::NoTokensOffLoopback { addr }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::auth::{ApiToken, Role};

    #[test]
    fn without_tokens_only_loopback_is_allowed() {
        let local = ApiTokens::local();
        assert_eq!(bind_policy("127.0.0.1:8080".parse().unwrap(), &local), Ok(AccessMode::Local));
        assert_eq!(bind_policy("[::1]:8080".parse().unwrap(), &local), Ok(AccessMode::Local));
        assert!(bind_policy("0.0.0.0:8080".parse().unwrap(), &local).is_err());
        assert!(bind_policy("[::]:8080".parse().unwrap(), &local).is_err());
        assert!(bind_policy("10.1.2.3:8080".parse().unwrap(), &local).is_err());
        let tokens =
            ApiTokens::new(vec![ApiToken { name: "a".into(), token: "t".into(), roles: vec![Role::Ingest] }]);
        assert_eq!(bind_policy("0.0.0.0:8080".parse().unwrap(), &tokens), Ok(AccessMode::Authenticated));
    }
}
