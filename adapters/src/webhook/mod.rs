//! Webhook adapter: signed JSON POSTs per the Standard Webhooks spec.

pub mod classify;
pub mod config;
pub mod request_builder;
pub mod service;
pub mod signing;

pub use config::{DeliveryMode, WebhookConfig, WebhookConfigError, WebhookEndpoint};
pub use service::WebhookAdapter;
pub use signing::{SigningSecret, VerifyError};
