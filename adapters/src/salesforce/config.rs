//! Salesforce adapter configuration, its defaults, and its validation into a `SalesforceEndpoint`.

use std::time::Duration;

use secrecy::SecretString;
use serde::Deserialize;
use url::Url;

use crate::retry_after::RetryAfterBounds;
use crate::salesforce::budget::BudgetConfig;
use crate::salesforce::credentials::{AuthFields, AuthFlow, Credentials, CredentialsError};
use crate::ssrf::{AllowListError, DestinationGuard};

/// Most records one sObject Collections call accepts.
pub const MAX_COLLECTION_RECORDS: usize = 200;

/// One sObject this system receives, and the external id field its upserts match on.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObjectTarget {
    /// The object's API name, e.g. `Contact` or `Enrollment__c`.
    pub object: String,
    /// The external id field upserts match on, e.g. `Legacy_Id__c`.
    pub external_id_field: String,
}

impl ObjectTarget {
    pub fn new(object: impl Into<String>, external_id_field: impl Into<String>) -> Self {
        Self { object: object.into(), external_id_field: external_id_field.into() }
    }
}

/// The Salesforce adapter's configuration as written in TOML. `validate` turns it into a
/// `SalesforceEndpoint`; nothing else reads these raw fields.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SalesforceConfig {
    /// The org's OAuth token URL (My Domain), e.g.
    /// `https://acme.my.salesforce.com/services/oauth2/token` (the JWT bearer flow also works
    /// at `https://login.salesforce.com/services/oauth2/token`). API calls go to the
    /// `instance_url` the token response names.
    pub token_url: String,
    /// REST API version in path form, e.g. `v60.0`.
    #[serde(default = "defaults::api_version")]
    pub api_version: String,
    /// The connected app's consumer key (the JWT's `iss`).
    pub client_id: String,
    /// `client_credentials` (default) or `jwt_bearer`.
    #[serde(default)]
    pub auth: AuthFlow,
    /// client_credentials: the connected app's consumer secret; never logged.
    pub client_secret: Option<SecretString>,
    /// jwt_bearer: the Salesforce username the session runs as (the JWT's `sub`).
    pub username: Option<String>,
    /// jwt_bearer: a file holding the RSA private key (PEM) whose certificate is uploaded to
    /// the connected app.
    pub private_key_file: Option<String>,
    /// jwt_bearer: or the name of an environment variable holding that PEM.
    pub private_key_env: Option<String>,
    /// jwt_bearer: the JWT's `aud` (default `https://login.salesforce.com`;
    /// `https://test.salesforce.com` for sandboxes).
    pub audience: Option<String>,
    /// The objects this system receives. An item names its object in
    /// `record.attributes.type`; an item that names none goes to the first entry.
    pub objects: Vec<ObjectTarget>,
    /// Whole-request timeout (connect, send, and read the response), token calls included.
    #[serde(default = "defaults::timeout_ms")]
    pub timeout_ms: u64,
    /// Most Collections calls in flight at once, across every batch of this adapter.
    #[serde(default = "defaults::max_concurrency")]
    pub max_concurrency: usize,
    /// `Retry-After` values are clamped to `[retry_after_min_secs, retry_after_max_secs]`.
    #[serde(default = "defaults::retry_after_min_secs")]
    pub retry_after_min_secs: u64,
    #[serde(default = "defaults::retry_after_max_secs")]
    pub retry_after_max_secs: u64,
    /// CIDRs, IPs or host names that may be internal (e.g. `127.0.0.0/8` in tests). Checked
    /// for the token URL and for the instance URL the token response names.
    #[serde(default)]
    pub allow_list: Vec<String>,
    /// The hub's share of the org's daily API allowance and an optional call rate.
    #[serde(default)]
    pub budget: BudgetConfig,
    /// A batch of at least this many items goes through Bulk API 2.0 ingest jobs instead of
    /// sObject Collections (Salesforce recommends Bulk above about 2,000 records).
    #[serde(default = "defaults::bulk_threshold")]
    pub bulk_threshold: usize,
    /// How long the hub waits before it asks for a Bulk job's results (and between asks).
    #[serde(default = "defaults::bulk_poll_interval_secs")]
    pub bulk_poll_interval_secs: u64,
}

