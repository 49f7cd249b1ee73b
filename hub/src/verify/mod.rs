//! Verification by read-back: after a delivery, the catalog's expectations (the CRM flows set
//! `Status__c`, left no `Flow_Error__c`) are checked against what the downstream really holds,
//! and each delivery becomes `confirmed` or `silent_failure`, with the evidence.

mod evaluate;
mod expectations;
mod verifier;

pub use evaluate::{Finding, check, step};
pub use expectations::{Check, CheckError, CompiledExpectation, SystemExpectations};
pub use verifier::{VerifyReport, verify_due};
