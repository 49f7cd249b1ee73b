//! Switchyard adapters: the `Adapter` trait, per-item delivery outcomes, and the downstreams.

pub mod adapter;
#[cfg(feature = "conformance")]
pub mod conformance;
pub mod outcome;
pub mod retry_after;
pub mod salesforce;
pub mod ssrf;
pub mod tls;
pub mod webhook;

pub use adapter::{
    Adapter, ApiUsage, BoxFuture, DeliveryItem, Health, ReadBack, ReadBackError, ReadBackRecord,
};
pub use outcome::{DeliveryOutcome, RejectCode};
