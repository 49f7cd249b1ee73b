//! Webhook adapter configuration, its defaults, and its validation into a `WebhookEndpoint`.

use std::num::NonZeroU32;
use std::time::Duration;

use secrecy::SecretString;
use serde::Deserialize;
use url::Url;

use crate::retry_after::RetryAfterBounds;
use crate::ssrf::{AllowListError, DestinationGuard};
use crate::webhook::signing::{SecretError, SigningSecret};

/// One POST per item, or one POST with a JSON array for the whole batch.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryMode {
    #[default]
    PerEvent,
    Batch,
}

/// The webhook adapter's configuration as written in TOML. `validate` turns it into a
/// `WebhookEndpoint`; nothing else reads these raw fields.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookConfig {
    /// `http` or `https` URL the events are POSTed to.
    pub url: String,
    /// One `whsec_<base64>` secret, or two while rotating (each request is signed with both).
    pub secrets: Vec<SecretString>,
    #[serde(default)]
    pub mode: DeliveryMode,
    /// Whole-request timeout (connect, send, and read the response).
    #[serde(default = "defaults::timeout_ms")]
    pub timeout_ms: u64,
    /// Requests per second to this endpoint; also the burst size.
    #[serde(default = "defaults::rate_limit_per_second")]
    pub rate_limit_per_second: u32,
    /// Most requests in flight at once in `per_event` mode.
    #[serde(default = "defaults::max_concurrency")]
    pub max_concurrency: usize,
    /// `Retry-After` values are clamped to `[retry_after_min_secs, retry_after_max_secs]`.
    #[serde(default = "defaults::retry_after_min_secs")]
    pub retry_after_min_secs: u64,
    #[serde(default = "defaults::retry_after_max_secs")]
    pub retry_after_max_secs: u64,
    /// CIDRs, IPs or host names that may be internal (e.g. `127.0.0.0/8` in tests).
    #[serde(default)]
    pub allow_list: Vec<String>,
}

mod defaults {
    pub fn timeout_ms() -> u64 {
        10_000
    }
    pub fn rate_limit_per_second() -> u32 {
        10
    }
    pub fn max_concurrency() -> usize {
        8
    }
    pub fn retry_after_min_secs() -> u64 {
        1
    }
    pub fn retry_after_max_secs() -> u64 {
        3_600
    }
}

/// A validated webhook configuration.
#[derive(Debug)]
pub struct WebhookEndpoint {
    pub(crate) url: Url,
    pub(crate) secrets: Vec<SigningSecret>,
    pub(crate) mode: DeliveryMode,
    pub(crate) timeout: Duration,
    pub(crate) rate_limit_per_second: NonZeroU32,
    pub(crate) max_concurrency: usize,
    pub(crate) retry_after: RetryAfterBounds,
    pub(crate) guard: DestinationGuard,
}

impl WebhookEndpoint {
    pub fn url(&self) -> &Url {
        &self.url
    }

    pub fn mode(&self) -> DeliveryMode {
        self.mode
    }
}

