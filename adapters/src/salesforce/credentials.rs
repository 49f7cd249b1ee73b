//! Which OAuth flow the adapter uses and the validated secrets it needs: the client
//! credentials flow (consumer key + secret) or the JWT bearer flow (consumer key, username and
//! the RSA private key that signs assertions, from a file or an environment variable).

use std::fmt;
use std::sync::Arc;

use jsonwebtoken::EncodingKey;
use secrecy::{SecretBox, SecretString};
use serde::Deserialize;
use url::Url;

/// Where JWT bearer assertions are meant for when `audience` is not set.
pub const DEFAULT_AUDIENCE: &str = "https://login.salesforce.com";

/// The `auth` key: which OAuth flow gets sessions.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthFlow {
    /// `grant_type=client_credentials` at the org's My Domain token URL.
    #[default]
    ClientCredentials,
    /// An RS256 assertion (`iss`, `sub`, `aud`, `exp`) signed with the app's private key.
    JwtBearer,
}

/// The raw auth keys of `[systems.<id>.salesforce]`, as `SalesforceConfig` holds them.
#[derive(Debug, Clone, Copy)]
pub struct AuthFields<'a> {
    pub auth: AuthFlow,
    pub client_secret: Option<&'a SecretString>,
    pub username: Option<&'a str>,
    pub private_key_file: Option<&'a str>,
    pub private_key_env: Option<&'a str>,
    pub audience: Option<&'a str>,
}

/// The signing key of the JWT bearer flow; never printed. Shared, not copied, between the
/// endpoint and the token source.
#[derive(Clone)]
pub struct SigningKey(Arc<SecretBox<EncodingKey>>);

impl SigningKey {
    /// Parses an RSA private key in PEM (PKCS#1 `RSA PRIVATE KEY` or PKCS#8 `PRIVATE KEY`).
    pub fn from_pem(pem: &SecretString) -> Option<Self> {
        use secrecy::ExposeSecret;
        let key = EncodingKey::from_rsa_pem(pem.expose_secret().as_bytes()).ok()?;
        Some(Self(Arc::new(SecretBox::new(Box::new(key)))))
    }

    pub(crate) fn key(&self) -> &EncodingKey {
        use secrecy::ExposeSecret;
        self.0.expose_secret()
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SigningKey([REDACTED])")
    }
}

/// Validated credentials of one flow.
#[derive(Debug)]
pub enum Credentials {
    ClientCredentials { client_secret: SecretString },
    JwtBearer { username: String, audience: String, key: SigningKey },
}

/// An auth key that cannot be used; the message starts with the TOML key.
#[derive(Debug, thiserror::Error)]
pub enum CredentialsError {
    #[error("{field}: required with auth = \"{flow}\"")]
    Missing { field: &'static str, flow: &'static str },
    #[error("{field}: only used with auth = \"{flow}\"")]
    OtherFlow { field: &'static str, flow: &'static str },
    #[error("private_key_file, private_key_env: give one of them, not both")]
    BothKeySources,
    #[error("private_key_file: cannot read {path}")]
    ReadKey {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("private_key_env: the environment variable {0} is not set (or not UTF-8)")]
    KeyEnv(String),
    #[error("{0}: not an RSA private key in PEM (PKCS#1 or PKCS#8)")]
    KeyFormat(&'static str),
    #[error(
        "audience: must be an http(s) URL such as https://login.salesforce.com or https://test.salesforce.com"
    )]
    Audience,
}

const CLIENT_CREDENTIALS: &str = "client_credentials";
const JWT_BEARER: &str = "jwt_bearer";

impl Credentials {
    /// Checks the keys of the chosen flow and loads the private key of the JWT bearer flow.
    pub fn validate(fields: AuthFields<'_>) -> Result<Self, CredentialsError> {
        match fields.auth {
            AuthFlow::ClientCredentials => {
                for (field, given) in [
                    ("username", fields.username.is_some()),
                    ("private_key_file", fields.private_key_file.is_some()),
                    ("private_key_env", fields.private_key_env.is_some()),
                    ("audience", fields.audience.is_some()),
                ] {
                    if given {
                        return Err(CredentialsError::OtherFlow { field, flow: JWT_BEARER });
                    }
                }
                let client_secret = fields
                    .client_secret
                    .cloned()
                    .ok_or(CredentialsError::Missing { field: "client_secret", flow: CLIENT_CREDENTIALS })?;
                Ok(Credentials::ClientCredentials { client_secret })
            }
            AuthFlow::JwtBearer => {
                if fields.client_secret.is_some() {
                    return Err(CredentialsError::OtherFlow {
                        field: "client_secret",
                        flow: CLIENT_CREDENTIALS,
                    });
                }
                let username = fields
                    .username
                    .map(str::trim)
                    .filter(|u| !u.is_empty())
                    .ok_or(CredentialsError::Missing { field: "username", flow: JWT_BEARER })?
                    .to_owned();
                let audience = fields.audience.unwrap_or(DEFAULT_AUDIENCE);
                let parsed = Url::parse(audience).map_err(|_| CredentialsError::Audience)?;
                if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
                    return Err(CredentialsError::Audience);
                }
                let (source, pem) = private_key(fields)?;
                let key = SigningKey::from_pem(&pem).ok_or(CredentialsError::KeyFormat(source))?;
                Ok(Credentials::JwtBearer { username, audience: audience.to_owned(), key })
            }
        }
    }
}

/// The private key PEM and which key it came from.
fn private_key(fields: AuthFields<'_>) -> Result<(&'static str, SecretString), CredentialsError> {
    match (fields.private_key_file, fields.private_key_env) {
        (Some(_), Some(_)) => Err(CredentialsError::BothKeySources),
        (None, None) => {
            Err(CredentialsError::Missing { field: "private_key_file or private_key_env", flow: JWT_BEARER })
        }
        (Some(path), None) => std::fs::read_to_string(path)
            .map(|pem| ("private_key_file", SecretString::from(pem)))
            .map_err(|source| CredentialsError::ReadKey { path: path.to_owned(), source }),
        (None, Some(name)) => std::env::var(name)
            .map(|pem| ("private_key_env", SecretString::from(pem)))
            .map_err(|_| CredentialsError::KeyEnv(name.to_owned())),
    }
}
