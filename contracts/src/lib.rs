//! Switchyard's contracts: CloudEvents envelopes, versioned event contracts, target contracts,
//! mappings between them, compatibility checks and the offline contract-test runner.
//!
//! This crate does no IO beyond reading and writing catalog files, so the CRM team can run
//! contract tests without a server.

pub mod catalog;
pub mod compat;
pub mod envelope;
pub mod events;
pub mod finding;
pub mod mapping;
pub mod names;
pub mod testing;

pub use catalog::Catalog;
pub use envelope::{Envelope, EnvelopeError};
pub use finding::{Finding, Severity};
pub use names::{ContractVersion, EventRef, EventType, NameError, ObjectName, SystemId, TargetRef};
