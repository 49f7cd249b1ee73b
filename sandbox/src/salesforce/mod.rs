//! A Salesforce org simulator: OAuth client credentials, upsert by external id, sObject
//! Collections, describe and a SOQL subset, the org's field rules and API allowance, over
//! the Salesforce REST wire format on loopback.

pub mod auth;
pub mod data_api;
pub mod ids;
pub mod inspect;
pub mod limits;
pub mod org_config;
pub mod read_api;
pub mod server;
pub mod soql;
pub mod store;
pub mod validation;
pub mod wire_errors;

pub use inspect::SimStats;
pub use org_config::{ConnectedApp, FieldConfig, FieldType, ObjectConfig, OrgConfig, OrgConfigError};
pub use server::{RunningSimulator, SalesforceSimulator, SimulatorError};
