//! A Salesforce org simulator: OAuth (client credentials and the JWT bearer flow), upsert by
//! external id, create, sObject Collections, composite requests, describe and a SOQL subset,
//! the org's field, validation and duplicate rules (objects loadable from describe JSON), its
//! API allowance and concurrent long-request limit, the CRM team's automations (including the
//! ones that fail silently) and seeded faults (503, lock errors, timeouts, dropped connections)
//! and latency, Bulk API 2.0 ingest jobs, over the Salesforce REST wire format on loopback.

pub mod admission;
pub mod auth;
pub mod automation;
pub mod bulk_api;
pub mod bulk_csv;
pub mod bulk_job;
pub mod bulk_process;
pub mod composite;
pub mod composite_refs;
pub mod conditions;
pub mod connection;
pub mod data_api;
pub mod describe_import;
pub mod faults;
pub mod ids;
pub mod inspect;
pub mod jwt_bearer;
pub mod limits;
pub mod org_config;
pub mod org_rules;
pub mod read_api;
pub mod rules_config;
pub mod server;
pub mod soql;
pub mod store;
pub mod table;
pub mod validation;
pub mod wire_errors;

pub use automation::{AutomationState, UnknownAutomation};
pub use bulk_job::{BulkJobSummary, JobState};
pub use faults::FaultConfig;
pub use inspect::SimStats;
pub use org_config::{
    ConnectedApp, FieldConfig, FieldType, JwtConfig, ObjectConfig, OrgConfig, OrgConfigError,
};
pub use server::{RunningSimulator, SalesforceSimulator, SimulatorError};
