//! Salesforce adapter: sObject Collections upserts by external id, with OAuth 2.0 client
//! credentials.

pub mod auth;
pub mod budget;
pub mod classify;
pub mod config;
pub mod read_back;
pub mod request_builder;
pub mod service;

pub use config::{ApiVersion, ObjectTarget, SalesforceConfig, SalesforceConfigError, SalesforceEndpoint};
pub use service::SalesforceAdapter;
