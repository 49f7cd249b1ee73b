//! Shared helpers: a webhook adapter configured against a loopback `MockServer`.

use std::time::Duration;

use switchyard_adapters::webhook::{DeliveryMode, WebhookAdapter, WebhookConfig};
use wiremock::MockServer;

pub const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
pub const SECOND_SECRET: &str = "whsec_c2Vjb25kLXNlY3JldC1mb3Itcm90YXRpb24=";

/// A config for `server` with loopback allow-listed, as tests need.
pub fn config(server: &MockServer, mode: DeliveryMode, timeout: Duration) -> WebhookConfig {
    WebhookConfig {
        mode,
        timeout_ms: timeout.as_millis() as u64,
        rate_limit_per_second: 100,
        allow_list: vec!["127.0.0.0/8".into()],
        ..WebhookConfig::new(server.uri(), SECRET.into())
    }
}

pub fn adapter(config: WebhookConfig) -> WebhookAdapter {
    // The workspace builds reqwest without a crypto provider; install ring first.
    let _ = rustls::crypto::ring::default_provider().install_default();
    WebhookAdapter::new(config).expect("valid test config")
}