mod defaults {
    pub fn api_version() -> String {
        "v60.0".into()
    }
    pub fn timeout_ms() -> u64 {
        30_000
    }
    pub fn max_concurrency() -> usize {
        4
    }
    pub fn retry_after_min_secs() -> u64 {
        1
    }
    pub fn retry_after_max_secs() -> u64 {
        3_600
    }
    pub fn bulk_threshold() -> usize {
        2_000
    }
    pub fn bulk_poll_interval_secs() -> u64 {
        10
    }
}

/// A REST API version in path form (`v60.0`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiVersion(String);

impl ApiVersion {
    /// Accepts `v<digits>.<digits>`.
    pub fn parse(raw: &str) -> Option<Self> {
        let (major, minor) = raw.strip_prefix('v')?.split_once('.')?;
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        (digits(major) && digits(minor)).then(|| Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A validated Salesforce configuration.
#[derive(Debug)]
pub struct SalesforceEndpoint {
    pub(crate) token_url: Url,
    pub(crate) api_version: ApiVersion,
    pub(crate) client_id: String,
    pub(crate) credentials: Credentials,
    pub(crate) objects: Vec<ObjectTarget>,
    pub(crate) timeout: Duration,
    pub(crate) max_concurrency: usize,
    pub(crate) retry_after: RetryAfterBounds,
    pub(crate) guard: DestinationGuard,
    pub(crate) budget: BudgetConfig,
    pub(crate) bulk_threshold: usize,
    pub(crate) bulk_poll_interval: Duration,
}

impl SalesforceEndpoint {
    pub fn token_url(&self) -> &Url {
        &self.token_url
    }

    pub fn api_version(&self) -> &ApiVersion {
        &self.api_version
    }

    pub fn objects(&self) -> &[ObjectTarget] {
        &self.objects
    }
}

/// A configuration value that cannot be used; the message starts with the TOML key.
#[derive(Debug, thiserror::Error)]
pub enum SalesforceConfigError {
    #[error("{0}")]
    Budget(&'static str),
    #[error("token_url: not a valid URL")]
    TokenUrlParse(#[source] url::ParseError),
    #[error("token_url: must be an http(s) URL with a host")]
    TokenUrlScheme,
    #[error("api_version: must look like v60.0 (got {0:?})")]
    ApiVersion(String),
    #[error("client_id: must not be empty")]
    ClientId,
    #[error(transparent)]
    Credentials(CredentialsError),
    #[error("objects: name at least one object")]
    NoObjects,
    #[error("objects[{index}].{field}: {value:?} is not a Salesforce API name")]
    ApiName { index: usize, field: &'static str, value: String },
    #[error("objects[{index}].object: {object} is listed twice")]
    DuplicateObject { index: usize, object: String },
    #[error("{field}: must be greater than zero")]
    Zero { field: &'static str },
    #[error("retry_after_min_secs must not exceed retry_after_max_secs")]
    RetryAfterBounds,
    #[error("allow_list")]
    AllowList(#[source] AllowListError),
    #[error("could not build the HTTP client")]
    Client(#[source] reqwest::Error),
}

/// API names are letters, digits and underscores, starting with a letter: safe in URL paths.
pub(crate) fn is_api_name(name: &str) -> bool {
    name.len() <= 80
        && name.bytes().next().is_some_and(|b| b.is_ascii_alphabetic())
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

impl SalesforceConfig {
    /// A configuration with every default, for one token URL, connected app and object.
    pub fn new(
        token_url: impl Into<String>,
        client_id: impl Into<String>,
        client_secret: SecretString,
        object: ObjectTarget,
    ) -> Self {
        Self {
            token_url: token_url.into(),
            api_version: defaults::api_version(),
            client_id: client_id.into(),
            auth: AuthFlow::ClientCredentials,
            client_secret: Some(client_secret),
            username: None,
            private_key_file: None,
            private_key_env: None,
            audience: None,
            objects: vec![object],
            timeout_ms: defaults::timeout_ms(),
            max_concurrency: defaults::max_concurrency(),
            retry_after_min_secs: defaults::retry_after_min_secs(),
            retry_after_max_secs: defaults::retry_after_max_secs(),
            allow_list: Vec::new(),
            budget: BudgetConfig::default(),
            bulk_threshold: defaults::bulk_threshold(),
            bulk_poll_interval_secs: defaults::bulk_poll_interval_secs(),
        }
    }

    /// A configuration with every default that gets sessions through the JWT bearer flow,
    /// signing with the RSA private key in `private_key_file`.
    pub fn jwt_bearer(
        token_url: impl Into<String>,
        client_id: impl Into<String>,
        username: impl Into<String>,
        private_key_file: impl Into<String>,
        object: ObjectTarget,
    ) -> Self {
        Self {
            auth: AuthFlow::JwtBearer,
            client_secret: None,
            username: Some(username.into()),
            private_key_file: Some(private_key_file.into()),
            ..Self::new(token_url, client_id, SecretString::from(String::new()), object)
        }
    }

    /// Checks every field and returns the typed endpoint.
    pub fn validate(self) -> Result<SalesforceEndpoint, SalesforceConfigError> {
        let token_url = Url::parse(&self.token_url).map_err(SalesforceConfigError::TokenUrlParse)?;
        if !matches!(token_url.scheme(), "http" | "https") || token_url.host_str().is_none() {
            return Err(SalesforceConfigError::TokenUrlScheme);
        }
        let api_version = ApiVersion::parse(&self.api_version)
            .ok_or_else(|| SalesforceConfigError::ApiVersion(self.api_version.clone()))?;
        if self.client_id.trim().is_empty() {
            return Err(SalesforceConfigError::ClientId);
        }
        let credentials = Credentials::validate(AuthFields {
            auth: self.auth,
            client_secret: self.client_secret.as_ref(),
            username: self.username.as_deref(),
            private_key_file: self.private_key_file.as_deref(),
            private_key_env: self.private_key_env.as_deref(),
            audience: self.audience.as_deref(),
        })
        .map_err(SalesforceConfigError::Credentials)?;
        validate_objects(&self.objects)?;
        if self.timeout_ms == 0 {
            return Err(SalesforceConfigError::Zero { field: "timeout_ms" });
        }
        if self.max_concurrency == 0 {
            return Err(SalesforceConfigError::Zero { field: "max_concurrency" });
        }
        if self.bulk_threshold == 0 {
            return Err(SalesforceConfigError::Zero { field: "bulk_threshold" });
        }
        if self.bulk_poll_interval_secs == 0 {
            return Err(SalesforceConfigError::Zero { field: "bulk_poll_interval_secs" });
        }
        let retry_after = RetryAfterBounds::new(
            Duration::from_secs(self.retry_after_min_secs),
            Duration::from_secs(self.retry_after_max_secs),
        )
        .ok_or(SalesforceConfigError::RetryAfterBounds)?;
        let guard = DestinationGuard::parse(&self.allow_list).map_err(SalesforceConfigError::AllowList)?;
        self.budget.validate().map_err(SalesforceConfigError::Budget)?;
        Ok(SalesforceEndpoint {
            token_url,
            api_version,
            client_id: self.client_id,
            credentials,
            objects: self.objects,
            timeout: Duration::from_millis(self.timeout_ms),
            max_concurrency: self.max_concurrency,
            retry_after,
            guard,
            budget: self.budget,
            bulk_threshold: self.bulk_threshold,
            bulk_poll_interval: Duration::from_secs(self.bulk_poll_interval_secs),
        })
    }
}

fn validate_objects(objects: &[ObjectTarget]) -> Result<(), SalesforceConfigError> {
    if objects.is_empty() {
        return Err(SalesforceConfigError::NoObjects);
    }
    for (index, target) in objects.iter().enumerate() {
        for (field, value) in [("object", &target.object), ("external_id_field", &target.external_id_field)] {
            if !is_api_name(value) {
                return Err(SalesforceConfigError::ApiName { index, field, value: value.clone() });
            }
        }
        if objects[..index].iter().any(|earlier| earlier.object.eq_ignore_ascii_case(&target.object)) {
            return Err(SalesforceConfigError::DuplicateObject { index, object: target.object.clone() });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use secrecy::ExposeSecret;

    use super::*;

    const TOKEN_URL: &str = "https://acme.my.salesforce.com/services/oauth2/token";

    fn base() -> SalesforceConfig {
        SalesforceConfig::new(TOKEN_URL, "app", "s3cret".into(), ObjectTarget::new("Contact", "Legacy_Id__c"))
    }

    #[test]
    fn defaults_fill_everything_but_url_credentials_and_objects() {
        let config: SalesforceConfig = serde_json::from_value(serde_json::json!({
            "token_url": TOKEN_URL,
            "client_id": "app",
            "client_secret": "s3cret",
            "objects": [{"object": "Contact", "external_id_field": "Legacy_Id__c"}],
        }))
        .unwrap();
        let endpoint = config.validate().unwrap();
        assert_eq!(endpoint.api_version.as_str(), "v60.0");
        assert_eq!(endpoint.timeout, Duration::from_secs(30));
        assert_eq!(endpoint.max_concurrency, 4);
        assert_eq!(endpoint.retry_after.max(), Duration::from_secs(3600));
        assert!(matches!(&endpoint.credentials,
            Credentials::ClientCredentials { client_secret } if client_secret.expose_secret() == "s3cret"));
        assert_eq!(endpoint.bulk_threshold, 2_000);
        assert_eq!(endpoint.bulk_poll_interval, Duration::from_secs(10));
    }

    #[test]
    fn unknown_fields_are_refused_at_both_levels() {
        let err = serde_json::from_value::<SalesforceConfig>(serde_json::json!({
            "token_url": TOKEN_URL, "client_id": "a", "client_secret": "s", "objects": [], "retries": 3,
        }))
        .unwrap_err();
        assert!(err.to_string().contains("unknown field `retries`"), "{err}");
        let err = serde_json::from_value::<ObjectTarget>(
            serde_json::json!({"object": "Contact", "external_id_field": "X", "id": "Y"}),
        )
        .unwrap_err();
        assert!(err.to_string().contains("unknown field `id`"), "{err}");
    }

    #[test]
    fn the_secret_never_appears_in_debug_output() {
        assert!(!format!("{:?}", base()).contains("s3cret"));
        assert!(!format!("{:?}", base().validate().unwrap()).contains("s3cret"));
    }

    #[test]
    fn invalid_values_name_their_field() {
        let contact = || ObjectTarget::new("Contact", "Legacy_Id__c");
        let cases: Vec<(SalesforceConfig, &str)> = vec![
            (SalesforceConfig { token_url: "ftp://x.example".into(), ..base() }, "token_url"),
            (SalesforceConfig { token_url: "not a url".into(), ..base() }, "token_url"),
            (SalesforceConfig { api_version: "60".into(), ..base() }, "api_version"),
            (SalesforceConfig { api_version: "v60".into(), ..base() }, "api_version"),
            (SalesforceConfig { client_id: " ".into(), ..base() }, "client_id"),
            (SalesforceConfig { objects: vec![], ..base() }, "objects"),
            (
                SalesforceConfig { objects: vec![ObjectTarget::new("Contact/../x", "Id")], ..base() },
                "objects[0].object",
            ),
            (
                SalesforceConfig { objects: vec![ObjectTarget::new("Contact", "Legacy Id")], ..base() },
                "objects[0].external_id_field",
            ),
            (SalesforceConfig { objects: vec![contact(), contact()], ..base() }, "objects[1].object"),
            (SalesforceConfig { timeout_ms: 0, ..base() }, "timeout_ms"),
            (SalesforceConfig { max_concurrency: 0, ..base() }, "max_concurrency"),
            (SalesforceConfig { bulk_threshold: 0, ..base() }, "bulk_threshold"),
            (SalesforceConfig { bulk_poll_interval_secs: 0, ..base() }, "bulk_poll_interval_secs"),
            (SalesforceConfig { retry_after_min_secs: 10, retry_after_max_secs: 5, ..base() }, "retry_after"),
            (SalesforceConfig { allow_list: vec!["10.0.0.0/99".into()], ..base() }, "allow_list"),
        ];
        for (config, field) in cases {
            let err = config.validate().unwrap_err();
            assert!(err.to_string().starts_with(field), "{field}: {err}");
        }
    }

    const TEST_KEY_FILE: &str =
        concat!(env!("CARGO_MANIFEST_DIR"), "/../sandbox/orgs/keys/sandbox-test-only.key.pem");

    fn jwt() -> SalesforceConfig {
        SalesforceConfig::jwt_bearer(
            TOKEN_URL,
            "app",
            "ops@acme.example",
            TEST_KEY_FILE,
            ObjectTarget::new("Contact", "Legacy_Id__c"),
        )
    }

    #[test]
    fn the_jwt_bearer_flow_loads_its_key_from_a_file_or_the_environment() {
        let endpoint = jwt().validate().expect("valid");
        assert!(matches!(&endpoint.credentials,
            Credentials::JwtBearer { username, audience, .. }
                if username == "ops@acme.example" && audience == "https://login.salesforce.com"));
        // The key is never printed, neither raw nor validated.
        let pem = std::fs::read_to_string(TEST_KEY_FILE).expect("the sandbox key is shipped");
        let body_line = pem.lines().nth(1).expect("PEM body");
        assert!(!format!("{endpoint:?}").contains(body_line));

        let from_toml: SalesforceConfig = toml_like(serde_json::json!({
            "token_url": TOKEN_URL, "client_id": "app", "auth": "jwt_bearer",
            "username": "ops@acme.example", "private_key_env": "PATH",
            "audience": "https://test.salesforce.com",
            "objects": [{"object": "Contact", "external_id_field": "Legacy_Id__c"}],
        }));
        // PATH is set but is no PEM: the error names the key it came from.
        let err = from_toml.validate().unwrap_err().to_string();
        assert!(err.starts_with("private_key_env: not an RSA private key"), "{err}");
    }

    fn toml_like(value: serde_json::Value) -> SalesforceConfig {
        serde_json::from_value(value).expect("deserializes")
    }

    #[test]
    fn jwt_bearer_settings_name_their_field() {
        let cases: Vec<(SalesforceConfig, &str)> = vec![
            (SalesforceConfig { username: None, ..jwt() }, "username: required with auth = \"jwt_bearer\""),
            (SalesforceConfig { username: Some(" ".into()), ..jwt() }, "username: required"),
            (
                SalesforceConfig { private_key_file: None, ..jwt() },
                "private_key_file or private_key_env: required",
            ),
            (
                SalesforceConfig { private_key_env: Some("X".into()), ..jwt() },
                "private_key_file, private_key_env",
            ),
            (
                SalesforceConfig { private_key_file: Some("/nonexistent/key.pem".into()), ..jwt() },
                "private_key_file: cannot read /nonexistent/key.pem",
            ),
            (
                SalesforceConfig {
                    private_key_file: Some(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml").into()),
                    ..jwt()
                },
                "private_key_file: not an RSA private key",
            ),
            (
                SalesforceConfig {
                    private_key_file: None,
                    private_key_env: Some("SWITCHYARD_TEST_NO_SUCH_KEY".into()),
                    ..jwt()
                },
                "private_key_env: the environment variable SWITCHYARD_TEST_NO_SUCH_KEY is not set",
            ),
            (SalesforceConfig { audience: Some("login.salesforce.com".into()), ..jwt() }, "audience:"),
            (
                SalesforceConfig { client_secret: Some("s".into()), ..jwt() },
                "client_secret: only used with auth = \"client_credentials\"",
            ),
            (
                SalesforceConfig { client_secret: None, ..base() },
                "client_secret: required with auth = \"client_credentials\"",
            ),
            (
                SalesforceConfig { username: Some("u".into()), ..base() },
                "username: only used with auth = \"jwt_bearer\"",
            ),
        ];
        for (config, message) in cases {
            let err = config.validate().unwrap_err().to_string();
            assert!(err.starts_with(message), "{message}: {err}");
        }
        let err = serde_json::from_value::<SalesforceConfig>(serde_json::json!({
            "token_url": TOKEN_URL, "client_id": "a", "auth": "password", "objects": [],
        }))
        .unwrap_err();
        assert!(err.to_string().contains("unknown variant `password`"), "{err}");
    }

    #[test]
    fn api_versions_parse() {
        assert!(ApiVersion::parse("v60.0").is_some());
        assert!(ApiVersion::parse("v9.10").is_some());
        for raw in ["", "v", "v60.", "v.0", "60.0", "v6a.0", "v60.0/x"] {
            assert!(ApiVersion::parse(raw).is_none(), "{raw}");
        }
    }
}
