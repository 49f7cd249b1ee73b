//! Switchyard's sandbox: partner simulators that listen on loopback (today the Standard
//! Webhooks receiver; the Salesforce org simulator, edge-case catalog and replay engine come
//! with the [salesforce] and [sandbox] work).

pub mod webhook_receiver;

pub use webhook_receiver::{ReceiverError, ReceiverStats, WebhookReceiver};
