//! Switchyard's sandbox: partner simulators that listen on loopback (today the Standard
//! Webhooks receiver and the Salesforce org simulator; the edge-case catalog and replay engine
//! come with the [sandbox] work).

pub mod salesforce;
pub mod webhook_receiver;

pub use salesforce::{OrgConfig, RunningSimulator, SalesforceSimulator};
pub use webhook_receiver::{ReceiverError, ReceiverStats, WebhookReceiver};
