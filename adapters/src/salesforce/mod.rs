//! Salesforce adapter: sObject Collections upserts by external id, Bulk API 2.0 ingest jobs
//! for large batches (parents before children), an API budget and read-back for verification,
//! with sessions from OAuth 2.0 client credentials or the JWT bearer flow.

pub mod auth;
pub mod budget;
pub mod bulk;
pub mod bulk_csv;
pub mod bulk_jobs;
pub mod bulk_ticket;
pub mod classify;
pub mod config;
pub mod credentials;
pub mod jwt_bearer;
pub mod read_back;
pub mod request_builder;
pub mod service;

pub use config::{ApiVersion, ObjectTarget, SalesforceConfig, SalesforceConfigError, SalesforceEndpoint};
pub use credentials::{AuthFlow, CredentialsError};
pub use service::SalesforceAdapter;
