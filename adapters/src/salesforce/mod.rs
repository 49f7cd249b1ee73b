//! Salesforce adapter: sObject Collections upserts by external id, with sessions from OAuth 2.0
//! client credentials or the JWT bearer flow.

pub mod auth;
pub mod classify;
pub mod config;
pub mod credentials;
pub mod jwt_bearer;
pub mod request_builder;
pub mod service;

pub use config::{ApiVersion, ObjectTarget, SalesforceConfig, SalesforceConfigError, SalesforceEndpoint};
pub use credentials::{AuthFlow, CredentialsError};
pub use service::SalesforceAdapter;
