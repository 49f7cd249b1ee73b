//! Switchyard's sandbox: partner simulators that listen on loopback (the Standard Webhooks
//! receiver and the Salesforce org simulator), and production-shaped legacy data (`legacy`:
//! the edge-case catalog, the export generator and the profiler; the replay engine comes next).

pub mod legacy;
pub mod salesforce;
pub mod webhook_receiver;

pub use salesforce::{OrgConfig, RunningSimulator, SalesforceSimulator};
pub use webhook_receiver::{ReceiverError, ReceiverStats, WebhookReceiver, generate_secret};