/// A configuration value that cannot be used; `field` is the TOML key.
#[derive(Debug, thiserror::Error)]
pub enum WebhookConfigError {
    #[error("url: not a valid URL")]
    UrlParse(#[source] url::ParseError),
    #[error("url: must be an http(s) URL with a host")]
    UrlScheme,
    #[error("secrets: give one secret, or two while rotating (got {0})")]
    SecretCount(usize),
    #[error("secrets[{index}]")]
    Secret { index: usize, source: SecretError },
    #[error("{field}: must be greater than zero")]
    Zero { field: &'static str },
    #[error("retry_after_min_secs must not exceed retry_after_max_secs")]
    RetryAfterBounds,
    #[error("allow_list")]
    AllowList(#[source] AllowListError),
    #[error("could not build the HTTP client")]
    Client(#[source] reqwest::Error),
}

impl WebhookConfig {
    /// A configuration with every default, for `url` and one secret.
    pub fn new(url: impl Into<String>, secret: SecretString) -> Self {
        Self {
            url: url.into(),
            secrets: vec![secret],
            mode: DeliveryMode::default(),
            timeout_ms: defaults::timeout_ms(),
            rate_limit_per_second: defaults::rate_limit_per_second(),
            max_concurrency: defaults::max_concurrency(),
            retry_after_min_secs: defaults::retry_after_min_secs(),
            retry_after_max_secs: defaults::retry_after_max_secs(),
            allow_list: Vec::new(),
        }
    }

    /// Checks every field and returns the typed endpoint.
    pub fn validate(self) -> Result<WebhookEndpoint, WebhookConfigError> {
        let url = Url::parse(&self.url).map_err(WebhookConfigError::UrlParse)?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
            return Err(WebhookConfigError::UrlScheme);
        }
        if !(1..=2).contains(&self.secrets.len()) {
            return Err(WebhookConfigError::SecretCount(self.secrets.len()));
        }
        let secrets = self
            .secrets
            .iter()
            .enumerate()
            .map(|(index, raw)| {
                SigningSecret::parse(raw).map_err(|source| WebhookConfigError::Secret { index, source })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let non_zero =
            |value: u64, field| if value == 0 { Err(WebhookConfigError::Zero { field }) } else { Ok(value) };
        let timeout = Duration::from_millis(non_zero(self.timeout_ms, "timeout_ms")?);
        let rate_limit_per_second = NonZeroU32::new(self.rate_limit_per_second)
            .ok_or(WebhookConfigError::Zero { field: "rate_limit_per_second" })?;
        non_zero(self.max_concurrency as u64, "max_concurrency")?;
        let retry_after = RetryAfterBounds::new(
            Duration::from_secs(self.retry_after_min_secs),
            Duration::from_secs(self.retry_after_max_secs),
        )
        .ok_or(WebhookConfigError::RetryAfterBounds)?;
        let guard = DestinationGuard::parse(&self.allow_list).map_err(WebhookConfigError::AllowList)?;
        Ok(WebhookEndpoint {
            url,
            secrets,
            mode: self.mode,
            timeout,
            rate_limit_per_second,
            max_concurrency: self.max_concurrency,
            retry_after,
            guard,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    fn parse(toml_like: serde_json::Value) -> Result<WebhookConfig, serde_json::Error> {
        serde_json::from_value(toml_like)
    }

    #[test]
    fn defaults_fill_everything_but_url_and_secrets() {
        let config =
            parse(serde_json::json!({"url": "https://hooks.example/in", "secrets": [SECRET]})).unwrap();
        let endpoint = config.validate().unwrap();
        assert_eq!(endpoint.mode, DeliveryMode::PerEvent);
        assert_eq!(endpoint.timeout, Duration::from_secs(10));
        assert_eq!(endpoint.rate_limit_per_second.get(), 10);
        assert_eq!(endpoint.max_concurrency, 8);
        assert_eq!(endpoint.retry_after.max(), Duration::from_secs(3600));
    }

    #[test]
    fn unknown_fields_are_refused() {
        let err = parse(serde_json::json!({"url": "https://x.example", "secrets": [SECRET], "retries": 3}))
            .unwrap_err();
        assert!(err.to_string().contains("unknown field `retries`"), "{err}");
    }

    #[test]
    fn mode_is_snake_case() {
        let config =
            parse(serde_json::json!({"url": "https://x.example", "secrets": [SECRET], "mode": "batch"}))
                .unwrap();
        assert_eq!(config.mode, DeliveryMode::Batch);
    }

    #[test]
    fn invalid_values_name_their_field() {
        let base = || WebhookConfig::new("https://x.example", SECRET.into());
        let cases: Vec<(WebhookConfig, &str)> = vec![
            (WebhookConfig { url: "ftp://x.example".into(), ..base() }, "url"),
            (WebhookConfig { url: "not a url".into(), ..base() }, "url"),
            (WebhookConfig { secrets: vec![], ..base() }, "secrets"),
            (WebhookConfig { secrets: vec![SECRET.into(); 3], ..base() }, "secrets"),
            (WebhookConfig { secrets: vec!["nope".into()], ..base() }, "secrets[0]"),
            (WebhookConfig { timeout_ms: 0, ..base() }, "timeout_ms"),
            (WebhookConfig { rate_limit_per_second: 0, ..base() }, "rate_limit_per_second"),
            (WebhookConfig { max_concurrency: 0, ..base() }, "max_concurrency"),
            (WebhookConfig { retry_after_min_secs: 10, retry_after_max_secs: 5, ..base() }, "retry_after"),
            (WebhookConfig { allow_list: vec!["10.0.0.0/99".into()], ..base() }, "allow_list"),
        ];
        for (config, field) in cases {
            let err = config.validate().unwrap_err();
            assert!(err.to_string().starts_with(field), "{field}: {err}");
        }
    }

    #[test]
    fn two_secrets_are_accepted_for_rotation() {
        let config = WebhookConfig {
            secrets: vec![SECRET.into(), SECRET.into()],
            ..WebhookConfig::new("https://x.example", SECRET.into())
        };
        assert_eq!(config.validate().unwrap().secrets.len(), 2);
    }
}
