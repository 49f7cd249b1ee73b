//! `switchyard sandbox replay`: every case through the real mapping and the real adapter
//! against a partner system (the org simulator in process with `--simulate`, or a Salesforce
//! org at `--against`), then the expectations read back: a case passes only if what
//! Switchyard expected happened downstream. Reports as Markdown, JSON and JUnit XML.
//!
//! Cases today are the contract catalog's fixtures of the system (each expects its record to
//! be accepted and every expectation that applies to it to hold); the sandbox's edge-case
//! catalog adds its own cases through the same [`ReplayCase`].

mod cases;
mod evidence;
mod report;
mod run;

pub use cases::{Expected, ReplayCase, fixture_cases, objects_parents_first};
pub use evidence::{contract_versions, directory_digest, run_record};
pub use report::{CaseResult, ReplayReport};
pub use run::{ReplayError, ReplayTarget, replay};
