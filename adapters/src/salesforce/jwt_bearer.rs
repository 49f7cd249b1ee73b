//! The OAuth 2.0 JWT bearer flow (RFC 7523), which the oauth2 crate does not offer: an RS256
//! assertion with `iss` (consumer key), `sub` (username), `aud` (login URL) and `exp`
//! (now + 3 minutes), exchanged at the token URL. Salesforce returns no refresh token: a new
//! assertion is signed whenever a new session is needed.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use jsonwebtoken::{Algorithm, Header};
use serde::{Deserialize, Serialize};
use url::Url;

use crate::salesforce::classify::TokenFailure;
use crate::salesforce::credentials::SigningKey;

/// The grant type the token endpoint is asked for.
pub const GRANT_TYPE: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";
/// How long an assertion is valid: Salesforce asks for at most 3 minutes.
pub const ASSERTION_LIFETIME: Duration = Duration::from_secs(180);

/// What the flow needs to sign and send an assertion.
#[derive(Debug)]
pub struct JwtBearer {
    token_url: Url,
    client_id: String,
    username: String,
    audience: String,
    key: SigningKey,
}

#[derive(Debug, Serialize)]
struct Claims<'a> {
    iss: &'a str,
    sub: &'a str,
    aud: &'a str,
    exp: u64,
}

#[derive(Debug, Deserialize)]
struct TokenOut {
    access_token: String,
    instance_url: String,
}

#[derive(Debug, Deserialize)]
struct OAuthErrorOut {
    error: String,
}

impl JwtBearer {
    pub fn new(token_url: &Url, client_id: &str, username: &str, audience: &str, key: &SigningKey) -> Self {
        Self {
            token_url: token_url.clone(),
            client_id: client_id.to_owned(),
            username: username.to_owned(),
            audience: audience.to_owned(),
            key: key.clone(),
        }
    }

    /// A signed assertion valid from `now` for [`ASSERTION_LIFETIME`].
    pub fn assertion(&self, now: SystemTime) -> Result<String, TokenFailure> {
        let exp = (now + ASSERTION_LIFETIME).duration_since(UNIX_EPOCH).map_err(|_| TokenFailure::Signing)?;
        let claims =
            Claims { iss: &self.client_id, sub: &self.username, aud: &self.audience, exp: exp.as_secs() };
        jsonwebtoken::encode(&Header::new(Algorithm::RS256), &claims, self.key.key())
            .map_err(|_| TokenFailure::Signing)
    }

    /// Exchanges a fresh assertion for (access token, instance URL).
    pub async fn fetch(&self, http: &reqwest::Client) -> Result<(String, String), TokenFailure> {
        let assertion = self.assertion(SystemTime::now())?;
        let sent = http
            .post(self.token_url.clone())
            .header(reqwest::header::ACCEPT, "application/json")
            .form(&[("grant_type", GRANT_TYPE), ("assertion", assertion.as_str())])
            .send()
            .await;
        let response = sent.map_err(|err| transport_failure(&err))?;
        let status = response.status();
        if matches!(status.as_u16(), 408 | 429) || status.is_server_error() {
            return Err(TokenFailure::Unavailable { status: status.as_u16() });
        }
        let body = response.bytes().await.map_err(|err| transport_failure(&err))?;
        if status.is_success() {
            let token: TokenOut = serde_json::from_slice(&body).map_err(|_| TokenFailure::Unreadable)?;
            return Ok((token.access_token, token.instance_url));
        }
        // Only the OAuth error code: descriptions may echo what was sent.
        let refused: OAuthErrorOut = serde_json::from_slice(&body).map_err(|_| TokenFailure::Unreadable)?;
        Err(TokenFailure::Refused { error: refused.error })
    }
}

fn transport_failure(err: &reqwest::Error) -> TokenFailure {
    if err.is_timeout() {
        TokenFailure::Timeout
    } else if err.is_connect() {
        TokenFailure::Connect
    } else {
        TokenFailure::Unreadable
    }
}

#[cfg(test)]
mod tests {
    use secrecy::SecretString;

    use super::*;

    const TEST_KEY: &str = include_str!("../../../sandbox/orgs/keys/sandbox-test-only.key.pem");

    #[test]
    fn the_assertion_carries_salesforces_claims_and_expires_in_three_minutes() {
        let key = SigningKey::from_pem(&SecretString::from(TEST_KEY)).expect("the sandbox test key parses");
        let token_url = Url::parse("https://login.salesforce.com/services/oauth2/token").expect("url");
        let flow =
            JwtBearer::new(&token_url, "app-key", "ops@acme.example", "https://test.salesforce.com", &key);
        let now = SystemTime::now();
        let assertion = flow.assertion(now).expect("signs");
        let header = jsonwebtoken::decode_header(&assertion).expect("a JWT");
        assert_eq!(header.alg, Algorithm::RS256);
        // Read back without the certificate: the simulator's tests verify the signature.
        let claims: serde_json::Value =
            jsonwebtoken::dangerous::insecure_decode_claims(&assertion).expect("claims");
        let now_secs = now.duration_since(UNIX_EPOCH).expect("after 1970").as_secs();
        assert_eq!(claims["iss"], "app-key");
        assert_eq!(claims["sub"], "ops@acme.example");
        assert_eq!(claims["aud"], "https://test.salesforce.com");
        assert_eq!(claims["exp"], now_secs + 180);
    }
}
